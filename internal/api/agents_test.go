package api_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/agentconfigversion"
	"github.com/worksynapse/worksynapse/ent/agentkey"
	"github.com/worksynapse/worksynapse/ent/agenttask"
	"github.com/worksynapse/worksynapse/ent/agenttoolbinding"
	"github.com/worksynapse/worksynapse/internal/agents"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

type agentJSON struct {
	ID            uuid.UUID   `json:"id"`
	Model         string      `json:"model"`
	Name          string      `json:"name"`
	Status        string      `json:"status"`
	ConfigVersion int         `json:"config_version"`
	ToolIDs       []uuid.UUID `json:"tool_ids"`
}

type versionJSON struct {
	Version       int            `json:"version"`
	ChangedFields []string       `json:"changed_fields"`
	AuthorID      *uuid.UUID     `json:"author_id"`
	Snapshot      map[string]any `json:"snapshot"`
}

type keyJSON struct {
	Key struct {
		ID        uuid.UUID  `json:"id"`
		Prefix    string     `json:"prefix"`
		ExpiresAt *time.Time `json:"expires_at"`
	} `json:"key"`
	Secret string `json:"secret"`
}

// agentWorld is newBoard's organization with one agent created by alice.
type agentWorld struct {
	*taskBoard
	agent agentJSON
}

func newAgentWorld(t *testing.T, db *database.DB) *agentWorld {
	t.Helper()
	w := &agentWorld{taskBoard: newBoard(t, db)}
	w.must(http.StatusCreated, w.adminT, "POST", w.path("/agents"), map[string]any{
		"name": "Triage", "provider": "openai_compatible", "model": "gpt-4o-mini",
		"system_prompt": "You triage bugs.", "parameters": map[string]any{"temperature": 0.2},
	}, &w.agent)
	return w
}

func (w *agentWorld) agentPath(format string, args ...any) string {
	return fmt.Sprintf("/agents/%s"+format, append([]any{w.agent.ID}, args...)...)
}

func (w *agentWorld) versions() []versionJSON {
	var page struct{ Items []versionJSON }
	w.must(http.StatusOK, w.adminT, "GET", w.agentPath("/versions"), nil, &page)
	return page.Items
}

func (w *agentWorld) newTool(schema map[string]any) uuid.UUID {
	var tool struct{ ID uuid.UUID }
	w.must(http.StatusCreated, w.adminT, "POST", w.path("/agent-tools"), map[string]any{
		"name": "create_ticket_" + uuid.NewString()[:8], "risk_level": "medium", "input_schema": schema,
	}, &tool)
	return tool.ID
}

// withKey sends a request authenticated by an agent key only.
func (w *agentWorld) withKey(key, method, path string, body any) (int, []byte) {
	w.t.Helper()
	var raw []byte
	if body != nil {
		raw = mustJSON(w.t, body)
	}
	resp, b := w.s.Do(w.t, method, path, "application/json", raw, http.Header{"X-API-Key": {key}})
	return resp.StatusCode, b
}

// viewerOf is the request viewer of a user, as the API loads it.
func (w *agentWorld) viewerOf(id uuid.UUID) context.Context {
	u := w.db.Ent.User.GetX(testfix.System(), id)
	v, err := identity.LoadViewer(testfix.System(), w.db.Ent, u)
	if err != nil {
		w.t.Fatal(err)
	}
	return viewer.NewContext(context.Background(), v)
}

func problemStatus(err error) int {
	if p, ok := problem.As(err); ok {
		return p.Status
	}
	return 0
}

