// Package approvals runs agent tool actions: an agent proposes one, its
// input is validated against the tool's JSON Schema, and it either runs at
// once or waits for a human decision (approve or reject, four-eyes when
// the tool asks for it) until it expires: timeout means deny. The runtime
// long-polls the decision, then reports the result. Who may do what is in
// the AgentAction privacy policy (internal/rule/approvals.go); this
// package adds the state machine and the friendlier 403/409 answers.
package approvals

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/worksynapse/worksynapse/internal/agents"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agentaction"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/agentsession"
	"github.com/worksynapse/worksynapse/ent/agenttool"
	"github.com/worksynapse/worksynapse/ent/predicate"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// PollInterval is how often a long-poll re-reads the action: one indexed
// primary-key read, cheap enough at this rate.
const PollInterval = 200 * time.Millisecond

// EventFourEyesViolation is the SecurityAuditLog event of a user trying to
// approve an action they requested or whose session they started.
const EventFourEyesViolation = "agent_action.four_eyes_violation"

// timeoutReason is the decision_reason of an expired action.
const timeoutReason = "no decision before expires_at (timeout = deny)"

// Service proposes, decides and reports agent actions.
type Service struct {
	client *ent.Client
	cfg    config.ApprovalsConfig
	// Now is the clock (tests move it).
	Now func() time.Time
}

// New returns the service.
func New(client *ent.Client, cfg config.ApprovalsConfig) *Service {
	return &Service{client: client, cfg: cfg, Now: time.Now}
}

// Proposal is an agent's request to run a tool.
type Proposal struct {
	AgentID uuid.UUID
	// ToolID or ToolName (the function name the model used) names the tool.
	ToolID     *uuid.UUID
	ToolName   string
	Input      map[string]any
	SessionID  *uuid.UUID
	CallID     *uuid.UUID
	ToolCallID string
}

// Propose records an action. The agent must be active and the tool
// attached to it; the input must match the tool's schema. It waits in
// pending_approval until approvals.default_ttl when the tool (or its
// four_eyes) or the agent requires approval, else it is approved at once.
func (s *Service) Propose(ctx context.Context, p Proposal) (*ent.AgentAction, error) {
	v := viewer.FromContext(ctx)
	a, err := agents.Authorize(ctx, s.client, p.AgentID, agents.Act)
	if err != nil {
		return nil, err
	}
	// Why a system context: the caller may use the agent (above); its tools
	// and the proposal's links are read to check them, whatever the
	// caller's role may list.
	sys := viewer.NewSystemContext(ctx, "approvals: check the tool and links of a proposal")
	tool, err := s.attachedTool(sys, a, p)
	if err != nil {
		return nil, err
	}
	if err := ValidateInput(tool.InputSchema, p.Input); err != nil {
		return nil, err
	}
	requester, err := s.checkLinks(sys, a, p, v)
	if err != nil {
		return nil, err
	}
	if p.Input == nil {
		p.Input = map[string]any{}
	}
	now := s.Now()
	var out *ent.AgentAction
	err = database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		b := tx.AgentAction.Create().SetOrganizationID(a.OrganizationID).SetAgentID(a.ID).SetToolID(tool.ID).
			SetInput(p.Input).SetNillableSessionID(p.SessionID).SetNillableCallID(p.CallID).
			SetToolCallID(p.ToolCallID).SetNillableRequestedBy(requester)
		if tool.RequiresApproval || tool.FourEyes || a.RequiresApproval {
			b.SetStatus(agentaction.StatusPendingApproval).SetExpiresAt(now.Add(s.cfg.DefaultTTL))
		} else {
			b.SetStatus(agentaction.StatusApproved).SetDecidedAt(now).
				SetDecisionReason("auto-approved: neither the tool nor the agent requires approval")
		}
		out, err = b.Save(ctx)
		return err
	})
	return out, err
}

// attachedTool finds the proposal's tool among the agent's live tools;
// one not attached is a 422 on the field that named it.
func (s *Service) attachedTool(sys context.Context, a *ent.Agent, p Proposal) (*ent.AgentTool, error) {
	q := a.QueryTools().Where(agenttool.DeletedAtIsNil())
	field := "tool"
	switch {
	case p.ToolID != nil:
		q, field = q.Where(agenttool.ID(*p.ToolID)), "tool_id"
	case p.ToolName != "":
		q = q.Where(agenttool.Name(p.ToolName))
	default:
		return nil, problem.Validation("name the tool", problem.FieldError{Field: "tool", Message: "give tool or tool_id"})
	}
	t, err := q.Only(sys)
	if ent.IsNotFound(err) {
		return nil, problem.Validation("the tool is not attached to the agent",
			problem.FieldError{Field: field, Message: "not a tool of this agent"})
	}
	return t, err
}

