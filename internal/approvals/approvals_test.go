package approvals_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agentaction"
	"github.com/worksynapse/worksynapse/ent/agenttask"
	"github.com/worksynapse/worksynapse/ent/agenttool"
	"github.com/worksynapse/worksynapse/internal/approvals"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var cfg = config.ApprovalsConfig{DefaultTTL: 15 * time.Minute, MaxWait: 2 * time.Second, MaxOutputBytes: 1024}

// fieldsOf returns the field errors of a 422 problem, failing otherwise.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("want a 422 problem, got %v", err)
	}
	var fields []string
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
	}
	return fields
}

func TestValidateInput(t *testing.T) {
	schema := map[string]any{
		"type": "object", "required": []any{"to"}, "additionalProperties": false,
		"properties": map[string]any{
			"to":    map[string]any{"type": "string", "format": "email"},
			"items": map[string]any{"type": "array", "items": map[string]any{"type": "integer", "maximum": 10}},
			"meta":  map[string]any{"type": "object", "properties": map[string]any{"big": map[string]any{"type": "integer"}}},
		},
	}
	if err := approvals.ValidateInput(schema, map[string]any{"to": "a@example.com", "items": []any{1, 2}}); err != nil {
		t.Fatalf("valid input refused: %v", err)
	}
	if err := approvals.ValidateInput(nil, map[string]any{"anything": true}); err != nil {
		t.Fatalf("no schema must accept any input: %v", err)
	}
	got := fieldsOf(t, approvals.ValidateInput(schema, map[string]any{
		"items": []any{1, 11}, "meta": map[string]any{"big": "x"}, "extra": 1,
	}))
	for _, want := range []string{"input", "input.items[1]", "input.meta.big"} {
		if !slices.Contains(got, want) {
			t.Errorf("fields %v lack %s", got, want)
		}
	}
	// A broken schema is the tool's fault; an external $ref is never fetched.
	if f := fieldsOf(t, approvals.ValidateInput(map[string]any{"type": 12}, map[string]any{})); !slices.Equal(f, []string{"tool"}) {
		t.Errorf("broken schema fields %v", f)
	}
	remote := map[string]any{"$ref": "http://127.0.0.1:1/schema.json"}
	if f := fieldsOf(t, approvals.ValidateInput(remote, map[string]any{})); !slices.Equal(f, []string{"tool"}) {
		t.Errorf("remote $ref fields %v", f)
	}
}

// agentFixture is an organization with an active agent, a gated tool and
// a session started by a user.
type agentFixture struct {
	org          *ent.Organization
	user         *ent.User
	agent, other *ent.Agent
	tool         *ent.AgentTool
	session      uuid.UUID
}

func newAgentFixture(t *testing.T, c *ent.Client) *agentFixture {
	f := &agentFixture{org: testfix.Org(t, c, "Acme"), user: testfix.User(t, c, "starter")}
	testfix.Member(t, c, f.org, f.user)
	testfix.Tx(t, testfix.System(), c, func(tx *ent.Tx) error {
		ctx := testfix.System()
		f.tool = tx.AgentTool.Create().SetOrganizationID(f.org.ID).SetName("send_mail").
			SetRiskLevel(agenttool.RiskLevelMedium).SetRequiresApproval(true).SaveX(ctx)
		mk := func(name string) *ent.Agent {
			return tx.Agent.Create().SetOrganizationID(f.org.ID).SetName(name).SetProvider(agent.ProviderAnthropic).
				SetModel("claude-3-5-haiku").AddTools(f.tool).SaveX(ctx)
		}
		f.agent, f.other = mk("Mailer"), mk("Other")
		f.session = tx.AgentSession.Create().SetOrganizationID(f.org.ID).SetAgentID(f.agent.ID).
			SetStartedBy(f.user.ID).SaveX(ctx).ID
		return nil
	})
	return f
}

// asAgent is the viewer of an agent key (helper A's X-API-Key auth): the
// agent itself, in its organization.
func asAgent(a *ent.Agent) context.Context {
	return viewer.NewContext(context.Background(), &viewer.Viewer{AgentID: a.ID,
		Memberships: map[uuid.UUID]viewer.Membership{a.OrganizationID: {OrganizationID: a.OrganizationID}}})
}