func TestAgentConfigurationIsVersionedOnConfigChangesOnly(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAgentWorld(t, db)
		if w.agent.ConfigVersion != 1 {
			t.Fatalf("new agent: config_version %d", w.agent.ConfigVersion)
		}
		v := w.versions()
		if len(v) != 1 || v[0].Version != 1 || v[0].AuthorID == nil || *v[0].AuthorID != w.alice.ID {
			t.Fatalf("versions after create: %+v", v)
		}
		// Renaming and pausing are not configuration.
		var a agentJSON
		w.must(http.StatusOK, w.adminT, "PATCH", w.agentPath(""), map[string]any{"name": "Triage 2", "status": "paused"}, &a)
		if a.ConfigVersion != 1 || len(w.versions()) != 1 {
			t.Fatalf("rename/pause wrote a version: %+v", a)
		}
		w.must(http.StatusOK, w.adminT, "PATCH", w.agentPath(""), map[string]any{"model": "gpt-4o", "status": "active"}, &a)
		if a.ConfigVersion != 2 || a.Model != "gpt-4o" {
			t.Fatalf("model change: %+v", a)
		}
		// Sending the same value again changes nothing.
		w.must(http.StatusOK, w.adminT, "PATCH", w.agentPath(""), map[string]any{"model": "gpt-4o"}, &a)
		if a.ConfigVersion != 2 {
			t.Fatalf("no-op change wrote a version: %d", a.ConfigVersion)
		}
		w.must(http.StatusOK, w.adminT, "PATCH", w.agentPath(""), map[string]any{
			"monthly_budget_micros": 5000000, "injection_policy": "block", "goals": []string{"label bugs"},
		}, &a)
		tool := w.newTool(map[string]any{"type": "object"})
		w.must(http.StatusOK, w.adminT, "PUT", w.agentPath("/tools/%s", tool), nil, &a)
		if a.ConfigVersion != 4 || len(a.ToolIDs) != 1 || a.ToolIDs[0] != tool {
			t.Fatalf("attach: %+v", a)
		}
		links := db.Ent.AgentToolBinding.Query().Where(agenttoolbinding.AgentID(a.ID)).AllX(testfix.System())
		if len(links) != 1 || links[0].OrganizationID != w.org.org.ID || links[0].AgentToolID != tool {
			t.Errorf("link rows of the agent: %+v (want one, of organization %s)", links, w.org.org.ID)
		}
		wantLinkAudited(t, db, a.ID, "+tools", tool)
		w.must(http.StatusOK, w.adminT, "DELETE", w.agentPath("/tools/%s", tool), nil, &a)
		if a.ConfigVersion != 5 || len(a.ToolIDs) != 0 {
			t.Fatalf("detach: %+v", a)
		}
		w.must(http.StatusNotFound, w.adminT, "DELETE", w.agentPath("/tools/%s", tool), nil, nil)

		v = w.versions() // newest first
		want := [][]string{{"tool_ids"}, {"tool_ids"},
			{"goals", "monthly_budget_micros", "injection_policy"}, {"model"}}
		for i, fields := range want {
			if strings.Join(v[i].ChangedFields, ",") != strings.Join(fields, ",") {
				t.Errorf("version %d: changed %v, want %v", v[i].Version, v[i].ChangedFields, fields)
			}
		}

		var diff struct {
			Changes []struct {
				Field    string
				Old, New any
			}
		}
		w.must(http.StatusOK, w.adminT, "GET", w.agentPath("/version-diff?from=1&to=3"), nil, &diff)
		got := map[string][2]any{}
		for _, c := range diff.Changes {
			got[c.Field] = [2]any{c.Old, c.New}
		}
		if len(got) != 4 || got["model"] != [2]any{"gpt-4o-mini", "gpt-4o"} ||
			got["monthly_budget_micros"][0] != nil || got["monthly_budget_micros"][1] != float64(5000000) {
			t.Fatalf("diff 1..3: %+v", diff)
		}

		w.must(http.StatusOK, w.adminT, "POST", w.agentPath("/versions/1/restore"), nil, &a)
		if a.ConfigVersion != 6 || a.Model != "gpt-4o-mini" {
			t.Fatalf("restore: %+v", a)
		}
		var v6 versionJSON
		w.must(http.StatusOK, w.adminT, "GET", w.agentPath("/versions/6"), nil, &v6)
		if v6.Snapshot["model"] != "gpt-4o-mini" || v6.Snapshot["injection_policy"] != "flag" {
			t.Fatalf("restored snapshot: %+v", v6.Snapshot)
		}
		w.must(http.StatusConflict, w.adminT, "POST", w.agentPath("/versions/1/restore"), nil, nil)
		w.must(http.StatusNotFound, w.adminT, "GET", w.agentPath("/versions/99"), nil, nil)
		n := db.Ent.AgentConfigVersion.Query().Where(agentconfigversion.AgentID(w.agent.ID)).CountX(testfix.System())
		if n != 6 {
			t.Fatalf("%d versions stored, want 6", n)
		}
	})
}

