package api

import (
	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/oas"
)

// ToAPIModelPrice converts a price row.
func ToAPIModelPrice(p *ent.ModelPrice) *oas.ModelPriceInfo { return apiconv.ModelPriceInfo(p) }

func priceInput(req *oas.ModelPriceInput) ledger.PriceInput {
	return ledger.PriceInput{Provider: string(req.Provider), Model: req.Model,
		InputMicrosPerMtok: req.InputMicrosPerMtok, OutputMicrosPerMtok: req.OutputMicrosPerMtok,
		CachedInputMicrosPerMtok: optPtr[int64](req.CachedInputMicrosPerMtok), Currency: req.Currency.Or("USD"),
		EffectiveFrom: req.EffectiveFrom, EffectiveTo: optPtr(req.EffectiveTo)}
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
// messages, response, error text or injection findings: the schema hides
// them).
func ToAPIAgentCall(c *ent.AgentCall) oas.AgentCallInfo { return *apiconv.AgentCallInfo(c) }

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
