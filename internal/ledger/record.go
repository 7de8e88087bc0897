package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/budgetreservation"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/textguard"
)

// Record writes the AgentCall of a gateway call (priced with the row in
// force at its start) and, in the same transaction, settles the
// reservation with it (the actual cost replaces the hold) or releases it
// when the call never reached the provider (status denied). res may be nil
// (unpriced model, no budget hold).
//
// A call that reached the provider is always recorded: the provider bills
// it. Text the provider sent is cleaned of what the database cannot store,
// and if the full record still fails, the call is written bare (status
// failed, error_code record_failed, tokens and cost as known, no captured
// text), which settles the reservation all the same.
func (l *Ledger) Record(ctx context.Context, req CallRequest, res *ent.BudgetReservation, out CallResult) (*ent.AgentCall, error) {
	if out.StartedAt.IsZero() {
		out.StartedAt = l.now()
	}
	out = storable(out)
	call, err := l.record(ctx, req, res, out)
	if err == nil || out.Status == agentcall.StatusDenied {
		return call, err
	}
	call, berr := l.record(ctx, req, res, bare(out))
	if berr != nil {
		return nil, fmt.Errorf("ledger: record call (bare record failed too: %v): %w", berr, err)
	}
	return call, nil
}

// storable cleans what the provider sent (error text, request id,
// captured answer) of what PostgreSQL refuses in text and jsonb, and keeps
// the token counts consistent (cached tokens are part of prompt tokens).
func storable(out CallResult) CallResult {
	out.ErrorCode = textguard.Clean(out.ErrorCode)
	out.ErrorMessage = textguard.Clean(out.ErrorMessage)
	out.ProviderRequestID = textguard.Clean(out.ProviderRequestID)
	out.RequestMessages = cleanJSON(out.RequestMessages)
	out.Response = cleanJSON(out.Response)
	out.InjectionFindings = cleanJSON(out.InjectionFindings)
	out.PromptTokens = max(out.PromptTokens, 0)
	out.CompletionTokens = max(out.CompletionTokens, 0)
	out.CachedTokens = min(max(out.CachedTokens, 0), out.PromptTokens)
	return out
}

// bare is the form of a call record that cannot fail on its content: no
// captured text, fixed error text, the usage as known.
func bare(out CallResult) CallResult {
	out.Status = agentcall.StatusFailed
	out.ErrorCode = "record_failed"
	out.ErrorMessage = "the call's full record could not be stored; captured messages and response were dropped"
	out.RequestMessages, out.Response, out.InjectionFindings = nil, nil, nil
	out.ProviderRequestID = ""
	return out
}

// cleanJSON returns a JSON value (as the gateway holds it) with every
// string and key cleaned by textguard.Clean; nil stays nil.
func cleanJSON(v any) any {
	if v == nil {
		return nil
	}
	var generic any
	if asJSON(v, &generic) != nil {
		return nil // not JSON: stored as nothing rather than failing the record
	}
	return cleanValue(generic)
}

func cleanValue(v any) any {
	switch t := v.(type) {
	case string:
		return textguard.Clean(t)
	case []any:
		for i := range t {
			t[i] = cleanValue(t[i])
		}
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[textguard.Clean(k)] = cleanValue(x)
		}
		return out
	}
	return v
}

