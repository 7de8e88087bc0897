package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agentaction"
	"github.com/worksynapse/worksynapse/ent/agenttool"
	"github.com/worksynapse/worksynapse/ent/agentuserpermission"
	"github.com/worksynapse/worksynapse/internal/approvals"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// approvalDesk is an organization (Acme) with an agent and its tools:
// alice ADMIN, bob VIEWER, carol MANAGER (approver by role), dave
// DEVELOPER running the agent (AgentUserPermission use), and eve ADMIN of
// another organization.
type approvalDesk struct {
	*org
	agent                     *ent.Agent
	auto, gated, fourEyes     *ent.AgentTool
	unattached                *ent.AgentTool
	carol, dave               uuid.UUID
	carolT, daveT, eveT       string
	daveSession, carolSession uuid.UUID
}

// actionJSON is the part of an AgentActionInfo the tests look at.
type actionJSON struct {
	ID             uuid.UUID      `json:"id"`
	Status         string         `json:"status"`
	ExpiresAt      *time.Time     `json:"expires_at"`
	RequestedBy    *uuid.UUID     `json:"requested_by"`
	DecidedBy      *uuid.UUID     `json:"decided_by"`
	DecisionReason string         `json:"decision_reason"`
	Output         map[string]any `json:"output"`
	Input          map[string]any `json:"input"`
}

var invoiceSchema = map[string]any{
	"type":     "object",
	"required": []any{"customer", "amount_cents"},
	"properties": map[string]any{
		"customer":     map[string]any{"type": "string"},
		"amount_cents": map[string]any{"type": "integer", "minimum": 1},
		"lines": map[string]any{"type": "array", "items": map[string]any{
			"type": "object", "properties": map[string]any{"qty": map[string]any{"type": "integer"}},
		}},
	},
	"additionalProperties": false,
}

func newApprovalDesk(t *testing.T, db *database.DB, env testserver.Env) *approvalDesk {
	t.Helper()
	d := &approvalDesk{org: newOrg(t, db, env)}
	carol, dave, eve := register(t, d.s, "carolyn"), register(t, d.s, "daveed"), register(t, d.s, "evelyn")
	d.join(carol.ID, seed.RoleManager)
	d.join(dave.ID, seed.RoleDeveloper)
	other := testfix.Org(t, db.Ent, "Globex")
	eveU := db.Ent.User.GetX(testfix.System(), eve.ID)
	testfix.Member(t, db.Ent, other, eveU)
	testfix.Grant(t, db.Ent, other, eveU, seed.RoleAdmin)
	d.carol, d.dave = carol.ID, dave.ID
	d.carolT = login(t, d.s, "carolyn", goodPassword).AccessToken
	d.daveT = login(t, d.s, "daveed", goodPassword).AccessToken
	d.eveT = login(t, d.s, "evelyn", goodPassword).AccessToken
	testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) (err error) {
		ctx := testfix.System()
		tool := func(name string, gated, fourEyes bool) *ent.AgentTool {
			return tx.AgentTool.Create().SetOrganizationID(d.org.org.ID).SetName(name).SetInputSchema(invoiceSchema).
				SetRiskLevel(agenttool.RiskLevelHigh).SetRequiresApproval(gated).SetFourEyes(fourEyes).SaveX(ctx)
		}
		d.auto, d.gated, d.fourEyes = tool("lookup_invoice", false, false), tool("send_invoice", true, false), tool("wire_money", false, true)
		d.unattached = tool("delete_everything", false, false)
		d.agent = tx.Agent.Create().SetOrganizationID(d.org.org.ID).SetName("Billing bot").
			SetProvider(agent.ProviderOpenaiCompatible).SetModel("gpt-4o-mini").
			AddTools(d.auto, d.gated, d.fourEyes).SaveX(ctx)
		tx.AgentUserPermission.Create().SetOrganizationID(d.org.org.ID).SetAgentID(d.agent.ID).SetUserID(dave.ID).
			SetPermission(agentuserpermission.PermissionUse).ExecX(ctx)
		session := func(by uuid.UUID) uuid.UUID {
			return tx.AgentSession.Create().SetOrganizationID(d.org.org.ID).SetAgentID(d.agent.ID).SetStartedBy(by).SaveX(ctx).ID
		}
		d.daveSession, d.carolSession = session(dave.ID), session(carol.ID)
		return nil
	})
	return d
}