func TestAgentRightsDecideWhoSeesUsesAndChangesAnAgent(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAgentWorld(t, db)
		svc := agents.New(db.Ent)
		// dave (DEVELOPER) holds no right: the agent does not exist for him.
		w.must(http.StatusNotFound, w.devT, "GET", w.agentPath(""), nil, nil)
		w.must(http.StatusNotFound, w.devT, "GET", w.agentPath("/actions"), nil, nil)
		var page struct{ Items []agentJSON }
		w.must(http.StatusOK, w.devT, "GET", w.path("/agents"), nil, &page)
		if len(page.Items) != 0 {
			t.Fatalf("dave lists %d agents", len(page.Items))
		}
		if _, err := svc.Authorize(w.viewerOf(w.dave), w.agent.ID, agents.Act); problemStatus(err) != http.StatusForbidden {
			t.Fatalf("Authorize without right: %v", err)
		}
		var grant struct{ ID uuid.UUID }
		w.must(http.StatusCreated, w.adminT, "POST", w.agentPath("/permissions"),
			map[string]any{"user_id": w.dave, "permission": "use"}, &grant)
		w.must(http.StatusConflict, w.adminT, "POST", w.agentPath("/permissions"),
			map[string]any{"user_id": w.dave, "permission": "use"}, nil)
		w.must(http.StatusOK, w.devT, "GET", w.agentPath(""), nil, nil)
		if _, err := svc.Authorize(w.viewerOf(w.dave), w.agent.ID, agents.Act); err != nil {
			t.Fatalf("Authorize with use: %v", err)
		}
		// use is not configure, and only admins grant.
		w.must(http.StatusForbidden, w.devT, "PATCH", w.agentPath(""), map[string]any{"model": "x1"}, nil)
		w.must(http.StatusForbidden, w.devT, "POST", w.agentPath("/permissions"),
			map[string]any{"user_id": w.bob.ID, "permission": "use"}, nil)
		w.must(http.StatusForbidden, w.devT, "GET", w.agentPath("/keys"), nil, nil)
		w.must(http.StatusCreated, w.adminT, "POST", w.agentPath("/permissions"),
			map[string]any{"user_id": w.dave, "permission": "configure"}, nil)
		var a agentJSON
		w.must(http.StatusOK, w.devT, "PATCH", w.agentPath(""), map[string]any{"model": "x1"}, &a)
		if a.ConfigVersion != 2 {
			t.Fatalf("configure change: %+v", a)
		}
		var v2 versionJSON
		w.must(http.StatusOK, w.devT, "GET", w.agentPath("/versions/2"), nil, &v2)
		if v2.AuthorID == nil || *v2.AuthorID != w.dave {
			t.Fatalf("author of dave's change: %v", v2.AuthorID)
		}
		// A non-member cannot be granted; the other organization sees nothing.
		w.must(http.StatusUnprocessableEntity, w.adminT, "POST", w.agentPath("/permissions"),
			map[string]any{"user_id": uuid.New(), "permission": "use"}, nil)
		for _, p := range []string{"", "/versions", "/permissions", "/keys", "/actions"} {
			w.must(http.StatusNotFound, w.otherT, "GET", w.agentPath(p), nil, nil)
		}
		w.must(http.StatusNotFound, w.otherT, "PATCH", w.agentPath(""), map[string]any{"model": "x2"}, nil)
		w.must(http.StatusNotFound, w.otherT, "POST", w.agentPath("/permissions"),
			map[string]any{"user_id": w.dave, "permission": "admin"}, nil)
		// Lists scoped to an organization or agent one cannot see are 404, as
		// reading it would be, not an empty page.
		w.must(http.StatusNotFound, w.otherT, "GET", w.path("/agents"), nil, nil)
		w.must(http.StatusNotFound, w.otherT, "GET", w.path("/agent-tools"), nil, nil)
		// A paused agent can make no call.
		w.must(http.StatusOK, w.adminT, "PATCH", w.agentPath(""), map[string]any{"status": "paused"}, nil)
		if _, err := svc.Authorize(w.viewerOf(w.dave), w.agent.ID, agents.Act); problemStatus(err) != http.StatusConflict {
			t.Fatalf("Authorize of a paused agent: %v", err)
		}
		// Revoking removes sight again.
		var grants struct {
			Items []struct {
				ID         uuid.UUID
				UserID     uuid.UUID `json:"user_id"`
				Permission string
			}
		}
		w.must(http.StatusOK, w.adminT, "GET", w.agentPath("/permissions"), nil, &grants)
		if len(grants.Items) != 3 {
			t.Fatalf("grants: %+v", grants.Items)
		}
		for _, g := range grants.Items {
			if g.UserID == w.dave {
				w.must(http.StatusNoContent, w.adminT, "DELETE", w.agentPath("/permissions/%s", g.ID), nil, nil)
			}
		}
		w.must(http.StatusNotFound, w.devT, "GET", w.agentPath(""), nil, nil)
		w.must(http.StatusNotFound, w.adminT, "DELETE", w.agentPath("/permissions/%s", grant.ID), nil, nil)

		// The status filter, then deletion (admin right).
		var paused struct{ Items []agentJSON }
		w.must(http.StatusOK, w.adminT, "GET", w.path("/agents?status=paused"), nil, &paused)
		if len(paused.Items) != 1 || paused.Items[0].ID != w.agent.ID {
			t.Fatalf("paused agents: %+v", paused.Items)
		}
		w.must(http.StatusOK, w.adminT, "GET", w.path("/agents?status=active"), nil, &paused)
		if len(paused.Items) != 0 {
			t.Fatalf("active agents: %+v", paused.Items)
		}
		w.must(http.StatusNoContent, w.adminT, "DELETE", w.agentPath(""), nil, nil)
		w.must(http.StatusNotFound, w.adminT, "GET", w.agentPath(""), nil, nil)
	})
}

