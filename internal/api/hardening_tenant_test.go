package api_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/userrole"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// problemJSON is the part of a problem+json body a client acts on.
type problemJSON struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// TestReportedCallReferencesStayInTheOrganization (issue 15, item 4): a
// reported call naming another organization's task or session, or an id
// that does not exist, is refused with the same 422 naming the field
// (no existence oracle), in a batch too, and nothing is stored; the
// agent's own task and session are accepted.
func TestReportedCallReferencesStayInTheOrganization(t *testing.T) {
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
		refused := func(what string, body any, path, field string) problemJSON {
			t.Helper()
			code, raw := w.do("alice", "POST", path, body, nil)
			var p problemJSON
			_ = json.Unmarshal(raw, &p)
			if code != 422 || len(p.Errors) != 1 || p.Errors[0].Field != field {
				t.Errorf("%s: %d %s", what, code, raw)
			}
			p.Status = code
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