// propose has dave's runtime propose tool with input; it must answer want.
func (d *approvalDesk) propose(token string, want int, body map[string]any) actionJSON {
	d.t.Helper()
	var a actionJSON
	var out any = &a
	if want >= 300 {
		out = nil
	}
	d.must(want, token, "POST", fmt.Sprintf("/agents/%s/actions", d.agent.ID), body, out)
	return a
}

func (d *approvalDesk) invoice(tool *ent.AgentTool, extra ...any) map[string]any {
	body := map[string]any{"tool": tool.Name, "input": map[string]any{"customer": "C-1042", "amount_cents": 125000}}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	return body
}

// decide posts a decision and returns the status code and body.
func (d *approvalDesk) decide(token string, id uuid.UUID, decision, reason string) (int, string) {
	d.t.Helper()
	code, b := d.call(token, "POST", fmt.Sprintf("/actions/%s/decision", id), map[string]any{"decision": decision, "reason": reason})
	return code, string(b)
}

func (d *approvalDesk) stored(id uuid.UUID) *ent.AgentAction {
	return d.db.Ent.AgentAction.GetX(testfix.System(), id)
}

func (d *approvalDesk) wantCode(got int, body string, want int, what string) {
	d.t.Helper()
	if got != want {
		d.t.Fatalf("%s: want %d, got %d %s", what, want, got, body)
	}
}