func TestAgentToolSchemasCompileAndInputsAreValidated(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAgentWorld(t, db)
		code, body := w.call(w.adminT, "POST", w.path("/agent-tools"), map[string]any{
			"name": "broken", "risk_level": "low", "input_schema": map[string]any{"type": "nope"},
		})
		if code != http.StatusUnprocessableEntity || !contains(string(body), `"field":"input_schema"`) {
			t.Fatalf("bad schema: %d %s", code, body)
		}
		code, body = w.call(w.adminT, "POST", w.path("/agent-tools"), map[string]any{
			"name": "remote", "risk_level": "low", "input_schema": map[string]any{"$ref": "file:///etc/passwd"},
		})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("schema with an external $ref: %d %s", code, body)
		}
		id := w.newTool(map[string]any{
			"type": "object", "required": []string{"title"},
			"properties": map[string]any{
				"title": map[string]any{"type": "string", "maxLength": 10},
				"tags":  map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
			},
		})
		tool := db.Ent.AgentTool.GetX(testfix.System(), id)
		if err := agents.ValidateToolInput(tool, map[string]any{"title": "ok", "tags": []string{"a"}}); err != nil {
			t.Fatalf("valid input: %v", err)
		}
		err := agents.ValidateToolInput(tool, []byte(`{"title": 5, "tags": ["a", 7]}`))
		p, ok := problem.As(err)
		if !ok || p.Status != http.StatusUnprocessableEntity || p.Type != problem.TypeURI(agents.SlugToolInput) {
			t.Fatalf("invalid input: %v", err)
		}
		fields := map[string]bool{}
		for _, e := range p.Errors {
			fields[e.Field] = true
		}
		if !fields["/title"] || !fields["/tags/1"] || len(fields) != 2 {
			t.Fatalf("failing paths: %+v", p.Errors)
		}
		if p, _ := problem.As(agents.ValidateToolInput(tool, map[string]any{})); p == nil || p.Errors[0].Field != "/" {
			t.Fatalf("missing required field: %+v", p)
		}
		// four_eyes implies approval.
		var upd struct {
			RequiresApproval bool `json:"requires_approval"`
		}
		w.must(http.StatusOK, w.adminT, "PATCH", "/agent-tools/"+id.String(), map[string]any{"four_eyes": true}, &upd)
		if !upd.RequiresApproval {
			t.Fatal("four_eyes without requires_approval")
		}
		w.must(http.StatusNotFound, w.otherT, "GET", "/agent-tools/"+id.String(), nil, nil)
	})
}