func TestAgentPrincipal(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		f := newAgentFixture(t, db.Ent)
		s := approvals.New(db.Ent, cfg)
		ctx := asAgent(f.agent)

		a, err := s.Propose(ctx, approvals.Proposal{AgentID: f.agent.ID, ToolName: "send_mail", SessionID: &f.session})
		if err != nil {
			t.Fatalf("agent proposes its own action: %v", err)
		}
		if a.Status != agentaction.StatusPendingApproval || a.RequestedBy == nil || *a.RequestedBy != f.user.ID {
			t.Fatalf("action %+v: want pending, requested by the session's starter", a)
		}
		// Another agent's key can neither propose for nor see this agent.
		if _, err := s.Propose(asAgent(f.other), approvals.Proposal{AgentID: f.agent.ID, ToolName: "send_mail"}); err == nil {
			t.Fatal("an agent proposed for another agent")
		}
		if _, err := s.Get(asAgent(f.other), a.ID, 0); !ent.IsNotFound(err) {
			t.Fatalf("other agent reads the action: %v", err)
		}
		// An agent never approves, even its own action.
		if _, err := s.Decide(ctx, a.ID, approvals.Decision{Approve: true}); !isStatus(err, http.StatusForbidden) {
			t.Fatalf("agent decides: %v", err)
		}
		// Once approved (by a superuser here), the agent reads and reports it.
		if _, err := s.Decide(testfix.Superuser(f.user), a.ID, approvals.Decision{Approve: true}); err != nil {
			t.Fatalf("approve: %v", err)
		}
		got, err := s.Get(ctx, a.ID, time.Second)
		if err != nil || got.Status != agentaction.StatusApproved {
			t.Fatalf("agent reads %v, %v", got, err)
		}
		if _, err := s.Report(ctx, a.ID, approvals.Result{Executed: false, ErrorMessage: "SMTP down"}); err != nil {
			t.Fatalf("report: %v", err)
		}
		if got := db.Ent.AgentAction.GetX(testfix.System(), a.ID); got.Status != agentaction.StatusFailed || got.ErrorMessage != "SMTP down" {
			t.Fatalf("stored %+v", got)
		}
	})
}

func isStatus(err error, status int) bool {
	p, ok := problem.As(err)
	return ok && p.Status == status
}

func TestLinkTask(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := db.Ent
		f := newAgentFixture(t, c)
		s := approvals.New(c, cfg)
		act, err := s.Propose(asAgent(f.agent), approvals.Proposal{AgentID: f.agent.ID, ToolID: &f.tool.ID})
		if err != nil {
			t.Fatal(err)
		}
		var task *ent.Task
		testfix.Tx(t, testfix.System(), c, func(tx *ent.Tx) error {
			ctx := testfix.System()
			p := tx.Project.Create().SetOrganizationID(f.org.ID).SetKey("AI").SetName("AI").SetOwnerID(f.user.ID).SaveX(ctx)
			task = tx.Task.Create().SetOrganizationID(f.org.ID).SetProjectID(p.ID).SetNumber(1).SetTitle("Follow up").
				SetReporterID(f.user.ID).SetIsAiGenerated(true).SetAiGeneratingAgentID(f.agent.ID).SaveX(ctx)
			return nil
		})
		// As the agent would, inside the task's own transaction.
		err = database.WithTx(asAgent(f.agent), c, func(tx *ent.Tx) error {
			return approvals.LinkTask(asAgent(f.agent), tx, f.agent.ID, task.ID, nil, &act.ID)
		})
		if err != nil {
			t.Fatalf("LinkTask: %v", err)
		}
		link := c.AgentTask.Query().Where(agenttask.TaskID(task.ID)).OnlyX(testfix.System())
		if link.AgentID != f.agent.ID || link.ActionID == nil || *link.ActionID != act.ID || link.OrganizationID != f.org.ID {
			t.Fatalf("link %+v", link)
		}
		// The action must be the agent's; an agent of another organization is refused.
		err = database.WithTx(testfix.System(), c, func(tx *ent.Tx) error {
			return approvals.LinkTask(testfix.System(), tx, f.other.ID, task.ID, nil, &act.ID)
		})
		if f := fieldsOf(t, err); !slices.Equal(f, []string{approvals.HeaderAction}) {
			t.Fatalf("foreign action: %v", f)
		}
		stranger := newAgentFixture(t, c)
		err = database.WithTx(testfix.System(), c, func(tx *ent.Tx) error {
			return approvals.LinkTask(testfix.System(), tx, stranger.agent.ID, task.ID, nil, nil)
		})
		if f := fieldsOf(t, err); !slices.Equal(f, []string{"agent_id"}) {
			t.Fatalf("foreign agent: %v", f)
		}
		if n := c.AgentTask.Query().CountX(testfix.System()); n != 1 {
			t.Fatalf("%d links, want 1", n)
		}
	})
}