func TestApprovalFlowApproveRejectAndImmutable(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		d := newApprovalDesk(t, db, testserver.Env{"WORKSYNAPSE_APPROVALS_MAX_OUTPUT_BYTES": "200"})

		// A tool without approval runs at once.
		auto := d.propose(d.daveT, http.StatusCreated, d.invoice(d.auto))
		if auto.Status != "approved" || auto.DecidedBy != nil || auto.ExpiresAt != nil || auto.RequestedBy == nil || *auto.RequestedBy != d.dave {
			t.Fatalf("auto action %+v", auto)
		}

		// A gated tool waits, for approvals.default_ttl.
		before := time.Now()
		a := d.propose(d.daveT, http.StatusCreated, d.invoice(d.gated, "tool_call_id", "call_1"))
		if a.Status != "pending_approval" || a.ExpiresAt == nil ||
			a.ExpiresAt.Before(before.Add(15*time.Minute-time.Minute)) || a.ExpiresAt.After(before.Add(16*time.Minute)) {
			t.Fatalf("gated action %+v", a)
		}
		// Who sees and decides: a VIEWER neither sees nor decides (404), the
		// DEVELOPER running it sees it but may not decide (403).
		d.must(http.StatusNotFound, d.viewT, "GET", fmt.Sprintf("/actions/%s", a.ID), nil, nil)
		code, body := d.decide(d.viewT, a.ID, "approve", "")
		d.wantCode(code, body, http.StatusNotFound, "viewer decides")
		code, body = d.decide(d.daveT, a.ID, "approve", "")
		d.wantCode(code, body, http.StatusForbidden, "runner decides")
		// Reporting before the decision is a conflict.
		d.must(http.StatusConflict, d.daveT, "POST", fmt.Sprintf("/actions/%s/result", a.ID), map[string]any{"status": "executed"}, nil)

		// The approver's queue has it; the runner's is empty.
		var queue pageJSON[actionJSON]
		d.must(http.StatusOK, d.carolT, "GET", "/approvals", nil, &queue)
		if len(queue.Items) != 1 || queue.Items[0].ID != a.ID {
			t.Fatalf("carol's queue %+v, want %s", queue.Items, a.ID)
		}
		d.must(http.StatusOK, d.daveT, "GET", "/approvals", nil, &queue)
		if len(queue.Items) != 0 {
			t.Fatalf("dave's queue %+v, want empty", queue.Items)
		}

		var approved actionJSON
		d.must(http.StatusOK, d.carolT, "POST", fmt.Sprintf("/actions/%s/decision", a.ID),
			map[string]any{"decision": "approve", "reason": "looks right"}, &approved)
		if approved.Status != "approved" || approved.DecidedBy == nil || *approved.DecidedBy != d.carol {
			t.Fatalf("approved %+v", approved)
		}
		code, body = d.decide(d.adminT, a.ID, "reject", "too late")
		d.wantCode(code, body, http.StatusConflict, "second decision")
		d.must(http.StatusOK, d.carolT, "GET", "/approvals", nil, &queue)
		if len(queue.Items) != 0 {
			t.Fatalf("queue after decision %+v", queue.Items)
		}

		// The result: capped output (413), then executed, then immutable.
		d.must(http.StatusRequestEntityTooLarge, d.daveT, "POST", fmt.Sprintf("/actions/%s/result", a.ID),
			map[string]any{"status": "executed", "output": map[string]any{"blob": strings.Repeat("x", 300)}}, nil)
		d.must(http.StatusForbidden, d.carolT, "POST", fmt.Sprintf("/actions/%s/result", a.ID),
			map[string]any{"status": "executed"}, nil)
		var done actionJSON
		d.must(http.StatusOK, d.daveT, "POST", fmt.Sprintf("/actions/%s/result", a.ID),
			map[string]any{"status": "executed", "output": map[string]any{"invoice_id": "INV-42"}}, &done)
		if done.Status != "executed" || done.Output["invoice_id"] != "INV-42" {
			t.Fatalf("executed %+v", done)
		}
		d.must(http.StatusConflict, d.daveT, "POST", fmt.Sprintf("/actions/%s/result", a.ID), map[string]any{"status": "failed"}, nil)
		code, body = d.decide(d.adminT, a.ID, "reject", "undo")
		d.wantCode(code, body, http.StatusConflict, "decide executed")
		if s := d.stored(a.ID); s.Status != agentaction.StatusExecuted || s.ExecutedAt == nil {
			t.Fatalf("stored %+v", s)
		}

		// Rejection needs a reason and is final.
		r := d.propose(d.daveT, http.StatusCreated, d.invoice(d.gated))
		code, body = d.decide(d.carolT, r.ID, "reject", " ")
		d.wantCode(code, body, http.StatusUnprocessableEntity, "reject without reason")
		code, body = d.decide(d.carolT, r.ID, "reject", "over the credit limit")
		d.wantCode(code, body, http.StatusOK, "reject")
		if s := d.stored(r.ID); s.Status != agentaction.StatusRejected || s.DecisionReason != "over the credit limit" || *s.DecidedBy != d.carol {
			t.Fatalf("rejected %+v", s)
		}
		d.must(http.StatusConflict, d.daveT, "POST", fmt.Sprintf("/actions/%s/result", r.ID), map[string]any{"status": "executed"}, nil)
		code, body = d.decide(d.adminT, r.ID, "approve", "")
		d.wantCode(code, body, http.StatusConflict, "approve rejected")

		// Every change is audited: created by dave, decided by carol, reported by dave.
		for _, c := range []struct {
			actor uuid.UUID
			kind  activitylog.ActivityType
		}{{d.dave, activitylog.ActivityTypeCreate}, {d.carol, activitylog.ActivityTypeUpdate}, {d.dave, activitylog.ActivityTypeUpdate}} {
			if n := db.Ent.ActivityLog.Query().Where(activitylog.ResourceID(a.ID), activitylog.ActorUserID(c.actor),
				activitylog.ActivityTypeEQ(c.kind)).CountX(testfix.System()); n == 0 {
				t.Errorf("no %s ActivityLog row of %s by %s", c.kind, a.ID, c.actor)
			}
		}
	})
}