func TestAgentKeysAreShownOnceRotateWithOverlapAndDie(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAgentWorld(t, db)
		tk := w.newTask(w.project, 1, "todo", nil, nil)
		taskPath := "/tasks/" + tk.ID.String()
		var k1 keyJSON
		w.must(http.StatusCreated, w.adminT, "POST", w.agentPath("/keys"), map[string]any{"name": "runner"}, &k1)
		if !strings.HasPrefix(k1.Secret, k1.Key.Prefix+"_") || len(k1.Secret) < 40 {
			t.Fatalf("key %q prefix %q", k1.Secret, k1.Key.Prefix)
		}
		row := db.Ent.AgentKey.GetX(testfix.System(), k1.Key.ID)
		if sum := sha256.Sum256([]byte(k1.Secret)); string(row.SecretHash) != string(sum[:]) {
			t.Fatal("stored hash is not SHA-256 of the key")
		}
		for _, l := range db.Ent.ActivityLog.Query().Where(activitylog.ResourceID(k1.Key.ID)).AllX(testfix.System()) {
			if h, ok := l.NewValues["secret_hash"]; ok && h != audit.Redacted {
				t.Fatalf("audit row keeps the key hash: %v", h)
			}
		}
		code, list := w.call(w.adminT, "GET", w.agentPath("/keys"), nil)
		if code != http.StatusOK || contains(string(list), k1.Secret) || contains(string(list), "secret") {
			t.Fatalf("key list leaks: %d %s", code, list)
		}
		if code, b := w.withKey(k1.Secret, "GET", taskPath, nil); code != http.StatusOK {
			t.Fatalf("key reads a task: %d %s", code, b)
		}
		if row := db.Ent.AgentKey.GetX(testfix.System(), k1.Key.ID); row.LastUsedAt == nil || row.LastUsedIP == "" {
			t.Fatalf("last use not recorded: %+v", row)
		}
		// The key acts as the agent: no agent management (403: the agent is
		// known, the operation is not open to it), no wrong key (401).
		if code, _ := w.withKey(k1.Secret, "GET", w.agentPath(""), nil); code != http.StatusForbidden {
			t.Fatalf("key on a bearer-only operation: %d", code)
		}
		if code, _ := w.withKey(k1.Secret+"x", "GET", taskPath, nil); code != http.StatusUnauthorized {
			t.Fatalf("tampered key: %d", code)
		}

		var k2 keyJSON
		w.must(http.StatusCreated, w.adminT, "POST", fmt.Sprintf("/agent-keys/%s/rotate", k1.Key.ID),
			map[string]any{"grace_seconds": 3600}, &k2)
		old := db.Ent.AgentKey.GetX(testfix.System(), k1.Key.ID)
		if old.ExpiresAt == nil || time.Until(*old.ExpiresAt) < 59*time.Minute || time.Until(*old.ExpiresAt) > time.Hour {
			t.Fatalf("old key expiry after rotation: %v", old.ExpiresAt)
		}
		for _, key := range []string{k1.Secret, k2.Secret} {
			if code, _ := w.withKey(key, "GET", taskPath, nil); code != http.StatusOK {
				t.Fatalf("during the overlap a key answers %d", code)
			}
		}
		// Past the grace period the old key is dead.
		testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) error {
			return tx.AgentKey.UpdateOneID(k1.Key.ID).SetExpiresAt(time.Now().Add(-time.Second)).Exec(testfix.System())
		})
		if code, _ := w.withKey(k1.Secret, "GET", taskPath, nil); code != http.StatusUnauthorized {
			t.Fatalf("expired key: %d", code)
		}
		w.must(http.StatusConflict, w.adminT, "POST", fmt.Sprintf("/agent-keys/%s/rotate", k1.Key.ID), nil, nil)

		// Pausing the agent silences its keys; resuming restores them.
		w.must(http.StatusOK, w.adminT, "PATCH", w.agentPath(""), map[string]any{"status": "paused"}, nil)
		if code, _ := w.withKey(k2.Secret, "GET", taskPath, nil); code != http.StatusUnauthorized {
			t.Fatalf("key of a paused agent: %d", code)
		}
		w.must(http.StatusOK, w.adminT, "PATCH", w.agentPath(""), map[string]any{"status": "active"}, nil)
		if code, _ := w.withKey(k2.Secret, "GET", taskPath, nil); code != http.StatusOK {
			t.Fatalf("key of a resumed agent: %d", code)
		}
		w.must(http.StatusOK, w.adminT, "POST", fmt.Sprintf("/agent-keys/%s/revoke", k2.Key.ID), nil, nil)
		if code, _ := w.withKey(k2.Secret, "GET", taskPath, nil); code != http.StatusUnauthorized {
			t.Fatalf("revoked key: %d", code)
		}
		// Keys are managed by agent admins only, and not across organizations.
		w.must(http.StatusNotFound, w.otherT, "POST", fmt.Sprintf("/agent-keys/%s/revoke", k2.Key.ID), nil, nil)
		w.must(http.StatusNotFound, w.otherT, "POST", w.agentPath("/keys"), map[string]any{"name": "x"}, nil)
		n := db.Ent.AgentKey.Query().Where(agentkey.AgentID(w.agent.ID)).CountX(testfix.System())
		if n != 2 {
			t.Fatalf("%d keys", n)
		}
	})
}