// record writes the call and settles its reservation in one transaction.
func (l *Ledger) record(ctx context.Context, req CallRequest, res *ent.BudgetReservation, out CallResult) (*ent.AgentCall, error) {
	sctx := system(ctx, "record call")
	var call *ent.AgentCall
	err := database.WithTx(sctx, l.client, func(tx *ent.Tx) error {
		price, err := PriceAt(sctx, tx.Client(), req.Provider, req.Model, out.StartedAt)
		if err != nil {
			return err
		}
		c := tx.AgentCall.Create().SetOrganizationID(req.OrganizationID).SetAgentID(req.AgentID).
			SetNillableUserID(req.UserID).SetNillableSessionID(req.SessionID).SetNillableTaskID(req.TaskID).
			SetSource(agentcall.SourceGateway).SetProvider(agentcall.Provider(req.Provider)).SetModel(req.Model).
			SetStatus(out.Status).SetStartedAt(out.StartedAt).SetCreatedAt(l.now()).
			SetPromptTokens(out.PromptTokens).SetCompletionTokens(out.CompletionTokens).SetCachedTokens(out.CachedTokens).
			SetUsageEstimated(out.UsageEstimated).SetLatencyMs(int(out.Latency / time.Millisecond)).
			SetErrorCode(truncate(out.ErrorCode, 100)).SetErrorMessage(truncate(out.ErrorMessage, 2000)).
			SetProviderRequestID(truncate(out.ProviderRequestID, 200))
		if out.TimeToFirstToken > 0 {
			c.SetTtftMs(int(out.TimeToFirstToken / time.Millisecond))
		}
		if err := setJSON(c, out); err != nil {
			return err
		}
		applyPrice(c.Mutation(), price, Usage{int64(out.PromptTokens), int64(out.CompletionTokens), int64(out.CachedTokens)})
		if call, err = c.Save(sctx); err != nil {
			return fmt.Errorf("ledger: record call: %w", err)
		}
		if err := settle(sctx, tx, res, call); err != nil {
			return err
		}
		if err := l.overshot(ctx, tx, req, res, call); err != nil {
			return err
		}
		return markRolledDaysDirty(sctx, tx, l.dialect, map[uuid.UUID][]time.Time{call.OrganizationID: {call.StartedAt}})
	})
	return call, err
}

// overshot writes a budget.overshoot security event when a call cost more
// than its reservation held: the worst case was not worst enough (a
// provider counting more prompt tokens than the request's bytes allow, or
// billing beyond max_tokens), so budgets may have been exceeded.
func (l *Ledger) overshot(ctx context.Context, tx *ent.Tx, req CallRequest, res *ent.BudgetReservation, call *ent.AgentCall) error {
	if res == nil || call.CostMicros == nil || *call.CostMicros <= res.AmountMicros {
		return nil
	}
	return l.securityEvent(ctx, tx, req, "budget.overshoot", securityauditlog.SeverityWarning, l.now(), map[string]any{
		"call_id": call.ID.String(), "reserved_micros": res.AmountMicros, "cost_micros": *call.CostMicros,
		"prompt_tokens": call.PromptTokens, "completion_tokens": call.CompletionTokens, "model": req.Model,
	})
}

// applyPrice sets cost and price row, or flags the call unpriced (cost
// null, never a silent 0).
func applyPrice(m *ent.AgentCallMutation, price *ent.ModelPrice, u Usage) {
	if price == nil {
		m.SetUnpriced(true)
		m.ClearCostMicros()
		return
	}
	m.SetUnpriced(false)
	m.SetCostMicros(Cost(price, u))
	m.SetModelPriceID(price.ID)
}

// settle closes the reservation: settled by a call that reached the
// provider, released otherwise. A hold already released (expired and swept)
// is left alone: the call's cost counts as spent anyway.
func settle(ctx context.Context, tx *ent.Tx, res *ent.BudgetReservation, call *ent.AgentCall) error {
	if res == nil {
		return nil
	}
	status := budgetreservation.StatusSettled
	if call.Status == agentcall.StatusDenied {
		status = budgetreservation.StatusReleased
	}
	_, err := tx.BudgetReservation.Update().Where(budgetreservation.ID(res.ID),
		budgetreservation.StatusEQ(budgetreservation.StatusReserved)).
		SetStatus(status).SetCallID(call.ID).Save(ctx)
	if err != nil {
		return fmt.Errorf("ledger: settle reservation %s: %w", res.ID, err)
	}
	return nil
}

// setJSON stores the captured messages, response and findings, whatever Go
// shape the gateway holds them in (they are JSON documents either way).
func setJSON(c *ent.AgentCallCreate, out CallResult) error {
	var msgs []map[string]any
	if err := asJSON(out.RequestMessages, &msgs); err != nil {
		return fmt.Errorf("ledger: request messages: %w", err)
	}
	var resp map[string]any
	if err := asJSON(out.Response, &resp); err != nil {
		return fmt.Errorf("ledger: response: %w", err)
	}
	var findings []map[string]any
	if err := asJSON(out.InjectionFindings, &findings); err != nil {
		return fmt.Errorf("ledger: injection findings: %w", err)
	}
	if msgs != nil {
		c.SetRequestMessages(msgs)
	}
	if resp != nil {
		c.SetResponse(resp)
	}
	if findings != nil {
		c.SetInjectionFindings(findings)
	}
	return nil
}

func asJSON(v, dst any) error {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
