package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/userrole"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// TestReportedCallReferencesStayInTheOrganization (issue 15, item 4): a
// reported call naming another organization's task or session, or an id
// that does not exist, is refused with the same 422 naming the field
// (no existence oracle), in a batch too, and nothing is stored; the
// agent's own task and session are accepted.
func TestReportedCallReferencesStayInTheOrganization(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorkspace(t, db, "alice", "eve")
		sys := testfix.System()
		org := w.createOrg("alice", "refs-acme")
		other := w.createOrg("eve", "refs-other")
		newAgent := func(org uuid.UUID) *ent.Agent {
			var ag *ent.Agent
			testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) (err error) {
				ag, err = tx.Agent.Create().SetOrganizationID(org).SetName("bot-" + uuid.NewString()[:8]).
					SetProvider(agent.ProviderOpenaiCompatible).SetModel("gpt-x").Save(sys)
				return err
			})
			return ag
		}
		newSession := func(ag *ent.Agent) uuid.UUID {
			var s *ent.AgentSession
			testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) (err error) {
				s, err = tx.AgentSession.Create().SetOrganizationID(ag.OrganizationID).SetAgentID(ag.ID).Save(sys)
				return err
			})
			return s.ID
		}
		newTask := func(user string, org uuid.UUID) uuid.UUID {
			var p projectJSON
			w.must(201, user, "POST", fmt.Sprintf("/organizations/%s/projects", org), map[string]string{"key": "RF", "name": "Refs"}, &p)
			var tk taskJSON
			w.must(201, user, "POST", "/projects/"+p.ID.String()+"/tasks", map[string]any{"title": "t"}, &tk)
			return tk.ID
		}
		ag, theirs := newAgent(org.ID), newAgent(other.ID)
		ownTask, ownSession := newTask("alice", org.ID), newSession(ag)
		theirTask, theirSession := newTask("eve", other.ID), newSession(theirs)
		siblingSession := newSession(newAgent(org.ID)) // same organization, another agent

		now := time.Now().UTC().Format(time.RFC3339)
		n := 0
		call := func(refs map[string]any) map[string]any {
			n++
			c := map[string]any{"agent_id": ag.ID, "client_call_id": fmt.Sprintf("r-%d", n), "provider": "openai_compatible",
				"model": "gpt-x", "prompt_tokens": 10, "status": "success", "started_at": now}
			for k, v := range refs {
				c[k] = v
			}
			return c
		}
		refused := func(what string, body any, path, field string) problem.Problem {
			t.Helper()
			code, raw := w.do("alice", "POST", path, body, nil)
			p := problemOf(t, raw)
			if code != 422 || len(p.Errors) != 1 || p.Errors[0].Field != field {
				t.Errorf("%s: %d %s", what, code, raw)
			}
			return p
		}
		for _, ref := range []struct {
			field          string
			theirs, random uuid.UUID
		}{{"task_id", theirTask, uuid.New()}, {"session_id", theirSession, uuid.New()}} {
			a := refused("another tenant's "+ref.field, call(map[string]any{ref.field: ref.theirs}), "/agent-calls", ref.field)
			b := refused("unknown "+ref.field, call(map[string]any{ref.field: ref.random}), "/agent-calls", ref.field)
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("%s: another tenant's %+v, unknown %+v: an existence oracle", ref.field, a, b)
			}
		}
		refused("another agent's session", call(map[string]any{"session_id": siblingSession}), "/agent-calls", "session_id")
		batch := map[string]any{"calls": []any{call(nil), call(map[string]any{"task_id": theirTask})}}
		refused("batch", batch, "/agent-calls/batch", "calls[1].task_id")
		if n := db.Ent.AgentCall.Query().Where(agentcall.AgentID(ag.ID)).CountX(sys); n != 0 {
			t.Fatalf("refused reports stored %d calls", n)
		}
		var stored callJSON
		w.must(201, "alice", "POST", "/agent-calls", call(map[string]any{"task_id": ownTask, "session_id": ownSession}), &stored)
		if c := db.Ent.AgentCall.GetX(sys, stored.ID); c.TaskID == nil || *c.TaskID != ownTask || *c.SessionID != ownSession {
			t.Errorf("own references: %+v", c)
		}
	})
}