func TestApprovalInputValidationAndPrivacy(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		d := newApprovalDesk(t, db, nil)
		for _, c := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"wrong type", map[string]any{"tool": "send_invoice", "input": map[string]any{"customer": "C", "amount_cents": "12"}}, "input.amount_cents"},
			{"nested", map[string]any{"tool": "send_invoice", "input": map[string]any{"customer": "C", "amount_cents": 1,
				"lines": []any{map[string]any{"qty": 1}, map[string]any{"qty": 1.5}}}}, "input.lines[1].qty"},
			{"missing", map[string]any{"tool": "send_invoice", "input": map[string]any{"customer": "C"}}, `"input"`},
			{"not attached", d.invoice(d.unattached), `"tool"`},
			{"not attached by id", map[string]any{"tool_id": d.unattached.ID, "input": map[string]any{}}, `"tool_id"`},
			{"no tool", map[string]any{"input": map[string]any{}}, `"tool"`},
			{"foreign session", d.invoice(d.gated, "session_id", uuid.New()), `"session_id"`},
		} {
			code, b := d.call(d.daveT, "POST", fmt.Sprintf("/agents/%s/actions", d.agent.ID), c.body)
			if code != http.StatusUnprocessableEntity || !strings.Contains(string(b), c.field) {
				t.Errorf("%s: want 422 naming %s, got %d %s", c.name, c.field, code, b)
			}
		}
		if n := db.Ent.AgentAction.Query().CountX(testfix.System()); n != 0 {
			t.Fatalf("%d actions stored from invalid proposals", n)
		}

		// Other organization: the agent and its actions do not exist (404).
		a := d.propose(d.daveT, http.StatusCreated, d.invoice(d.gated))
		d.propose(d.eveT, http.StatusNotFound, d.invoice(d.gated))
		d.must(http.StatusNotFound, d.eveT, "GET", fmt.Sprintf("/actions/%s", a.ID), nil, nil)
		code, body := d.decide(d.eveT, a.ID, "approve", "")
		d.wantCode(code, body, http.StatusNotFound, "other org decides")
		var queue pageJSON[actionJSON]
		d.must(http.StatusOK, d.eveT, "GET", "/approvals", nil, &queue)
		if len(queue.Items) != 0 {
			t.Fatalf("eve's queue %+v", queue.Items)
		}
		d.must(http.StatusNotFound, d.daveT, "POST", fmt.Sprintf("/agents/%s/actions", uuid.New()), d.invoice(d.gated), nil)
		// A member without the right to run the agent: 403.
		d.propose(d.viewT, http.StatusForbidden, d.invoice(d.gated))

		// A paused agent cannot act.
		testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) error {
			return tx.Agent.UpdateOneID(d.agent.ID).SetStatus(agent.StatusPaused).Exec(testfix.System())
		})
		d.propose(d.daveT, http.StatusConflict, d.invoice(d.auto))
	})
}

func TestApprovalTimeoutIsDenial(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		d := newApprovalDesk(t, db, nil)
		backdate := func(id uuid.UUID) {
			testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) error {
				return tx.AgentAction.UpdateOneID(id).SetExpiresAt(time.Now().Add(-time.Second)).Exec(testfix.System())
			})
		}

		// On read: the expired action is shown and stored as expired.
		onRead := d.propose(d.daveT, http.StatusCreated, d.invoice(d.gated))
		backdate(onRead.ID)
		var got actionJSON
		d.must(http.StatusOK, d.daveT, "GET", fmt.Sprintf("/actions/%s", onRead.ID), nil, &got)
		if got.Status != "expired" || got.DecidedBy != nil || !strings.Contains(got.DecisionReason, "timeout") {
			t.Fatalf("read after expiry %+v", got)
		}
		if s := d.stored(onRead.ID); s.Status != agentaction.StatusExpired {
			t.Fatalf("stored %s, want expired", s.Status)
		}

		// On decide: an expired action cannot be approved.
		late := d.propose(d.daveT, http.StatusCreated, d.invoice(d.gated))
		backdate(late.ID)
		code, body := d.decide(d.carolT, late.ID, "approve", "")
		d.wantCode(code, body, http.StatusConflict, "approve expired")

		// By the job: ExpirePending expires the due ones only.
		due := d.propose(d.daveT, http.StatusCreated, d.invoice(d.gated))
		fresh := d.propose(d.daveT, http.StatusCreated, d.invoice(d.gated))
		backdate(due.ID)
		n, err := approvals.ExpirePending(testfix.System(), db.Ent, time.Now())
		if err != nil || n != 1 {
			t.Fatalf("ExpirePending = %d, %v; want 1", n, err)
		}
		if s := d.stored(due.ID); s.Status != agentaction.StatusExpired || s.DecidedAt == nil {
			t.Fatalf("due action %+v", s)
		}
		if s := d.stored(fresh.ID); s.Status != agentaction.StatusPendingApproval {
			t.Fatalf("fresh action %s", s.Status)
		}
		if n, err := approvals.ExpirePending(testfix.System(), db.Ent, time.Now()); err != nil || n != 0 {
			t.Fatalf("second sweep = %d, %v; want 0", n, err)
		}
		// Expired actions leave the queue; the expiry is audited.
		var queue pageJSON[actionJSON]
		d.must(http.StatusOK, d.carolT, "GET", "/approvals", nil, &queue)
		if len(queue.Items) != 1 || queue.Items[0].ID != fresh.ID {
			t.Fatalf("queue %+v, want only %s", queue.Items, fresh.ID)
		}
		// The agent's history: listing expires the due ones too.
		listed := d.propose(d.daveT, http.StatusCreated, d.invoice(d.gated))
		backdate(listed.ID)
		var history pageJSON[actionJSON]
		d.must(http.StatusOK, d.daveT, "GET", fmt.Sprintf("/agents/%s/actions?status=expired", d.agent.ID), nil, &history)
		if len(history.Items) != 4 || history.Items[0].ID != listed.ID {
			t.Fatalf("expired history %+v, want 4 starting with %s", history.Items, listed.ID)
		}
		d.must(http.StatusOK, d.daveT, "GET", fmt.Sprintf("/agents/%s/actions", d.agent.ID), nil, &history)
		if len(history.Items) != 5 {
			t.Fatalf("history has %d actions, want 5", len(history.Items))
		}
		// Another organization does not see the agent, so nor its actions.
		d.must(http.StatusNotFound, d.eveT, "GET", fmt.Sprintf("/agents/%s/actions", d.agent.ID), nil, nil)
		expiries := 0
		for _, row := range db.Ent.ActivityLog.Query().Where(activitylog.ResourceID(due.ID),
			activitylog.ActivityTypeEQ(activitylog.ActivityTypeUpdate)).AllX(testfix.System()) {
			if row.NewValues["status"] == "expired" {
				expiries++
			}
		}
		if expiries != 1 {
			t.Fatalf("%d audited expiries, want 1", expiries)
		}
	})
}

