package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/guard"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/llm"
)

// The LLM gateway (internal/llm) declares its seams; these adapters bind
// them to the cost ledger (internal/ledger) and the injection guard
// (internal/guard).

// gatewayLedger adapts *ledger.Ledger to llm.Ledger. Reservations are
// handed to the gateway by id; the rows wait here until Record.
type gatewayLedger struct {
	l    *ledger.Ledger
	held sync.Map // uuid.UUID -> *ent.BudgetReservation
}

func (g *gatewayLedger) Reserve(ctx context.Context, c llm.Call) (uuid.UUID, error) {
	res, err := g.l.Reserve(ctx, ledgerRequest(c))
	var (
		be *ledger.BudgetError
		ue *ledger.UnpricedError
	)
	if errors.As(err, &be) {
		return uuid.Nil, errors.Join(err, &llm.BudgetError{Budget: be.Budget, Limit: be.Limit, Spent: be.Spent,
			Reserved: be.Reserved, Requested: be.Requested})
	}
	if errors.As(err, &ue) {
		return uuid.Nil, errors.Join(err, &llm.UnpricedError{Provider: ue.Provider, Model: ue.Model, Budgets: ue.Budgets})
	}
	if err != nil || res == nil { // nil: an unpriced model without budget holds nothing
		return uuid.Nil, err
	}
	g.held.Store(res.ID, res)
	return res.ID, nil
}

func (g *gatewayLedger) Record(ctx context.Context, c llm.Call, reservation uuid.UUID, o llm.Outcome) (uuid.UUID, error) {
	var res *ent.BudgetReservation
	if v, ok := g.held.LoadAndDelete(reservation); ok {
		res = v.(*ent.BudgetReservation)
	}
	call, err := g.l.Record(ctx, ledgerRequest(c), res, ledger.CallResult{
		Status: callStatus(o.Status), RequestMessages: o.RequestMessages, Response: o.Response,
		PromptTokens: o.PromptTokens, CompletionTokens: o.CompletionTokens, CachedTokens: o.CachedTokens,
		UsageEstimated: o.UsageEstimated, Latency: o.Latency, TimeToFirstToken: o.TimeToFirstToken, ProviderRequestID: o.ProviderRequestID,
		ErrorCode: o.ErrorCode, ErrorMessage: o.ErrorMessage, InjectionFindings: o.InjectionFindings, StartedAt: o.StartedAt,
	})
	if err != nil {
		return uuid.Nil, err
	}
	return call.ID, nil
}

// callStatus maps the gateway's outcome onto AgentCall.status: a call the
// guard blocked is a denied call (its findings say why).
func callStatus(s llm.Status) agentcall.Status {
	if s == llm.StatusBlocked {
		return agentcall.StatusDenied
	}
	return agentcall.Status(s)
}

func ledgerRequest(c llm.Call) ledger.CallRequest {
	return ledger.CallRequest{OrganizationID: c.OrganizationID, AgentID: c.AgentID, UserID: c.UserID,
		SessionID: c.SessionID, TaskID: c.TaskID, Provider: c.Provider, Model: c.Model,
		PromptTokensEstimate: c.PromptTokensEstimate, PromptTokensMax: c.PromptTokensMax, MaxTokens: c.MaxTokens}
}

// gatewayGuard applies the agent's injection policy with the detector and
// the organization's extra patterns; findings also go to the
// SecurityAuditLog.
type gatewayGuard struct {
	client   *ent.Client
	patterns guard.OrgPatterns
	log      *slog.Logger
}

func (g gatewayGuard) Check(ctx context.Context, a *ent.Agent, messages []llm.Message) (any, bool) {
	msgs := make([]guard.Message, len(messages))
	for i, m := range messages {
		msgs[i] = guard.Message{Role: m.Role, Content: m.Text()}
	}
	d := guard.Evaluate(a.InjectionPolicy, msgs, g.patterns.For(a.OrganizationID))
	if len(d.Findings) == 0 {
		return nil, false
	}
	// Excerpts quote the prompt: they are stored (with the call and in the
	// event) only as far as the agent's capture policy stores prompts.
	d.Findings = guard.CaptureFindings(a.CapturePolicy, d.Findings)
	severity := securityauditlog.SeverityWarning
	if d.Block {
		severity = securityauditlog.SeverityCritical
	}
	err := database.WithTx(ctx, g.client, func(tx *ent.Tx) error {
		return audit.RecordSecurityEvent(ctx, tx, audit.SecurityEvent{Type: "llm.prompt_injection", Severity: severity,
			Org: a.OrganizationID, Details: map[string]any{"agent_id": a.ID.String(), "findings": d.Findings,
				"score": d.Score, "blocked": d.Block}})
	})
	if err != nil {
		// The findings are still stored with the call.
		g.log.ErrorContext(ctx, "prompt-injection event not recorded", "agent_id", a.ID, "error", err)
	}
	return d.Findings, d.Block
}