func TestAgentKeyCreatesATaskAttributedToTheAgent(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAgentWorld(t, db)
		var k keyJSON
		w.must(http.StatusCreated, w.adminT, "POST", w.agentPath("/keys"), map[string]any{"name": "runner"}, &k)
		code, body := w.withKey(k.Secret, "POST", fmt.Sprintf("/projects/%s/tasks", w.project.ID),
			map[string]any{"title": "Found by the agent"})
		if code != http.StatusCreated {
			t.Fatalf("agent creates a task: %d %s", code, body)
		}
		var tk struct {
			ID            uuid.UUID
			IsAIGenerated bool       `json:"is_ai_generated"`
			AgentID       *uuid.UUID `json:"ai_generating_agent_id"`
			ReporterID    uuid.UUID  `json:"reporter_id"`
		}
		if err := decode(body, &tk); err != nil {
			t.Fatal(err)
		}
		if !tk.IsAIGenerated || tk.AgentID == nil || *tk.AgentID != w.agent.ID || tk.ReporterID != w.alice.ID {
			t.Fatalf("task provenance: %s", body)
		}
		if !db.Ent.AgentTask.Query().Where(agenttask.TaskID(tk.ID), agenttask.AgentID(w.agent.ID)).ExistX(testfix.System()) {
			t.Fatal("no AgentTask row")
		}
		logs := db.Ent.ActivityLog.Query().Where(activitylog.ResourceID(tk.ID)).AllX(testfix.System())
		if len(logs) == 0 {
			t.Fatal("task creation not audited")
		}
		for _, l := range logs {
			if l.ActorType != activitylog.ActorTypeAgent || l.ActorAgentID == nil || *l.ActorAgentID != w.agent.ID {
				t.Fatalf("audit actor: %s %v", l.ActorType, l.ActorAgentID)
			}
		}
		if code, b := w.withKey(k.Secret, "GET", "/tasks/"+tk.ID.String()+"/comments", nil); code != http.StatusOK {
			t.Fatalf("agent lists comments: %d %s", code, b)
		}
		var upd struct {
			Priority string
			Version  int
		}
		resp, b := w.s.Do(t, "PATCH", "/tasks/"+tk.ID.String(), "application/json", mustJSON(t, map[string]any{"priority": "high"}),
			http.Header{"X-API-Key": {k.Secret}, "If-Match": {`W/"1"`}})
		if resp.StatusCode != http.StatusOK || decode(b, &upd) != nil || upd.Priority != "high" {
			t.Fatalf("agent updates its task: %d %s", resp.StatusCode, b)
		}
		// Nothing of another organization exists for the agent.
		theirs := foreignTask(t, db)
		if code, _ := w.withKey(k.Secret, "GET", "/tasks/"+theirs.ID.String(), nil); code != http.StatusNotFound {
			t.Fatalf("agent reads a foreign task: %d", code)
		}
		if code, _ := w.withKey(k.Secret, "POST", fmt.Sprintf("/projects/%s/tasks", theirs.ProjectID),
			map[string]any{"title": "x"}); code != http.StatusNotFound {
			t.Fatalf("agent creates a task in a foreign project: %d", code)
		}
		// The agent's rights stop at its grants: it cannot delete the task.
		if code, _ := w.withKey(k.Secret, "DELETE", "/tasks/"+tk.ID.String(), nil); code != http.StatusForbidden {
			t.Fatalf("agent key on delete: %d", code)
		}
	})
}

