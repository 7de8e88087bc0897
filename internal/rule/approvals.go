package rule

import (
	"context"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agentaction"
	"github.com/worksynapse/worksynapse/ent/agentsession"
	"github.com/worksynapse/worksynapse/ent/agenttool"
	"github.com/worksynapse/worksynapse/ent/agentuserpermission"
	"github.com/worksynapse/worksynapse/ent/predicate"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Agent tool actions have three kinds of principals besides the
// organization's roles (agent_action:read/create/approve):
//
//	the agent itself (agent key: viewer.AgentID) proposes and reports its
//	  own actions, and sees only those;
//	a user with AgentUserPermission use/configure/admin on the agent (a
//	  runtime acting for them) proposes and reports the agent's actions;
//	a user with AgentUserPermission approve/admin on the agent decides
//	  them, like holders of agent_action:approve in the organization.
//
// Per-agent permissions count only in organizations the user still
// belongs to. Actions are never deleted.

// Per-agent permissions that let a user run (propose and report) or
// decide an agent's actions.
var (
	AgentRunPermissions     = []string{"use", "configure", "admin"}
	AgentApprovePermissions = []string{"approve", "admin"}
)

// AgentActionPolicy is the policy of AgentAction (see above).
func AgentActionPolicy() ent.Policy {
	visible := privacy.AgentActionQueryRuleFunc(func(ctx context.Context, q *ent.AgentActionQuery) error {
		q.Where(actionsVisible(viewer.FromContext(ctx)))
		return privacy.Allow
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible},
		Mutation: privacy.MutationPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(),
			privacy.OnMutationOperation(allowPropose(), ent.OpCreate),
			privacy.OnMutationOperation(actionUpdate(), ent.OpUpdate|ent.OpUpdateOne),
			DenyAlways(),
		},
	}
}

// actionsVisible: an agent sees its own actions; a user those of the
// organizations granting agent_action:read, of the agents they hold any
// permission on, and those they requested.
func actionsVisible(v *viewer.Viewer) predicate.AgentAction {
	if v.AgentID != uuid.Nil {
		return agentaction.AgentID(v.AgentID)
	}
	all := append(append([]string{}, AgentRunPermissions...), "approve")
	return agentaction.Or(
		orgIn(v.OrganizationsWhere("agent_action", viewer.ActionRead)),
		agentPermitted(v, all),
		agentaction.RequestedBy(v.UserID),
	)
}

// ActionDeciders is the predicate of the actions v may approve or reject:
// agent_action:approve in their organization or approve/admin on the
// agent (the SUPER_ADMIN: all). Agents never decide.
func ActionDeciders(v *viewer.Viewer) predicate.AgentAction {
	switch {
	case v == nil || v.AgentID != uuid.Nil || v.UserID == uuid.Nil:
		return noActions
	case v.Superuser:
		return anyAction
	}
	return agentaction.Or(orgIn(v.OrganizationsWhere("agent_action", "approve")), agentPermitted(v, AgentApprovePermissions))
}

// FourEyesInvolved is the predicate of the four-eyes actions v may not
// approve: those v requested or whose agent session v started (the queue
// leaves them out, Decide refuses them). It is false, never SQL NULL, for
// an action without a requester (proposed with the agent's own key), so
// Not(FourEyesInvolved(v)) keeps such actions in every approver's queue.
func FourEyesInvolved(v *viewer.Viewer) predicate.AgentAction {
	if v == nil || v.UserID == uuid.Nil {
		return noActions
	}
	requested := agentaction.And(agentaction.RequestedByNotNil(), agentaction.RequestedBy(v.UserID))
	started := agentaction.HasSessionWith(agentsession.StartedByNotNil(), agentsession.StartedBy(v.UserID))
	return agentaction.And(agentaction.HasToolWith(agenttool.FourEyes(true)), agentaction.Or(requested, started))
}

// ActionRunners is the predicate of the actions v may propose or report:
// the agent's own, or a user's with agent_action:create in the
// organization or use/configure/admin on the agent.
func ActionRunners(v *viewer.Viewer) predicate.AgentAction {
	switch {
	case v == nil:
		return noActions
	case v.AgentID != uuid.Nil:
		return agentaction.AgentID(v.AgentID)
	case v.Superuser || v.IsSystem():
		return anyAction
	}
	return agentaction.Or(orgIn(v.OrganizationsWhere("agent_action", viewer.ActionCreate)), agentPermitted(v, AgentRunPermissions))
}

