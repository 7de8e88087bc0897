package approvals

import (
	"context"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentaction"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// The headers with which an agent names, on the normal task operations,
// what produced a task it creates; a refusal names them.
const (
	HeaderCall   = "X-Agent-Call"
	HeaderAction = "X-Agent-Action"
)

// LinkTask records, in tx, that agent agentID created or worked on task
// taskID, through the model call and/or the tool action that did it
// (either may be nil). The task, the agent, the call and the action must
// all be of the same organization and the call and action of the agent;
// otherwise it is a 422 naming HeaderCall or HeaderAction. The tasks code
// calls it in the transaction that creates an agent's task (with
// is_ai_generated and ai_generating_agent set on the create, those fields
// being immutable), so a refusal creates nothing.
func LinkTask(ctx context.Context, tx *ent.Tx, agentID, taskID uuid.UUID, callID, actionID *uuid.UUID) error {
	// Why a system context: provenance is written by the server once the
	// task operation itself was authorized; AgentTask is read-only to
	// clients, and the agent may not hold agent_action:create.
	sys := viewer.NewSystemContext(ctx, "approvals: link task to agent")
	tk, err := tx.Task.Get(sys, taskID)
	if err != nil {
		return err
	}
	ag, err := tx.Agent.Get(sys, agentID)
	if err != nil || ag.OrganizationID != tk.OrganizationID {
		return problem.Validation("the agent is not of the task's organization",
			problem.FieldError{Field: "agent_id", Message: "not an agent of the task's organization"})
	}
	if callID != nil {
		ok, err := tx.AgentCall.Query().Where(agentcall.ID(*callID), agentcall.AgentID(agentID)).Exist(sys)
		if err != nil || !ok {
			return problem.Validation("unknown call", problem.FieldError{Field: HeaderCall, Message: "not a call of this agent"})
		}
	}
	if actionID != nil {
		ok, err := tx.AgentAction.Query().Where(agentaction.ID(*actionID), agentaction.AgentID(agentID)).Exist(sys)
		if err != nil || !ok {
			return problem.Validation("unknown action", problem.FieldError{Field: HeaderAction, Message: "not an action of this agent"})
		}
	}
	return tx.AgentTask.Create().SetOrganizationID(tk.OrganizationID).SetAgentID(agentID).SetTaskID(taskID).
		SetNillableCallID(callID).SetNillableActionID(actionID).Exec(sys)
}