func TestApprovalShortTTLExpiresDuringLongPoll(t *testing.T) {
	// Not parallel with other tests: asserts wall-clock latencies (with
	// seconds of slack, so the two dialects may run side by side).
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		d := newApprovalDesk(t, db, testserver.Env{"WORKSYNAPSE_APPROVALS_DEFAULT_TTL": "1s"})
		a := d.propose(d.daveT, http.StatusCreated, d.invoice(d.gated))
		start := time.Now()
		var got actionJSON
		d.must(http.StatusOK, d.daveT, "GET", fmt.Sprintf("/actions/%s?wait=10s", a.ID), nil, &got)
		if took := time.Since(start); got.Status != "expired" || took > 5*time.Second {
			t.Fatalf("long-poll over the TTL: %s after %s", got.Status, took)
		}
	})
}

func TestApprovalFourEyes(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		d := newApprovalDesk(t, db, nil)
		// Carol started the session; dave's runtime proposes in it.
		a := d.propose(d.daveT, http.StatusCreated, d.invoice(d.fourEyes, "session_id", d.carolSession))
		if a.Status != "pending_approval" {
			t.Fatalf("four_eyes implies approval, got %s", a.Status)
		}
		code, body := d.decide(d.carolT, a.ID, "approve", "")
		d.wantCode(code, body, http.StatusForbidden, "session starter approves")
		if !strings.Contains(body, "four-eyes") {
			t.Fatalf("403 does not say why: %s", body)
		}
		ev := securityEvents(t, db, approvals.EventFourEyesViolation)
		if len(ev) != 1 || ev[0].UserID == nil || *ev[0].UserID != d.carol || ev[0].Details["action_id"] != a.ID.String() {
			t.Fatalf("security events %+v", ev)
		}
		// The requester may not approve either, even with approve on the agent.
		testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) error {
			return tx.AgentUserPermission.Create().SetOrganizationID(d.org.org.ID).SetAgentID(d.agent.ID).SetUserID(d.dave).
				SetPermission(agentuserpermission.PermissionApprove).Exec(testfix.System())
		})
		code, body = d.decide(d.daveT, a.ID, "approve", "")
		d.wantCode(code, body, http.StatusForbidden, "requester approves")
		if s := d.stored(a.ID); s.Status != agentaction.StatusPendingApproval {
			t.Fatalf("status after refused approvals: %s", s.Status)
		}
		// Neither queue offers it; another approver's does, and they can approve.
		var queue pageJSON[actionJSON]
		for _, tok := range []string{d.carolT, d.daveT} {
			d.must(http.StatusOK, tok, "GET", "/approvals", nil, &queue)
			if len(queue.Items) != 0 {
				t.Fatalf("queue of an involved user offers %+v", queue.Items)
			}
		}
		d.must(http.StatusOK, d.adminT, "GET", "/approvals", nil, &queue)
		if len(queue.Items) != 1 || queue.Items[0].ID != a.ID {
			t.Fatalf("alice's queue %+v, want %s", queue.Items, a.ID)
		}
		code, body = d.decide(d.adminT, a.ID, "approve", "checked the wire details")
		d.wantCode(code, body, http.StatusOK, "second pair of eyes")

		// An involved approver may still reject (stopping is always safe).
		r := d.propose(d.daveT, http.StatusCreated, d.invoice(d.fourEyes, "session_id", d.carolSession))
		code, body = d.decide(d.carolT, r.ID, "reject", "not this week")
		d.wantCode(code, body, http.StatusOK, "session starter rejects")

		// Without four_eyes the session starter may approve (carol, MANAGER).
		g := d.propose(d.daveT, http.StatusCreated, d.invoice(d.gated, "session_id", d.carolSession))
		code, body = d.decide(d.carolT, g.ID, "approve", "")
		d.wantCode(code, body, http.StatusOK, "no four_eyes")
		// An approve AgentUserPermission alone (no role) makes a decider: dave
		// approves an action requested by alice.
		al := d.propose(d.adminT, http.StatusCreated, d.invoice(d.gated))
		code, body = d.decide(d.daveT, al.ID, "approve", "")
		d.wantCode(code, body, http.StatusOK, "per-agent approver")
	})
}

