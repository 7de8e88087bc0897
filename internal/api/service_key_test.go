package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

const testServiceKey = "svc-test-0123456789abcdef0123456789abcdef"

// serviceDo sends a JSON request with X-API-Key set to key and no bearer
// token, and returns the status, content type and body.
func serviceDo(w *workspace, key, method, path string, body any) (int, string, []byte) {
	w.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			w.t.Fatal(err)
		}
	}
	resp, b := w.s.Do(w.t, method, path, "application/json", raw, http.Header{"X-API-Key": {key}})
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// authFailures reads worksynapse_auth_failures_total{reason} from /metrics.
func authFailures(w *workspace, reason string) string {
	w.t.Helper()
	_, b := w.s.Do(w.t, "GET", "/metrics", "", nil, nil)
	m := regexp.MustCompile(`(?m)^worksynapse_auth_failures_total\{reason="` + reason + `"\} (\S+)$`).FindSubmatch(b)
	if m == nil {
		return "0"
	}
	return string(m[1])
}

// TestServiceKeyReportsCalls: the service principal (X-API-Key equal to
// auth.service_api_key) reports calls for an agent it names, in that
// agent's organization, audited with actor_type service; it is refused
// (403) on every operation that does not list serviceKey, and a wrong key
// is a counted 401.
func TestServiceKeyReportsCalls(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorkspaceEnv(t, db, testserver.Env{"WORKSYNAPSE_AUTH_SERVICE_API_KEY": testServiceKey}, "alice", "eve")
		org := w.createOrg("alice", "svc-acme")
		w.createOrg("eve", "svc-other")
		sys := testfix.System()
		var ag *ent.Agent
		testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) (err error) {
			ag, err = tx.Agent.Create().SetOrganizationID(org.ID).SetName("runtime-bot").
				SetProvider(agent.ProviderOpenaiCompatible).SetModel("gpt-x").Save(sys)
			return err
		})
		now := time.Now().UTC().Format(time.RFC3339)
		call := func(id string) map[string]any {
			return map[string]any{"agent_id": ag.ID, "client_call_id": id, "provider": "openai_compatible",
				"model": "gpt-x", "prompt_tokens": 1000, "completion_tokens": 250, "status": "success", "started_at": now}
		}

		// Ingest: one call, its retry, and a batch.
		var first, again callJSON
		code, _, body := serviceDo(w, testServiceKey, "POST", "/agent-calls", call("s-1"))
		if code != 201 || json.Unmarshal(body, &first) != nil {
			t.Fatalf("service report: %d %s", code, body)
		}
		if code, _, body = serviceDo(w, testServiceKey, "POST", "/agent-calls", call("s-1")); code != 200 ||
			json.Unmarshal(body, &again) != nil || again.ID != first.ID {
			t.Fatalf("service retry: %d %s", code, body)
		}
		var batch struct{ Created, Duplicates int }
		code, _, body = serviceDo(w, testServiceKey, "POST", "/agent-calls/batch",
			map[string]any{"calls": []any{call("s-1"), call("s-2"), call("s-3")}})
		if code != 200 || json.Unmarshal(body, &batch) != nil || batch.Created != 2 || batch.Duplicates != 1 {
			t.Fatalf("service batch: %d %s", code, body)
		}
		stored := db.Ent.AgentCall.Query().Where(agentcall.AgentID(ag.ID)).AllX(sys)
		if len(stored) != 3 {
			t.Fatalf("stored %d calls, want 3", len(stored))
		}
		for _, c := range stored {
			if c.OrganizationID != org.ID || c.UserID != nil || c.Source != agentcall.SourceReported {
				t.Errorf("call %s: organization %s, user %v, source %s", *c.ClientCallID, c.OrganizationID, c.UserID, c.Source)
			}
		}

		// Audited: one agent_call.report row per report that stored calls
		// (the retry adds none) on the agent, actor_type service, visible
		// to the organization's admin.
		var page struct {
			Items []struct {
				ActorType      string     `json:"actor_type"`
				ActorUserID    *uuid.UUID `json:"actor_user_id"`
				ActivityType   string     `json:"activity_type"`
				OrganizationID uuid.UUID  `json:"organization_id"`
				ResourceType   string     `json:"resource_type"`
				ResourceID     uuid.UUID  `json:"resource_id"`
				NewValues      struct {
					Calls   int         `json:"calls"`
					CallIDs []uuid.UUID `json:"call_ids"`
				} `json:"new_values"`
			} `json:"items"`
		}
		reports := "/audit/activity?action=agent_call.report&resource_id=" + ag.ID.String()
		w.must(200, "alice", "GET", reports, nil, &page)
		if len(page.Items) != 2 || page.Items[1].NewValues.Calls != 1 || page.Items[0].NewValues.Calls != 2 ||
			len(page.Items[1].NewValues.CallIDs) != 1 || page.Items[1].NewValues.CallIDs[0] != first.ID {
			t.Fatalf("audit rows: %+v", page.Items)
		}
		for _, a := range page.Items {
			if a.ActorType != "service" || a.ActorUserID != nil || a.ActivityType != "custom" ||
				a.OrganizationID != org.ID || a.ResourceType != "Agent" {
				t.Errorf("audit row: %+v", a)
			}
		}

		// The body must name the agent; an unknown one is 404.
		noAgent := call("s-4")
		delete(noAgent, "agent_id")
		if code, ct, body := serviceDo(w, testServiceKey, "POST", "/agent-calls", noAgent); code != 422 ||
			!strings.HasPrefix(ct, "application/problem+json") || !strings.Contains(string(body), "agent_id") {
			t.Errorf("service report without agent_id: %d %s %s", code, ct, body)
		}
		unknown := call("s-5")
		unknown["agent_id"] = uuid.New()
		if code, _, body := serviceDo(w, testServiceKey, "POST", "/agent-calls", unknown); code != 404 {
			t.Errorf("service report for an unknown agent: %d %s", code, body)
		}

		// Elsewhere the service key is 403: bearer-only operations, an
		// operation open to agent keys, the LLM gateway and the stream.
		for _, op := range [][2]string{
			{"GET", "/projects/" + uuid.NewString()}, {"GET", "/auth/me"}, {"GET", "/organizations/" + org.ID.String()},
			{"POST", fmt.Sprintf("/organizations/%s/projects", org.ID)}, {"GET", "/tasks/" + uuid.NewString()},
			{"POST", "/llm/v1/chat/completions"}, {"GET", "/stream"}, {"POST", "/stream/tickets"},
		} {
			code, ct, body := serviceDo(w, testServiceKey, op[0], op[1], map[string]any{"key": "X", "name": "x"})
			if code != 403 || !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("service key on %s %s: %d %s %s", op[0], op[1], code, ct, body)
			}
		}

		// A wrong key is 401 and counted; on a bearer-only operation it is
		// just missing credentials.
		before := authFailures(w, "invalid_service_key")
		for _, key := range []string{testServiceKey + "x", testServiceKey[:20], "wsa_0011223344556677_nope"} {
			if code, ct, body := serviceDo(w, key, "POST", "/agent-calls", call("s-6")); code != 401 ||
				!strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("wrong key %q: %d %s %s", key, code, ct, body)
			}
		}
		if after := authFailures(w, "invalid_service_key"); before != "0" || after != "3" {
			t.Errorf("invalid_service_key failures: %s before, %s after; want 0 and 3", before, after)
		}
		if code, _, body := serviceDo(w, testServiceKey+"x", "GET", "/projects/"+uuid.NewString(), nil); code != 401 {
			t.Errorf("wrong key on a bearer-only operation: %d %s", code, body)
		}
		if n := db.Ent.AgentCall.Query().Where(agentcall.AgentID(ag.ID)).CountX(sys); n != 3 {
			t.Errorf("refused requests stored calls: %d", n)
		}

		// A user's report is audited as the user.
		testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) error {
			return tx.AgentUserPermission.Create().SetOrganizationID(org.ID).SetAgentID(ag.ID).
				SetUserID(w.users["alice"]).SetPermission("use").Exec(sys)
		})
		var mine callJSON
		w.must(201, "alice", "POST", "/agent-calls", call("u-1"), &mine)
		w.must(200, "alice", "GET", reports, nil, &page)
		if len(page.Items) != 3 || page.Items[0].ActorType != "user" || page.Items[0].ActorUserID == nil ||
			*page.Items[0].ActorUserID != w.users["alice"] || page.Items[0].NewValues.CallIDs[0] != mine.ID {
			t.Errorf("user report audit: %+v", page.Items)
		}
	})
}