// checkLinks verifies that the session and call belong to the agent and
// returns the requesting user: the caller, or for an agent acting on its
// own credentials the user who started the session.
func (s *Service) checkLinks(sys context.Context, a *ent.Agent, p Proposal, v *viewer.Viewer) (*uuid.UUID, error) {
	var requester *uuid.UUID
	if v.UserID != uuid.Nil {
		requester = &v.UserID
	}
	if p.SessionID != nil {
		sess, err := s.client.AgentSession.Query().Where(agentsession.ID(*p.SessionID), agentsession.AgentID(a.ID)).Only(sys)
		if err != nil {
			return nil, problem.Validation("unknown session", problem.FieldError{Field: "session_id", Message: "not a session of this agent"})
		}
		if requester == nil {
			requester = sess.StartedBy
		}
	}
	if p.CallID != nil {
		ok, err := s.client.AgentCall.Query().Where(agentcall.ID(*p.CallID), agentcall.AgentID(a.ID)).Exist(sys)
		if err != nil || !ok {
			return nil, problem.Validation("unknown call", problem.FieldError{Field: "call_id", Message: "not a call of this agent"})
		}
	}
	return requester, nil
}

// Get returns an action the caller may see (404 otherwise), expiring it
// first when its time is up. With wait > 0 (capped by
// approvals.max_wait) a pending action is re-read every PollInterval until
// it is decided, expires, the wait ends or the request is cancelled.
func (s *Service) Get(ctx context.Context, id uuid.UUID, wait time.Duration) (*ent.AgentAction, error) {
	act, err := s.current(ctx, id)
	if err != nil || wait <= 0 || act.Status != agentaction.StatusPendingApproval {
		return act, err
	}
	deadline := time.NewTimer(min(wait, s.cfg.MaxWait))
	defer deadline.Stop()
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	for act.Status == agentaction.StatusPendingApproval {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-deadline.C:
			return act, nil
		case <-tick.C:
			if act, err = s.current(ctx, id); err != nil {
				return nil, err
			}
		}
	}
	return act, nil
}

// current reads the action as the caller and applies its expiry.
func (s *Service) current(ctx context.Context, id uuid.UUID) (*ent.AgentAction, error) {
	act, err := s.client.AgentAction.Get(ctx, id)
	if err != nil || !s.expired(act) {
		return act, err
	}
	if _, err := s.expire(ctx, agentaction.ID(id)); err != nil {
		return nil, err
	}
	return s.client.AgentAction.Get(ctx, id)
}

func (s *Service) expired(a *ent.AgentAction) bool {
	return a.Status == agentaction.StatusPendingApproval && a.ExpiresAt != nil && !a.ExpiresAt.After(s.Now())
}

// Decision is an approver's answer.
type Decision struct {
	Approve bool
	Reason  string
}

// Decide approves or rejects a pending action. The caller needs
// agent_action:approve in its organization or approve/admin on the agent
// (403); with four_eyes on the tool, neither the requester nor the user
// who started the agent's session may approve (403, recorded as a security
// event), though they may reject. A decided, expired or final action is a 409.
func (s *Service) Decide(ctx context.Context, id uuid.UUID, d Decision) (*ent.AgentAction, error) {
	act, err := s.current(ctx, id)
	if err != nil {
		return nil, err
	}
	if act.Status != agentaction.StatusPendingApproval {
		return nil, problem.Conflict(fmt.Sprintf("the action is %s and can no longer be decided", act.Status))
	}
	if !d.Approve && d.Reason == "" {
		return nil, problem.Validation("a rejection needs a reason", problem.FieldError{Field: "reason", Message: "required when rejecting"})
	}
	v := viewer.FromContext(ctx)
	may, err := s.client.AgentAction.Query().Where(agentaction.ID(id), rule.ActionDeciders(v)).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if !may {
		return nil, problem.Forbidden("you may not decide the actions of this agent")
	}
	if d.Approve {
		// Four-eyes guards approval only: stopping an action is always safe.
		if err := s.checkFourEyes(ctx, act, v); err != nil {
			return nil, err
		}
	}
	status := agentaction.StatusRejected
	if d.Approve {
		status = agentaction.StatusApproved
	}
	now := s.Now()
	err = database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		act, err = tx.AgentAction.UpdateOneID(id).
			Where(agentaction.StatusEQ(agentaction.StatusPendingApproval),
				agentaction.Or(agentaction.ExpiresAtIsNil(), agentaction.ExpiresAtGT(now))).
			SetStatus(status).SetDecidedBy(v.UserID).SetDecidedAt(now).SetDecisionReason(d.Reason).Save(ctx)
		return err
	})
	if ent.IsNotFound(err) {
		// Another approver or the expiry got there first.
		return nil, problem.Conflict("the action was decided or expired meanwhile")
	}
	return act, err
}

