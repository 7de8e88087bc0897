package api

import (
	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/oas"
)

// ToAPIAgentAction converts a tool action.
func ToAPIAgentAction(a *ent.AgentAction) *oas.AgentActionInfo {
	out := &oas.AgentActionInfo{
		ID: a.ID, OrganizationID: a.OrganizationID, AgentID: a.AgentID, ToolID: a.ToolID,
		SessionID: optNilUUID(a.SessionID), CallID: optNilUUID(a.CallID), ToolCallID: optStr(a.ToolCallID),
		Input: rawValues(a.Input), Status: oas.AgentActionInfoStatus(a.Status),
		ExpiresAt: optNilTime(a.ExpiresAt), RequestedBy: optNilUUID(a.RequestedBy), DecidedBy: optNilUUID(a.DecidedBy),
		DecidedAt: optNilTime(a.DecidedAt), DecisionReason: optStr(a.DecisionReason), ExecutedAt: optNilTime(a.ExecutedAt),
		ErrorMessage: optStr(a.ErrorMessage), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		Output: oas.OptNilAgentActionInfoOutput{Set: true, Null: true},
	}
	if a.Output != nil {
		out.Output = oas.NewOptNilAgentActionInfoOutput(rawValues(a.Output))
	}
	return out
}