func TestApprovalLongPoll(t *testing.T) {
	// Not parallel with other tests: asserts wall-clock latencies (with
	// seconds of slack, so the two dialects may run side by side).
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		d := newApprovalDesk(t, db, nil)
		a := d.propose(d.daveT, http.StatusCreated, d.invoice(d.gated))

		// Times out while nobody decides: still pending after about the wait.
		start := time.Now()
		var got actionJSON
		d.must(http.StatusOK, d.daveT, "GET", fmt.Sprintf("/actions/%s?wait=1s", a.ID), nil, &got)
		if took := time.Since(start); got.Status != "pending_approval" || took < 900*time.Millisecond || took > 5*time.Second {
			t.Fatalf("idle long-poll: %s after %s", got.Status, took)
		}

		// Answers promptly once another request decides.
		type polled struct {
			a    actionJSON
			took time.Duration
		}
		done := make(chan polled, 1)
		go func() {
			var p polled
			start := time.Now()
			code, b := d.call(d.daveT, "GET", fmt.Sprintf("/actions/%s?wait=20s", a.ID), nil)
			p.took = time.Since(start)
			if code == http.StatusOK {
				_ = json.Unmarshal(b, &p.a)
			}
			done <- p
		}()
		time.Sleep(500 * time.Millisecond)
		decided := time.Now()
		code, body := d.decide(d.carolT, a.ID, "approve", "")
		d.wantCode(code, body, http.StatusOK, "approve while polled")
		select {
		case p := <-done:
			if p.a.Status != "approved" || time.Since(decided) > 3*time.Second {
				t.Fatalf("long-poll answered %+v after %s", p.a, p.took)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("long-poll did not answer after the decision")
		}
		// A decided action answers at once, whatever the wait.
		start = time.Now()
		d.must(http.StatusOK, d.daveT, "GET", fmt.Sprintf("/actions/%s?wait=20s", a.ID), nil, &got)
		if took := time.Since(start); got.Status != "approved" || took > 2*time.Second {
			t.Fatalf("decided action: %s after %s", got.Status, took)
		}
		d.must(http.StatusUnprocessableEntity, d.daveT, "GET", fmt.Sprintf("/actions/%s?wait=forever", a.ID), nil, nil)
	})
}

