package agents

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agentuserpermission"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Use is what a caller wants to do with an agent.
type Use int

const (
	// Act makes the agent do something now: an LLM call through the
	// gateway, a tool action proposed for approval. The agent must be active.
	Act Use = iota
	// Report records calls the agent already made (ledger ingestion), so
	// any status is fine; the service principal (an agent runtime) may
	// report for any agent.
	Report
)

// Authorize is the one answer to "may this caller use this agent?", asked
// by the LLM gateway, ledger ingestion and tool-action proposals. It
// returns the agent when:
//   - the caller is the agent itself (its key; any other agent is 403),
//   - the service principal reports calls (Report only; it makes none),
//   - a user holds agent:manage in the agent's organization, is a
//     platform superuser, or has a use, configure or admin grant on the
//     agent (read as the system: whether someone may use an agent must not
//     depend on whether their role may list grants).
//
// Anyone else is 403, or 404 when the agent is not in one of their
// organizations (nothing leaks across tenants; inside the organization a
// member may learn that an agent id exists, not what it is). For Act, a paused or
// archived agent is then 409 agent-inactive.
func Authorize(ctx context.Context, client *ent.Client, agentID uuid.UUID, use Use) (*ent.Agent, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, problem.Unauthorized("missing or invalid credentials")
	}
	// Why a system context: the agent is loaded to learn its organization;
	// visibility is decided right below, before anything is revealed.
	sys := viewer.NewSystemContext(ctx, "agents: authorize the use of an agent")
	a, err := client.Agent.Get(sys, agentID)
	if ent.IsNotFound(err) || (err == nil && !mayKnow(v, a)) {
		return nil, problem.NotFound("agent not found")
	}
	if err != nil {
		return nil, err
	}
	if err := permitted(sys, client, v, a, use); err != nil {
		return nil, err
	}
	if use == Act && a.Status != agent.StatusActive {
		return nil, problem.New(http.StatusConflict, SlugAgentInactive, "the agent is "+string(a.Status)+" and makes no calls")
	}
	return a, nil
}

// mayKnow reports whether the caller may learn that the agent exists.
func mayKnow(v *viewer.Viewer, a *ent.Agent) bool {
	return v.IsSystem() || v.Superuser || v.IsService() || v.AgentID == a.ID || v.IsMember(a.OrganizationID)
}

// permitted applies the rules of Authorize to a caller who may know the
// agent exists.
func permitted(sys context.Context, client *ent.Client, v *viewer.Viewer, a *ent.Agent, use Use) error {
	switch {
	case v.IsSystem():
		return nil
	case v.AgentID != uuid.Nil:
		if v.AgentID == a.ID {
			return nil
		}
		return problem.Forbidden("an agent key acts only as its own agent")
	case v.IsService():
		if use == Report {
			return nil
		}
		return problem.Forbidden("the service principal reports calls; it makes none")
	case v.Superuser || v.Can(a.OrganizationID, "agent", viewer.ActionManage):
		return nil
	case v.UserID == uuid.Nil:
		return problem.Forbidden("using the agent needs the use right")
	}
	granted, err := client.AgentUserPermission.Query().Where(
		agentuserpermission.AgentID(a.ID), agentuserpermission.UserID(v.UserID),
		agentuserpermission.PermissionIn(agentuserpermission.PermissionUse,
			agentuserpermission.PermissionConfigure, agentuserpermission.PermissionAdmin),
	).Exist(sys)
	if err != nil || granted {
		return err
	}
	return problem.Forbidden("using the agent needs the use right")
}
