package api

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/go-faster/jx"

	"github.com/worksynapse/worksynapse/ent/agentaction"
	"github.com/worksynapse/worksynapse/internal/approvals"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/problem"
)

// Agent tool actions and their approval (logic in internal/approvals,
// visibility and rights in the AgentAction privacy policy).

// ProposeAgentAction implements POST /agents/{agent_id}/actions.
func (h *Handler) ProposeAgentAction(ctx context.Context, req *oas.AgentActionProposal, params oas.ProposeAgentActionParams) (oas.ProposeAgentActionRes, error) {
	input, err := anyValues(req.Input.Or(nil), "input")
	if err != nil {
		return nil, err
	}
	a, err := h.approvals.Propose(ctx, approvals.Proposal{
		AgentID: params.AgentID, ToolID: optPtr(req.ToolID), ToolName: req.Tool.Or(""), Input: input,
		SessionID: optPtr(req.SessionID), CallID: optPtr(req.CallID), ToolCallID: req.ToolCallID.Or(""),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIAgentAction(a), nil
}

// ListAgentActions implements GET /agents/{agent_id}/actions.
func (h *Handler) ListAgentActions(ctx context.Context, params oas.ListAgentActionsParams) (oas.ListAgentActionsRes, error) {
	page, err := h.approvals.List(ctx, params.AgentID, optEnum[agentaction.Status](params.Status), pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.AgentActionPage{Items: convertAll(page.Items, deref(ToAPIAgentAction)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// GetAgentAction implements GET /actions/{action_id}.
func (h *Handler) GetAgentAction(ctx context.Context, params oas.GetAgentActionParams) (oas.GetAgentActionRes, error) {
	wait, err := parseWait(params.Wait.Or(""))
	if err != nil {
		return nil, err
	}
	a, err := h.approvals.Get(ctx, params.ActionID, wait)
	if err != nil {
		return nil, err
	}
	return ToAPIAgentAction(a), nil
}

// DecideAgentAction implements POST /actions/{action_id}/decision.
func (h *Handler) DecideAgentAction(ctx context.Context, req *oas.AgentActionDecision, params oas.DecideAgentActionParams) (oas.DecideAgentActionRes, error) {
	a, err := h.approvals.Decide(ctx, params.ActionID, approvals.Decision{
		Approve: req.Decision == oas.AgentActionDecisionDecisionApprove, Reason: strings.TrimSpace(req.Reason.Or("")),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIAgentAction(a), nil
}

// ReportAgentActionResult implements POST /actions/{action_id}/result.
func (h *Handler) ReportAgentActionResult(ctx context.Context, req *oas.AgentActionResult, params oas.ReportAgentActionResultParams) (oas.ReportAgentActionResultRes, error) {
	output, err := anyValues(req.Output.Or(nil), "output")
	if err != nil {
		return nil, err
	}
	a, err := h.approvals.Report(ctx, params.ActionID, approvals.Result{
		Executed: req.Status == oas.AgentActionResultStatusExecuted, Output: output, ErrorMessage: req.ErrorMessage.Or(""),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIAgentAction(a), nil
}

// ListApprovals implements GET /approvals.
func (h *Handler) ListApprovals(ctx context.Context, params oas.ListApprovalsParams) (oas.ListApprovalsRes, error) {
	page, err := h.approvals.Queue(ctx, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.AgentActionPage{Items: convertAll(page.Items, deref(ToAPIAgentAction)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// parseWait reads "30s" or "500ms" (the spec's pattern); the service caps it.
func parseWait(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	unit, digits := time.Second, strings.TrimSuffix(s, "s")
	if d, ok := strings.CutSuffix(s, "ms"); ok {
		unit, digits = time.Millisecond, d
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 {
		return 0, problem.Validation("invalid wait", problem.FieldError{Field: "wait", Message: "a duration such as 30s or 500ms"})
	}
	return time.Duration(n) * unit, nil
}

// anyValues decodes a free-form JSON object of the request (nil stays nil).
func anyValues(m map[string]jx.Raw, field string) (map[string]any, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]any, len(m))
	for k, raw := range m {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, problem.Validation("invalid JSON", problem.FieldError{Field: field + "." + k, Message: "not valid JSON"})
		}
		out[k] = v
	}
	return out, nil
}