// TestNobodyAdministersAHigherRole (issue 15, item 14): a MANAGER
// (member:manage) unlocks a VIEWER but not an ADMIN; a custom role
// holding member:manage and role:* cannot take an ADMIN's role away or
// remove them from the organization, though it can do so to a VIEWER; an
// ADMIN administers a fellow ADMIN. Refusals are 403 and change nothing.
func TestNobodyAdministersAHigherRole(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		o := newOrg(t, db, testserver.Env{"WORKSYNAPSE_AUTH_LOCKOUT_MAX_ATTEMPTS": "3", "WORKSYNAPSE_AUTH_LOCKOUT_DURATION": "1h"})
		adam, mia, dora := register(t, o.s, "adamx"), register(t, o.s, "miaxx"), register(t, o.s, "doraxx")
		o.join(adam.ID, seed.RoleAdmin)
		o.join(mia.ID, seed.RoleManager)
		var deputy roleJSON
		o.must(201, o.adminT, "POST", o.path("/roles"), map[string]string{"name": "DEPUTY", "description": "Staffing"}, &deputy)
		for _, action := range []string{"manage", "create", "read", "delete"} {
			resource := "role"
			if action == "manage" {
				resource = "member"
			}
			o.must(204, o.adminT, "POST", o.path("/roles/%s/permissions", deputy.ID), map[string]string{"resource": resource, "action": action}, nil)
		}
		o.must(201, o.adminT, "POST", o.path("/members"), map[string]string{"email": "doraxx@example.com", "role": "VIEWER"}, nil)
		o.must(204, o.adminT, "POST", o.path("/members/%s/roles", dora.ID), map[string]any{"role_id": deputy.ID}, nil)
		miaT, doraT := login(t, o.s, "miaxx", goodPassword).AccessToken, login(t, o.s, "doraxx", goodPassword).AccessToken

		lock := func(name string) {
			for range 3 {
				b, _ := json.Marshal(map[string]string{"identifier": name, "password": "wrong password!!"})
				o.s.Do(t, "POST", "/auth/login", "application/json", b, nil)
			}
		}
		locked := func(id uuid.UUID) bool { return db.Ent.User.GetX(testfix.System(), id).LockedUntil != nil }
		lock("adamx")
		lock("bobby")
		o.must(403, miaT, "POST", fmt.Sprintf("/users/%s/unlock", adam.ID), nil, nil)
		if !locked(adam.ID) {
			t.Fatal("a MANAGER unlocked an ADMIN")
		}
		o.must(204, miaT, "POST", fmt.Sprintf("/users/%s/unlock", o.bob.ID), nil, nil)
		o.must(204, o.adminT, "POST", fmt.Sprintf("/users/%s/unlock", adam.ID), nil, nil)

		admin := o.systemRole(seed.RoleAdmin)
		o.must(403, doraT, "DELETE", o.path("/members/%s/roles/%s", adam.ID, admin), nil, nil)
		o.must(403, doraT, "POST", o.path("/members/%s/roles", adam.ID), map[string]any{"role_id": deputy.ID}, nil)
		o.must(403, doraT, "DELETE", o.path("/members/%s", adam.ID), nil, nil)
		if n := db.Ent.UserRole.Query().Where(userrole.UserID(adam.ID), userrole.RoleID(admin)).CountX(testfix.System()); n != 1 {
			t.Fatalf("the ADMIN lost their role: %d grants", n)
		}
		o.must(204, doraT, "DELETE", o.path("/members/%s/roles/%s", o.bob.ID, o.systemRole(seed.RoleViewer)), nil, nil)
		o.must(204, doraT, "DELETE", o.path("/members/%s", o.bob.ID), nil, nil)
	})
}