// TestAgentTaskLinksTheCallThatProducedIt: the agent names its call with
// X-Agent-Call on the normal create; a call of another agent is a 422
// naming the header and leaves no task behind, as does a user naming one.
func TestAgentTaskLinksTheCallThatProducedIt(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAgentWorld(t, db)
		var k keyJSON
		w.must(http.StatusCreated, w.adminT, "POST", w.agentPath("/keys"), map[string]any{"name": "runner"}, &k)
		var other agentJSON
		w.must(http.StatusCreated, w.adminT, "POST", w.path("/agents"), map[string]any{
			"name": "Other", "provider": "openai_compatible", "model": "gpt-4o-mini"}, &other)
		newCall := func(agentID uuid.UUID) uuid.UUID {
			return db.Ent.AgentCall.Create().SetOrganizationID(w.org.org.ID).SetAgentID(agentID).
				SetSource("gateway").SetProvider("openai_compatible").SetModel("gpt-4o-mini").
				SetStatus("success").SetStartedAt(time.Now()).SaveX(testfix.System()).ID
		}
		own, foreign := newCall(w.agent.ID), newCall(other.ID)
		tasksPath := fmt.Sprintf("/projects/%s/tasks", w.project.ID)
		create := func(h http.Header, callID uuid.UUID) (*http.Response, []byte) {
			h.Set("X-Agent-Call", callID.String())
			return w.s.Do(t, "POST", tasksPath, "application/json", mustJSON(t, map[string]any{"title": "From a call"}), h)
		}

		resp, body := create(http.Header{"X-API-Key": {k.Secret}}, own)
		var tk struct{ ID uuid.UUID }
		if resp.StatusCode != http.StatusCreated || decode(body, &tk) != nil {
			t.Fatalf("agent creates a task from its call: %d %s", resp.StatusCode, body)
		}
		link := db.Ent.AgentTask.Query().Where(agenttask.TaskID(tk.ID)).OnlyX(testfix.System())
		if link.AgentID != w.agent.ID || link.CallID == nil || *link.CallID != own || link.ActionID != nil {
			t.Fatalf("AgentTask %+v", link)
		}

		before := db.Ent.Task.Query().CountX(testfix.System())
		for name, h := range map[string]http.Header{
			"another agent's call": {"X-API-Key": {k.Secret}},
			"a user naming a call": {"Authorization": {"Bearer " + w.adminT}},
		} {
			callID := foreign
			if name == "a user naming a call" {
				callID = own
			}
			resp, body := create(h, callID)
			var p problem.Problem
			if resp.StatusCode != http.StatusUnprocessableEntity || decode(body, &p) != nil ||
				len(p.Errors) != 1 || p.Errors[0].Field != "X-Agent-Call" {
				t.Fatalf("%s: %d %s", name, resp.StatusCode, body)
			}
		}
		if n := db.Ent.Task.Query().CountX(testfix.System()); n != before {
			t.Fatalf("refused creates left %d tasks", n-before)
		}
		if n := db.Ent.AgentTask.Query().CountX(testfix.System()); n != 1 {
			t.Fatalf("%d AgentTask rows, want 1", n)
		}
	})
}
