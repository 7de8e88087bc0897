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
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/problem"
)

func notFoundOrg() error { return problem.NotFound("organization not found") }

// Record writes the AgentCall of a gateway call (priced with the row in
// force at its start) and, in the same transaction, settles the
// reservation with it (the actual cost replaces the hold) or releases it
// when the call never reached the provider (status denied). res may be nil
// (unpriced model, no budget hold).
func (l *Ledger) Record(ctx context.Context, req CallRequest, res *ent.BudgetReservation, out CallResult) (*ent.AgentCall, error) {
	sctx := system(ctx, "record call")
	if out.StartedAt.IsZero() {
		out.StartedAt = l.now()
	}
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
			SetLatencyMs(int(out.Latency / time.Millisecond)).
			SetErrorCode(out.ErrorCode).SetErrorMessage(truncate(out.ErrorMessage, 2000)).
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
		return markRolledDaysDirty(sctx, tx, l.dialect, map[uuid.UUID][]time.Time{call.OrganizationID: {call.StartedAt}})
	})
	return call, err
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