// TestPrivateProjectsStayPrivateInActivityNotesAndCosts (issue 15, item
// 5): a MANAGER (activity_log:read, note:read, agent_call:read) who is no
// member of a private project does not find its rows in GET
// /audit/activity or its export, nor an organization-wide note linked to
// it, nor its or its tasks' ids in the cost report grouped by project or
// task (their figures fold into the group without one); the ADMIN does,
// and so does the MANAGER once a project member. An organization-wide
// project stays visible to all.
func TestPrivateProjectsStayPrivateInActivityNotesAndCosts(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorkspace(t, db, "alice", "mia")
		sys := testfix.System()
		org := w.createOrg("alice", "pp-acme")
		w.addMember("alice", org.ID, "mia", "MANAGER")
		projects := fmt.Sprintf("/organizations/%s/projects", org.ID)
		var private, open projectJSON
		w.must(201, "alice", "POST", projects, map[string]string{"key": "PV", "name": "Private"}, &private)
		w.must(201, "alice", "POST", projects, map[string]string{"key": "OP", "name": "Open", "visibility": "organization"}, &open)
		var secret, public taskJSON
		w.must(201, "alice", "POST", "/projects/"+private.ID.String()+"/tasks", map[string]any{"title": "secret-title"}, &secret)
		w.must(201, "alice", "POST", "/projects/"+open.ID.String()+"/tasks", map[string]any{"title": "open-title"}, &public)
		w.must(201, "alice", "POST", "/tasks/"+secret.ID.String()+"/comments", map[string]any{"body": "secret-comment"}, nil)
		var orgNote idJSON
		w.must(201, "alice", "POST", fmt.Sprintf("/organizations/%s/notes", org.ID), map[string]any{"title": "secret-note",
			"content": "x", "visibility": "organization", "project_id": private.ID}, &orgNote)

		var ag *ent.Agent
		testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) (err error) {
			ag, err = tx.Agent.Create().SetOrganizationID(org.ID).SetName("bot").
				SetProvider(agent.ProviderOpenaiCompatible).SetModel("gpt-x").Save(sys)
			return err
		})
		now := time.Now().UTC()
		for i, tk := range []uuid.UUID{secret.ID, public.ID} {
			w.must(201, "alice", "POST", "/agent-calls", map[string]any{"agent_id": ag.ID, "client_call_id": fmt.Sprint("pp-", i),
				"provider": "openai_compatible", "model": "gpt-x", "prompt_tokens": 100 * (i + 1), "status": "success",
				"started_at": now.Format(time.RFC3339), "task_id": tk}, nil)
		}

		aw := &auditWorld{workspace: w}
		hidden := []string{private.ID.String(), secret.ID.String(), orgNote.ID.String(), "secret-"}
		leaks := func(user string) (activity, export []string) {
			rows := listAll[audit.ActivityRecord](aw, user, "/audit/activity", nil)
			raw, _ := json.Marshal(rows)
			_, body := aw.export(user, "/audit/activity/export?format=jsonl", nil)
			for _, h := range hidden {
				if strings.Contains(string(raw), h) {
					activity = append(activity, h)
				}
				if strings.Contains(string(body), h) {
					export = append(export, h)
				}
			}
			if !strings.Contains(string(raw), public.ID.String()) {
				t.Errorf("%s does not see the open project's task in the activity", user)
			}
			return activity, export
		}
		costKeys := func(user, groupBy string) (keys map[string]int64) {
			var r struct {
				Top []struct {
					Key    string `json:"key"`
					Totals struct {
						PromptTokens int64 `json:"prompt_tokens"`
					} `json:"totals"`
				} `json:"top"`
			}
			day := now.Format(time.DateOnly)
			w.must(200, user, "GET", fmt.Sprintf("/organizations/%s/agent-costs?group_by=%s&from=%s&to=%s", org.ID, groupBy, day, day), nil, &r)
			keys = map[string]int64{}
			for _, g := range r.Top {
				keys[g.Key] = g.Totals.PromptTokens
			}
			return keys
		}
		noteVisible := func(user string) bool {
			code, _ := w.do(user, "GET", "/notes/"+orgNote.ID.String(), nil, nil)
			return code == 200
		}

		if a, e := leaks("mia"); len(a)+len(e) > 0 {
			t.Errorf("a non-member MANAGER reads the private project in the activity %v and its export %v", a, e)
		}
		if noteVisible("mia") {
			t.Error("a non-member MANAGER reads an organization note of a private project")
		}
		if keys := costKeys("mia", "project"); keys[private.ID.String()] != 0 || keys[""] != 100 || keys[open.ID.String()] != 200 {
			t.Errorf("a non-member MANAGER's costs by project: %v", keys)
		}
		if keys := costKeys("mia", "task"); keys[secret.ID.String()] != 0 || keys[""] != 100 {
			t.Errorf("a non-member MANAGER's costs by task: %v", keys)
		}
		// The ADMIN reads it all; the MANAGER too once a member.
		if a, e := leaks("alice"); len(a) != len(hidden) || len(e) != len(hidden) {
			t.Errorf("the ADMIN misses private rows: activity %v, export %v", a, e)
		}
		if keys := costKeys("alice", "project"); keys[private.ID.String()] != 100 {
			t.Errorf("the ADMIN's costs by project: %v", keys)
		}
		w.must(201, "alice", "POST", "/projects/"+private.ID.String()+"/members", map[string]string{"user_id": w.users["mia"].String(), "role": "member"}, nil)
		if a, _ := leaks("mia"); len(a) != len(hidden) || !noteVisible("mia") || costKeys("mia", "task")[secret.ID.String()] != 100 {
			t.Errorf("a project member MANAGER misses private rows: %v, note %v", a, noteVisible("mia"))
		}
	})
}
