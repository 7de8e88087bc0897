package rule_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/agents"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// TestPrivateProjectRules checks project visibility and comment
// authorship through the ent client, viewer by viewer.
func TestPrivateProjectRules(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c, sys := db.Ent, testfix.System()
		org := testfix.Org(t, c, "Acme")
		as := map[string]context.Context{}
		users := map[string]*ent.User{}
		for name, role := range map[string]string{"admin": "ADMIN", "mgr": "MANAGER", "dev": "DEVELOPER",
			"dev2": "DEVELOPER", "out": "DEVELOPER", "owner": "DEVELOPER"} {
			users[name] = testfix.User(t, c, name)
			as[name] = testfix.AsRole(t, c, users[name], org, role)
		}
		m := viewer.Membership{OrganizationID: org.ID}
		for _, p := range agents.AgentGrants {
			m.Permissions.Add(p.Resource, p.Action)
		}
		as["agent"] = viewer.NewContext(context.Background(),
			&viewer.Viewer{AgentID: uuid.New(), Memberships: map[uuid.UUID]viewer.Membership{org.ID: m}})
		var (
			private, open *ent.Project
			tk            *ent.Task
			byDev, byDev2 *ent.TaskComment
		)
		testfix.Tx(t, sys, c, func(tx *ent.Tx) error {
			private = tx.Project.Create().SetOrganizationID(org.ID).SetKey("PV").SetName("P").SetOwnerID(users["owner"].ID).SaveX(sys)
			open = tx.Project.Create().SetOrganizationID(org.ID).SetKey("OP").SetName("O").SetOwnerID(users["owner"].ID).
				SetVisibility("organization").SaveX(sys)
			for _, u := range []string{"dev", "dev2"} {
				tx.ProjectMember.Create().SetOrganizationID(org.ID).SetProjectID(private.ID).SetUserID(users[u].ID).ExecX(sys)
			}
			tk = tx.Task.Create().SetOrganizationID(org.ID).SetProjectID(private.ID).SetNumber(1).SetTitle("t").
				SetReporterID(users["dev"].ID).SaveX(sys)
			tx.Task.Create().SetOrganizationID(org.ID).SetProjectID(open.ID).SetNumber(1).SetTitle("o").
				SetReporterID(users["dev"].ID).ExecX(sys)
			byDev = tx.TaskComment.Create().SetOrganizationID(org.ID).SetTaskID(tk.ID).SetAuthorID(users["dev"].ID).SetBody("a").SaveX(sys)
			byDev2 = tx.TaskComment.Create().SetOrganizationID(org.ID).SetTaskID(tk.ID).SetAuthorID(users["dev2"].ID).SetBody("b").SaveX(sys)
			return nil
		})
		// Who sees the private project (and its task) besides the open one.
		for name, sees := range map[string]bool{"admin": true, "dev": true, "owner": true, "mgr": false, "out": false, "agent": false} {
			projects, err := c.Project.Query().Count(as[name])
			if err != nil || projects != map[bool]int{true: 2, false: 1}[sees] {
				t.Errorf("%s sees %d projects (%v), private visible: want %v", name, projects, err, sees)
			}
			tasks, err := c.Task.Query().Count(as[name])
			if err != nil || tasks != map[bool]int{true: 2, false: 1}[sees] {
				t.Errorf("%s sees %d tasks (%v)", name, tasks, err)
			}
		}
		for name, ctx := range map[string]context.Context{"mgr": as["mgr"], "out": as["out"]} {
			// Writes under the private project are denied, updates find nothing.
			err := database.WithTx(ctx, c, func(tx *ent.Tx) error {
				return tx.Task.Create().SetOrganizationID(org.ID).SetProjectID(private.ID).SetNumber(9).SetTitle("x").
					SetReporterID(users[name].ID).Exec(ctx)
			})
			if !errors.Is(err, privacy.Deny) {
				t.Errorf("%s creates a task in the private project: %v", name, err)
			}
			err = database.WithTx(ctx, c, func(tx *ent.Tx) error { return tx.Task.UpdateOneID(tk.ID).SetTitle("x").Exec(ctx) })
			if !ent.IsNotFound(err) {
				t.Errorf("%s updates the private task: %v", name, err)
			}
		}
		del := func(who string, id uuid.UUID) error {
			return database.WithTx(as[who], c, func(tx *ent.Tx) error { return tx.TaskComment.DeleteOneID(id).Exec(as[who]) })
		}
		edit := func(who string, id uuid.UUID) error {
			return database.WithTx(as[who], c, func(tx *ent.Tx) error {
				return tx.TaskComment.UpdateOneID(id).SetBody("edited").Exec(as[who])
			})
		}
		// Authors edit and delete their own comments (DEVELOPER holds no
		// comment:delete); others do not; ADMIN moderates.
		if err := edit("dev2", byDev.ID); !ent.IsNotFound(err) {
			t.Errorf("dev2 edits dev's comment: %v", err)
		}
		if err := edit("admin", byDev.ID); !ent.IsNotFound(err) {
			t.Errorf("admin edits dev's comment: %v", err)
		}
		if err := edit("dev", byDev.ID); err != nil {
			t.Errorf("dev edits their comment: %v", err)
		}
		if err := del("dev2", byDev.ID); !ent.IsNotFound(err) {
			t.Errorf("dev2 deletes dev's comment: %v", err)
		}
		if err := del("mgr", byDev.ID); !ent.IsNotFound(err) {
			t.Errorf("a manager outside the private project deletes in it: %v", err)
		}
		if err := del("dev", byDev.ID); err != nil {
			t.Errorf("dev deletes their comment: %v", err)
		}
		if err := del("admin", byDev2.ID); err != nil {
			t.Errorf("admin deletes dev2's comment: %v", err)
		}
		if n := c.TaskComment.Query().CountX(sys); n != 0 {
			t.Errorf("%d comments left", n)
		}
	})
}