func TestApprovalQueuePages(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		d := newApprovalDesk(t, db, nil)
		var want []uuid.UUID
		for range 3 {
			want = append([]uuid.UUID{d.propose(d.daveT, http.StatusCreated, d.invoice(d.gated)).ID}, want...)
		}
		d.propose(d.daveT, http.StatusCreated, d.invoice(d.auto)) // approved at once: not queued
		var first, second pageJSON[actionJSON]
		d.must(http.StatusOK, d.carolT, "GET", "/approvals?limit=2", nil, &first)
		if len(first.Items) != 2 || first.NextCursor == nil {
			t.Fatalf("first page %+v", first)
		}
		d.must(http.StatusOK, d.carolT, "GET", "/approvals?limit=2&cursor="+*first.NextCursor, nil, &second)
		if len(second.Items) != 1 || second.NextCursor != nil {
			t.Fatalf("second page %+v", second)
		}
		got := []uuid.UUID{first.Items[0].ID, first.Items[1].ID, second.Items[0].ID}
		if !slices.Equal(got, want) {
			t.Fatalf("queue order %v, want newest first %v", got, want)
		}
	})
}

// TestApprovalWithAgentKey: the agent itself (X-API-Key) proposes, long-polls
// and reports; it cannot decide, and its queue is empty.
func TestApprovalWithAgentKey(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		d := newApprovalDesk(t, db, nil)
		var k struct {
			Secret string `json:"secret"`
		}
		d.must(http.StatusCreated, d.adminT, "POST", fmt.Sprintf("/agents/%s/keys", d.agent.ID), map[string]any{"name": "runner"}, &k)
		withKey := func(method, path string, body any) (int, []byte) {
			raw, _ := json.Marshal(body)
			if body == nil {
				raw = nil
			}
			resp, b := d.s.Do(t, method, path, "application/json", raw, http.Header{"X-API-Key": {k.Secret}})
			return resp.StatusCode, b
		}
		code, b := withKey("POST", fmt.Sprintf("/agents/%s/actions", d.agent.ID), d.invoice(d.gated, "session_id", d.carolSession))
		var a actionJSON
		if code != http.StatusCreated || json.Unmarshal(b, &a) != nil || a.Status != "pending_approval" ||
			a.RequestedBy == nil || *a.RequestedBy != d.carol {
			t.Fatalf("agent proposes: %d %s", code, b)
		}
		if code, b := withKey("POST", fmt.Sprintf("/actions/%s/decision", a.ID), map[string]any{"decision": "approve"}); code != http.StatusForbidden {
			t.Fatalf("agent decides: %d %s", code, b)
		}
		code, body := d.decide(d.adminT, a.ID, "approve", "")
		d.wantCode(code, body, http.StatusOK, "approve")
		code, b = withKey("GET", fmt.Sprintf("/actions/%s?wait=5s", a.ID), nil)
		if code != http.StatusOK || !strings.Contains(string(b), `"approved"`) {
			t.Fatalf("agent polls: %d %s", code, b)
		}
		code, b = withKey("POST", fmt.Sprintf("/actions/%s/result", a.ID), map[string]any{"status": "executed", "output": map[string]any{"ok": true}})
		if code != http.StatusOK || !strings.Contains(string(b), `"executed"`) {
			t.Fatalf("agent reports: %d %s", code, b)
		}
		if n := db.Ent.ActivityLog.Query().Where(activitylog.ResourceID(a.ID), activitylog.ActorAgentID(d.agent.ID)).CountX(testfix.System()); n != 2 {
			t.Fatalf("%d audit rows by the agent, want 2 (create, report)", n)
		}
	})
}

// agentKey creates a key of the desk's agent (alice, ADMIN) and returns a
// caller sending it as X-API-Key.
func (d *approvalDesk) agentKey() func(method, path string, body any) (int, []byte) {
	d.t.Helper()
	var k struct {
		Secret string `json:"secret"`
	}
	d.must(http.StatusCreated, d.adminT, "POST", fmt.Sprintf("/agents/%s/keys", d.agent.ID), map[string]any{"name": "runner"}, &k)
	return func(method, path string, body any) (int, []byte) {
		var raw []byte
		if body != nil {
			raw, _ = json.Marshal(body)
		}
		resp, b := d.s.Do(d.t, method, path, "application/json", raw, http.Header{"X-API-Key": {k.Secret}})
		return resp.StatusCode, b
	}
}

// queued reports whether token's GET /approvals lists id.
func (d *approvalDesk) queued(token string, id uuid.UUID) bool {
	d.t.Helper()
	var queue pageJSON[actionJSON]
	d.must(http.StatusOK, token, "GET", "/approvals", nil, &queue)
	return slices.ContainsFunc(queue.Items, func(a actionJSON) bool { return a.ID == id })
}