// checkFourEyes refuses a decision by the requester or the session's
// starter when the tool demands a second pair of eyes, and records the
// attempt (in its own transaction: the request itself fails).
func (s *Service) checkFourEyes(ctx context.Context, act *ent.AgentAction, v *viewer.Viewer) error {
	// Why a system context: the tool's flag and the session's starter
	// decide the rule whatever the approver may read.
	sys := viewer.NewSystemContext(ctx, "approvals: four-eyes check")
	tool, err := s.client.AgentTool.Get(sys, act.ToolID)
	if err != nil || !tool.FourEyes {
		return err
	}
	involved := []uuid.UUID{}
	if act.RequestedBy != nil {
		involved = append(involved, *act.RequestedBy)
	}
	if act.SessionID != nil {
		sess, err := s.client.AgentSession.Get(sys, *act.SessionID)
		if err != nil {
			return err
		}
		if sess.StartedBy != nil {
			involved = append(involved, *sess.StartedBy)
		}
	}
	if !slices.Contains(involved, v.UserID) {
		return nil
	}
	err = database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		return audit.RecordSecurityEvent(ctx, tx, audit.SecurityEvent{
			Type: EventFourEyesViolation, Severity: securityauditlog.SeverityWarning, Org: act.OrganizationID,
			Details: map[string]any{"action_id": act.ID.String(), "agent_id": act.AgentID.String(), "tool": tool.Name},
		})
	})
	if err != nil {
		return err
	}
	return problem.Forbidden("four-eyes: the user who requested the action or started the agent's session cannot approve it")
}

// Result is what the runtime reports after running an approved action.
type Result struct {
	Executed     bool
	Output       map[string]any
	ErrorMessage string
}

// Report records the outcome of an approved action (executed or failed)
// with its output, capped at approvals.max_output_bytes (413). Only the
// agent or a user who may run it reports (403); an action not approved is
// a 409 (pending: not yet; final: immutable).
func (s *Service) Report(ctx context.Context, id uuid.UUID, r Result) (*ent.AgentAction, error) {
	act, err := s.current(ctx, id)
	if err != nil {
		return nil, err
	}
	if act.Status != agentaction.StatusApproved {
		return nil, problem.Conflict(fmt.Sprintf("the action is %s; only an approved action reports a result", act.Status))
	}
	if b, _ := json.Marshal(r.Output); len(b) > s.cfg.MaxOutputBytes {
		return nil, problem.New(http.StatusRequestEntityTooLarge, problem.SlugPayloadTooLarge,
			fmt.Sprintf("the output exceeds %d bytes", s.cfg.MaxOutputBytes))
	}
	may, err := s.client.AgentAction.Query().Where(agentaction.ID(id), rule.ActionRunners(viewer.FromContext(ctx))).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if !may {
		return nil, problem.Forbidden("only the agent or a user who may run it reports the result")
	}
	status := agentaction.StatusFailed
	if r.Executed {
		status = agentaction.StatusExecuted
	}
	err = database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		u := tx.AgentAction.UpdateOneID(id).Where(agentaction.StatusEQ(agentaction.StatusApproved)).
			SetStatus(status).SetExecutedAt(s.Now()).SetErrorMessage(r.ErrorMessage)
		if r.Output != nil {
			u.SetOutput(r.Output)
		}
		act, err = u.Save(ctx)
		return err
	})
	if ent.IsNotFound(err) {
		return nil, problem.Conflict("the action's result was reported meanwhile")
	}
	return act, err
}