// allowPropose checks a create: the agent exists in the organization
// written and the viewer may run it (ActionRunners, checked on the row).
func allowPropose() privacy.MutationRule {
	return privacy.AgentActionMutationRuleFunc(func(ctx context.Context, m *ent.AgentActionMutation) error {
		org, _ := m.OrganizationID()
		agentID, _ := m.AgentID()
		v := viewer.FromContext(ctx)
		if v.AgentID != uuid.Nil && v.AgentID != agentID {
			return privacy.Denyf("rule: an agent proposes its own actions only")
		}
		// Why a system context: the agent and the viewer's permissions on
		// it are read to decide; the viewer may not list them.
		sys := viewer.NewSystemContext(ctx, "rbac: check agent action proposer")
		ok, err := m.Client().Agent.Query().Where(agent.ID(agentID), agent.OrganizationID(org), agent.DeletedAtIsNil()).Exist(sys)
		if err != nil || !ok {
			return privacy.Denyf("rule: agent %s not found in the organization", agentID)
		}
		if v.AgentID != uuid.Nil || v.Can(org, "agent_action", viewer.ActionCreate) {
			return privacy.Allow
		}
		n, err := m.Client().AgentUserPermission.Query().Where(agentuserpermission.AgentID(agentID),
			agentuserpermission.UserID(v.UserID), agentuserpermission.DeletedAtIsNil(),
			agentuserpermission.PermissionIn(permEnums(AgentRunPermissions)...)).Exist(sys)
		if err != nil || !n || !v.IsMember(org) {
			return privacy.Denyf("rule: no permission to run agent %s", agentID)
		}
		return privacy.Allow
	})
}

// actionUpdate narrows an update to the rows the viewer may change: a
// decision (it sets decided_by, to the viewer) to ActionDeciders, a
// report of the result to ActionRunners. Expiry is system code's.
func actionUpdate() privacy.MutationRule {
	return privacy.AgentActionMutationRuleFunc(func(ctx context.Context, m *ent.AgentActionMutation) error {
		v := viewer.FromContext(ctx)
		status, _ := m.Status()
		if decider, ok := m.DecidedBy(); ok {
			if decider != v.UserID || (status != agentaction.StatusApproved && status != agentaction.StatusRejected) {
				return privacy.Denyf("rule: a decision is the viewer's own approve or reject")
			}
			m.Where(ActionDeciders(v))
			return privacy.Allow
		}
		if status != agentaction.StatusExecuted && status != agentaction.StatusFailed {
			return privacy.Denyf("rule: only the result of an action is reported")
		}
		if !onlyFields(m, agentaction.FieldStatus, agentaction.FieldOutput, agentaction.FieldExecutedAt, agentaction.FieldErrorMessage) {
			return privacy.Denyf("rule: a report changes the result fields only")
		}
		m.Where(ActionRunners(v))
		return privacy.Allow
	})
}

// noActions matches no row (ids are never NULL).
var noActions predicate.AgentAction = func(s *sql.Selector) { s.Where(sql.IsNull(s.C(agentaction.FieldID))) }

// anyAction matches every row (for the SUPER_ADMIN, who passes the
// policy anyway).
var anyAction predicate.AgentAction = func(*sql.Selector) {}

// orgIn is organization_id IN orgs (no orgs: no rows).
func orgIn(orgs []uuid.UUID) predicate.AgentAction {
	if len(orgs) == 0 {
		return noActions
	}
	return agentaction.OrganizationIDIn(orgs...)
}

// agentPermitted matches the actions of agents on which the viewer holds
// one of perms (a live AgentUserPermission), in organizations the viewer
// belongs to. A subquery: Agent has no edge back to its permissions.
func agentPermitted(v *viewer.Viewer, perms []string) predicate.AgentAction {
	orgs := v.OrganizationIDs()
	if v.UserID == uuid.Nil || len(orgs) == 0 {
		return noActions
	}
	return func(s *sql.Selector) {
		t := sql.Table(agentuserpermission.Table)
		sub := sql.Select(t.C(agentuserpermission.FieldAgentID)).From(t).Where(sql.And(
			sql.EQ(t.C(agentuserpermission.FieldUserID), v.UserID),
			sql.IsNull(t.C(agentuserpermission.FieldDeletedAt)),
			sql.In(t.C(agentuserpermission.FieldPermission), anyStrings(perms)...),
			sql.In(t.C(agentuserpermission.FieldOrganizationID), anySlice(orgs)...),
		))
		s.Where(sql.In(s.C(agentaction.FieldAgentID), sub))
	}
}

func permEnums(perms []string) []agentuserpermission.Permission {
	out := make([]agentuserpermission.Permission, len(perms))
	for i, p := range perms {
		out[i] = agentuserpermission.Permission(p)
	}
	return out
}

func anyStrings(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