// TestApprovalFourEyesProposedByAgentKey: a four-eyes action the agent
// proposes with its own key has no requester (requested_by null); it still
// reaches every eligible approver's queue and one of them approves it. The
// session starter stays excluded when the agent acts in their session.
func TestApprovalFourEyesProposedByAgentKey(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		d := newApprovalDesk(t, db, nil)
		withKey := d.agentKey()
		propose := func(body map[string]any) actionJSON {
			t.Helper()
			code, b := withKey("POST", fmt.Sprintf("/agents/%s/actions", d.agent.ID), body)
			var a actionJSON
			if code != http.StatusCreated || json.Unmarshal(b, &a) != nil || a.Status != "pending_approval" {
				t.Fatalf("agent proposes: %d %s", code, b)
			}
			return a
		}
		a := propose(d.invoice(d.fourEyes))
		if a.RequestedBy != nil {
			t.Fatalf("requested_by %v, want null for the agent's own proposal", a.RequestedBy)
		}
		for who, tok := range map[string]string{"alice (ADMIN)": d.adminT, "carol (MANAGER)": d.carolT} {
			if !d.queued(tok, a.ID) {
				t.Fatalf("%s's queue lacks the agent's four-eyes action", who)
			}
		}
		if d.queued(d.daveT, a.ID) || d.queued(d.eveT, a.ID) {
			t.Fatal("a user who may not decide (or of another organization) sees the action queued")
		}
		code, body := d.decide(d.carolT, a.ID, "approve", "checked")
		d.wantCode(code, body, http.StatusOK, "approver approves the agent's proposal")
		if d.queued(d.adminT, a.ID) {
			t.Fatal("a decided action stays queued")
		}

		// In carol's session, carol is the person to exclude; alice is not.
		s := propose(d.invoice(d.fourEyes, "session_id", d.carolSession))
		if d.queued(d.carolT, s.ID) || !d.queued(d.adminT, s.ID) {
			t.Fatalf("session starter's queue offers it or alice's lacks it")
		}
		code, body = d.decide(d.adminT, s.ID, "approve", "")
		d.wantCode(code, body, http.StatusOK, "second pair of eyes")
	})
}

// TestAgentKeyOnOperationsThatRefuseIt: a valid agent key is an
// authenticated principal, so an operation that does not accept agent keys
// answers 403 problem+json (deciding an approval, the approval queue, a
// service-key operation), while a key that is not valid stays 401.
func TestAgentKeyOnOperationsThatRefuseIt(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		d := newApprovalDesk(t, db, nil)
		var k struct {
			Secret string `json:"secret"`
		}
		d.must(http.StatusCreated, d.adminT, "POST", fmt.Sprintf("/agents/%s/keys", d.agent.ID), map[string]any{"name": "runner"}, &k)
		a := d.propose(d.daveT, http.StatusCreated, d.invoice(d.gated))
		send := func(key, method, path string, body any) (*http.Response, []byte) {
			var raw []byte
			if body != nil {
				raw, _ = json.Marshal(body)
			}
			return d.s.Do(t, method, path, "application/json", raw, http.Header{"X-API-Key": {key}})
		}
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"POST", fmt.Sprintf("/actions/%s/decision", a.ID), map[string]any{"decision": "approve"}},
			{"GET", "/approvals", nil},
			{"POST", "/agent-calls", map[string]any{"agent_id": d.agent.ID, "client_call_id": "k-1", "provider": "openai_compatible",
				"model": "gpt-4o-mini", "status": "success", "started_at": time.Now().UTC().Format(time.RFC3339)}},
		} {
			resp, b := send(k.Secret, c.method, c.path, c.body)
			wantProblem(t, c.method+" "+c.path+" with an agent key", resp.StatusCode, b, http.StatusForbidden, problem.SlugForbidden)
			if ct := resp.Header.Get("Content-Type"); ct != problem.ContentType {
				t.Fatalf("%s %s: Content-Type %q", c.method, c.path, ct)
			}
			resp, b = send(k.Secret+"x", c.method, c.path, c.body)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("%s %s with a wrong key: %d %s", c.method, c.path, resp.StatusCode, b)
			}
		}
		if s := d.stored(a.ID); s.Status != agentaction.StatusPendingApproval {
			t.Fatalf("the refused decision changed the action: %s", s.Status)
		}
	})
}