// Queue lists the pending, unexpired actions the caller may decide,
// across their organizations (four-eyes ones they are involved in left
// out), newest first (expired ones are expired
// first, so they leave the queue).
func (s *Service) Queue(ctx context.Context, p pagination.Params) (pagination.Page[*ent.AgentAction], error) {
	v := viewer.FromContext(ctx)
	mine := rule.ActionDeciders(v)
	if _, err := s.expire(ctx, mine); err != nil {
		return pagination.Page[*ent.AgentAction]{}, err
	}
	// Four-eyes actions the caller requested or whose session they started
	// are not theirs to decide (Decide would refuse them).
	q := s.client.AgentAction.Query().Where(mine, agentaction.StatusEQ(agentaction.StatusPendingApproval),
		agentaction.Not(rule.FourEyesInvolved(v)))
	return pagination.List(ctx, q, p, func(a *ent.AgentAction) uuid.UUID { return a.ID })
}

// List lists the agent's actions the caller may see, newest first,
// optionally of one status, after expiring its due ones.
func (s *Service) List(ctx context.Context, agentID uuid.UUID, status *agentaction.Status, p pagination.Params) (pagination.Page[*ent.AgentAction], error) {
	// An agent the caller cannot see is 404, as reading it would be.
	if _, err := s.client.Agent.Query().Where(agent.ID(agentID)).OnlyID(ctx); err != nil {
		return pagination.Page[*ent.AgentAction]{}, err
	}
	// The due ones the caller sees (read as the caller, so privacy applies).
	due, err := s.client.AgentAction.Query().Where(agentaction.AgentID(agentID),
		agentaction.StatusEQ(agentaction.StatusPendingApproval), agentaction.ExpiresAtLTE(s.Now())).IDs(ctx)
	if err != nil {
		return pagination.Page[*ent.AgentAction]{}, err
	}
	if len(due) > 0 {
		if _, err := s.expire(ctx, agentaction.IDIn(due...)); err != nil {
			return pagination.Page[*ent.AgentAction]{}, err
		}
	}
	q := s.client.AgentAction.Query().Where(agentaction.AgentID(agentID))
	if status != nil {
		q.Where(agentaction.StatusEQ(*status))
	}
	return pagination.List(ctx, q, p, func(a *ent.AgentAction) uuid.UUID { return a.ID })
}

// ExpirePending expires every action still pending at now whose
// expires_at has passed (timeout = deny) and returns how many; the
// approvals.expire job runs it. Reads apply the same rule to the actions
// they touch, so a late job never lets an expired action be approved.
func ExpirePending(ctx context.Context, client *ent.Client, now time.Time) (int, error) {
	s := &Service{client: client, Now: func() time.Time { return now }}
	return s.expire(ctx)
}

// expireBatch bounds one transaction of the sweep.
const expireBatch = 500

// expire moves the matching pending actions past their expires_at to
// expired, one audited row at a time (old values kept), in batches.
func (s *Service) expire(ctx context.Context, where ...predicate.AgentAction) (int, error) {
	// Why a system context: expiry is a consequence of time, not a
	// decision of the caller; whoever reads the action (or the job)
	// applies it, including readers who may not decide.
	sys := viewer.NewSystemContext(ctx, "approvals: expire undecided actions")
	now := s.Now()
	due := append([]predicate.AgentAction{
		agentaction.StatusEQ(agentaction.StatusPendingApproval), agentaction.ExpiresAtLTE(now),
	}, where...)
	total := 0
	for {
		n := 0
		err := database.WithTx(sys, s.client, func(tx *ent.Tx) error {
			ids, err := tx.AgentAction.Query().Where(due...).Limit(expireBatch).IDs(sys)
			if err != nil {
				return err
			}
			for _, id := range ids {
				err := tx.AgentAction.UpdateOneID(id).Where(agentaction.StatusEQ(agentaction.StatusPendingApproval)).
					SetStatus(agentaction.StatusExpired).SetDecidedAt(now).SetDecisionReason(timeoutReason).Exec(sys)
				if err != nil && !ent.IsNotFound(err) {
					return err
				}
				if err == nil {
					n++
				}
			}
			return nil
		})
		total += n
		if err != nil || n < expireBatch {
			return total, err
		}
	}
}