// TestServiceKeyUnset: with no auth.service_api_key, any X-API-Key on a
// service operation is a counted 401.
func TestServiceKeyUnset(t *testing.T) {
	t.Parallel()
	db := testdb.NewPostgres(t)
	w := newWorkspace(t, db, "alice")
	org := w.createOrg("alice", "svc-unset")
	sys := testfix.System()
	var ag *ent.Agent
	testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) (err error) {
		ag, err = tx.Agent.Create().SetOrganizationID(org.ID).SetName("bot").
			SetProvider(agent.ProviderOpenaiCompatible).SetModel("gpt-x").Save(sys)
		return err
	})
	call := map[string]any{"agent_id": ag.ID, "client_call_id": "x-1", "provider": "openai_compatible",
		"model": "gpt-x", "status": "success", "started_at": time.Now().UTC().Format(time.RFC3339)}
	for _, key := range []string{testServiceKey, "anything"} {
		if code, ct, body := serviceDo(w, key, "POST", "/agent-calls", call); code != 401 ||
			!strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("key %q with no service key configured: %d %s %s", key, code, ct, body)
		}
	}
	if n := authFailures(w, "service_key_disabled"); n != "2" {
		t.Errorf("service_key_disabled failures: %s, want 2", n)
	}
	if n := db.Ent.AgentCall.Query().CountX(sys); n != 0 {
		t.Errorf("stored calls: %d", n)
	}
}
