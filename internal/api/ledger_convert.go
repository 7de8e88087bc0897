package api

import (
	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/oas"
)

// ToAPIModelPrice converts a price row.
func ToAPIModelPrice(p *ent.ModelPrice) *oas.ModelPriceInfo {
	out := &oas.ModelPriceInfo{ID: p.ID, Provider: oas.LedgerProvider(p.Provider), Model: p.Model,
		InputMicrosPerMtok: p.InputMicrosPerMtok, OutputMicrosPerMtok: p.OutputMicrosPerMtok,
		Currency: p.Currency, EffectiveFrom: p.EffectiveFrom, CreatedAt: p.CreatedAt}
	if p.CachedInputMicrosPerMtok != nil {
		out.CachedInputMicrosPerMtok = oas.NewOptInt64(*p.CachedInputMicrosPerMtok)
	}
	if p.EffectiveTo != nil {
		out.EffectiveTo = oas.NewOptDateTime(*p.EffectiveTo)
	}
	return out
}

func priceInput(req *oas.ModelPriceInput) ledger.PriceInput {
	return ledger.PriceInput{Provider: string(req.Provider), Model: req.Model,
		InputMicrosPerMtok: req.InputMicrosPerMtok, OutputMicrosPerMtok: req.OutputMicrosPerMtok,
		CachedInputMicrosPerMtok: optPtr[int64](req.CachedInputMicrosPerMtok), Currency: req.Currency.Or("USD"),
		EffectiveFrom: req.EffectiveFrom, EffectiveTo: optTime(req.EffectiveTo)}
}

// ToAPIBudgetStatus converts the budgets of an agent or organization.
func ToAPIBudgetStatus(s *ledger.BudgetStatus) *oas.BudgetStatus {
	out := &oas.BudgetStatus{OrganizationID: s.OrganizationID, AgentID: optID(s.AgentID), TimeZone: s.TimeZone,
		Budgets: make([]oas.BudgetLine, len(s.Lines))}
	for i, l := range s.Lines {
		out.Budgets[i] = oas.BudgetLine{Budget: l.Budget, Period: oas.BudgetLinePeriod(l.Period),
			PeriodStart: l.Start, PeriodEnd: l.End, LimitMicros: l.Limit, SpentMicros: l.Spent,
			ReservedMicros: l.Reserved, RemainingMicros: l.Remaining(), WarnPercent: l.WarnPercent}
	}
	return out
}

// ToAPIAgentCall converts a call's ledger fields (never its captured
// messages: those are read through the agent's call history).
func ToAPIAgentCall(c *ent.AgentCall) oas.AgentCallInfo {
	out := oas.AgentCallInfo{ID: c.ID, OrganizationID: c.OrganizationID, AgentID: c.AgentID,
		UserID: optID(c.UserID), TaskID: optID(c.TaskID), SessionID: optID(c.SessionID),
		Source: oas.AgentCallInfoSource(c.Source), Provider: oas.LedgerProvider(c.Provider), Model: c.Model,
		PromptTokens: c.PromptTokens, CompletionTokens: c.CompletionTokens, CachedTokens: c.CachedTokens,
		UsageEstimated: oas.NewOptBool(c.UsageEstimated),
		Unpriced:       c.Unpriced, ModelPriceID: optID(c.ModelPriceID), Status: oas.AgentCallInfoStatus(c.Status),
		ErrorCode: optStr(c.ErrorCode), StartedAt: c.StartedAt, CreatedAt: c.CreatedAt}
	if c.ClientCallID != nil {
		out.ClientCallID = oas.NewOptString(*c.ClientCallID)
	}
	if c.CostMicros != nil {
		out.CostMicros = oas.NewOptInt64(*c.CostMicros)
	}
	return out
}

// ToAPICostReport converts an analytics answer.
func ToAPICostReport(q ledger.CostQuery, r *ledger.CostReport) *oas.AgentCostReport {
	out := &oas.AgentCostReport{GroupBy: q.GroupBy, Interval: q.Interval, From: q.From, To: q.To,
		Totals: costFigures(r.Totals), Top: make([]oas.CostGroup, len(r.Top)), Series: make([]oas.CostPoint, len(r.Series))}
	for i, g := range r.Top {
		out.Top[i] = oas.CostGroup{Key: g.Key, Totals: costFigures(g.Totals)}
	}
	for i, p := range r.Series {
		out.Series[i] = oas.CostPoint{Bucket: p.Bucket, Key: p.Key, Figures: costFigures(p.Figures)}
	}
	return out
}

func costFigures(f ledger.Figures) oas.CostFigures {
	return oas.CostFigures{Calls: f.Calls, PromptTokens: f.PromptTokens, CompletionTokens: f.CompletionTokens,
		CachedTokens: f.CachedTokens, CostMicros: f.CostMicros, UnpricedCalls: f.UnpricedCalls}
}

func optNilInt64(o oas.OptNilInt64) *int64 {
	if v, ok := o.Get(); ok {
		return &v
	}
	return nil
}
