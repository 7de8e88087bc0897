package api

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// The LLM cost ledger: price catalog, budgets, reported calls and cost
// analytics (logic in internal/ledger, visibility in the ent privacy rules).

// ListModelPrices implements GET /model-prices.
func (h *Handler) ListModelPrices(ctx context.Context, params oas.ListModelPricesParams) (oas.ListModelPricesRes, error) {
	f := ledger.PriceFilter{Model: optPtr(params.Model)}
	if p, ok := params.Provider.Get(); ok {
		s := string(p)
		f.Provider = &s
	}
	page, err := h.ledger.ListPrices(ctx, f, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.ModelPricePage{Items: convertAll(page.Items, deref(ToAPIModelPrice)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// CreateModelPrice implements POST /model-prices.
func (h *Handler) CreateModelPrice(ctx context.Context, req *oas.ModelPriceInput) (oas.CreateModelPriceRes, error) {
	p, err := h.ledger.CreatePrice(ctx, priceInput(req))
	if err != nil {
		return nil, err
	}
	return ToAPIModelPrice(p), nil
}

// GetModelPrice implements GET /model-prices/{price_id}.
func (h *Handler) GetModelPrice(ctx context.Context, params oas.GetModelPriceParams) (oas.GetModelPriceRes, error) {
	p, err := h.ledger.GetPrice(ctx, params.PriceID)
	if err != nil {
		return nil, err
	}
	return ToAPIModelPrice(p), nil
}

// ReplaceModelPrice implements PUT /model-prices/{price_id}.
func (h *Handler) ReplaceModelPrice(ctx context.Context, req *oas.ModelPriceInput, params oas.ReplaceModelPriceParams) (oas.ReplaceModelPriceRes, error) {
	p, err := h.ledger.ReplacePrice(ctx, params.PriceID, priceInput(req))
	if err != nil {
		return nil, err
	}
	return ToAPIModelPrice(p), nil
}

// DeleteModelPrice implements DELETE /model-prices/{price_id}.
func (h *Handler) DeleteModelPrice(ctx context.Context, params oas.DeleteModelPriceParams) (oas.DeleteModelPriceRes, error) {
	return &oas.DeleteModelPriceNoContent{}, h.ledger.DeletePrice(ctx, params.PriceID)
}

// GetAgentBudget implements GET /agents/{agent_id}/budget.
func (h *Handler) GetAgentBudget(ctx context.Context, params oas.GetAgentBudgetParams) (oas.GetAgentBudgetRes, error) {
	s, err := h.ledger.AgentBudget(ctx, params.AgentID)
	if err != nil {
		return nil, err
	}
	return ToAPIBudgetStatus(s), nil
}

// GetOrganizationBudget implements GET /organizations/{org_id}/budget.
func (h *Handler) GetOrganizationBudget(ctx context.Context, params oas.GetOrganizationBudgetParams) (oas.GetOrganizationBudgetRes, error) {
	s, err := h.ledger.OrganizationBudget(ctx, params.OrgID)
	if err != nil {
		return nil, err
	}
	return ToAPIBudgetStatus(s), nil
}

// SetOrganizationBudget implements PUT /organizations/{org_id}/budget.
func (h *Handler) SetOrganizationBudget(ctx context.Context, req *oas.OrganizationBudgetInput, params oas.SetOrganizationBudgetParams) (oas.SetOrganizationBudgetRes, error) {
	s, err := h.ledger.SetOrganizationBudget(ctx, params.OrgID, ledger.OrganizationBudgetInput{
		Monthly: optPtr(req.MonthlyBudgetMicros), Daily: optPtr(req.DailyBudgetMicros),
		WarnPercent: req.BudgetWarnPercent,
	})
	if err != nil {
		return nil, err
	}
	return ToAPIBudgetStatus(s), nil
}

// ReportAgentCall implements POST /agent-calls: 201 for a new record, 200
// with the first record for a retry.
func (h *Handler) ReportAgentCall(ctx context.Context, req *oas.ReportedCall) (oas.ReportAgentCallRes, error) {
	calls, err := reportedCalls(ctx, []oas.ReportedCall{*req})
	if err != nil {
		return nil, err
	}
	res, err := h.ledger.Report(ctx, calls)
	if err != nil {
		return nil, err
	}
	info := ToAPIAgentCall(res[0].Call)
	if res[0].Duplicate {
		return (*oas.ReportAgentCallOK)(&info), nil
	}
	return (*oas.ReportAgentCallCreated)(&info), nil
}

// ReportAgentCallBatch implements POST /agent-calls/batch.
func (h *Handler) ReportAgentCallBatch(ctx context.Context, req *oas.ReportedCallBatch) (oas.ReportAgentCallBatchRes, error) {
	calls, err := reportedCalls(ctx, req.Calls)
	if err != nil {
		return nil, err
	}
	res, err := h.ledger.Report(ctx, calls)
	if err != nil {
		return nil, err
	}
	out := &oas.ReportedCallBatchResult{Items: make([]oas.ReportedCallResult, len(res))}
	for i, r := range res {
		out.Items[i] = oas.ReportedCallResult{ClientCallID: calls[i].ClientCallID, Duplicate: r.Duplicate,
			Call: ToAPIAgentCall(r.Call)}
		if r.Duplicate {
			out.Duplicates++
		} else {
			out.Created++
		}
	}
	return out, nil
}

// reportedCalls maps the request onto the service's input. The agent is
// the calling agent key's (viewer.AgentID) when set, else the body's.
func reportedCalls(ctx context.Context, in []oas.ReportedCall) ([]ledger.ReportedCall, error) {
	self := uuid.Nil
	if v := viewer.FromContext(ctx); v != nil {
		self = v.AgentID
	}
	out := make([]ledger.ReportedCall, len(in))
	for i, c := range in {
		agentID, ok := c.AgentID.Get()
		// Whether the caller may report for the agent is agents.Authorize's
		// decision (in the ledger); an agent key's calls default to its own.
		switch {
		case self != uuid.Nil && !ok:
			agentID = self
		case !ok:
			return nil, problem.Validation("agent_id is required",
				problem.FieldError{Field: "agent_id", Message: "required unless the caller is an agent key"})
		}
		out[i] = ledger.ReportedCall{AgentID: agentID, ClientCallID: c.ClientCallID, Provider: string(c.Provider),
			Model: c.Model, PromptTokens: c.PromptTokens.Or(0), CompletionTokens: c.CompletionTokens.Or(0),
			CachedTokens: c.CachedTokens.Or(0), Status: agentcall.Status(c.Status), StartedAt: c.StartedAt,
			LatencyMs: optPtr[int](c.LatencyMs), SessionID: optPtr(c.SessionID), TaskID: optPtr(c.TaskID),
			ErrorCode: c.ErrorCode.Or(""), ErrorMessage: c.ErrorMessage.Or(""), ProviderRequestID: c.ProviderRequestID.Or(""),
		}
	}
	return out, nil
}

// GetAgentCosts implements GET /organizations/{org_id}/agent-costs.
func (h *Handler) GetAgentCosts(ctx context.Context, params oas.GetAgentCostsParams) (oas.GetAgentCostsRes, error) {
	q := ledger.CostQuery{OrganizationID: params.OrgID, GroupBy: string(params.GroupBy.Or("agent")),
		Interval: string(params.Interval.Or("day")), From: params.From, To: params.To, Top: params.Top.Or(10)}
	r, err := h.ledger.Costs(ctx, time.Now(), q)
	if err != nil {
		return nil, err
	}
	return ToAPICostReport(q, r), nil
}
