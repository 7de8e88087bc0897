package rule

import (
	"context"

	"entgo.io/ent/entql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Agent rights of one user on one agent (AgentUserPermission.permission).
// admin includes the other three.
const (
	AgentUse       = "use"
	AgentConfigure = "configure"
	AgentApprove   = "approve"
	AgentAdmin     = "admin"
)

// Agents are governed per agent, on top of the organization's roles: who
// holds agent:manage in the organization (ADMIN) manages every agent of it;
// anyone else sees an agent only through an AgentUserPermission row (and
// while holding agent:read, i.e. being a member with a role that reads
// agents), changes it with configure (or admin), and grants rights on it
// with admin. An agent acting through its own key sees itself only. Rows
// of other organizations never match, so they are simply not found.

// agentGranted matches agents on which the viewer holds one of perms
// (admin always counts).
func agentGranted(v *viewer.Viewer, perms ...string) entql.P {
	if v.UserID == uuid.Nil {
		return entql.FieldNil("id") // agents and services hold no user grants
	}
	vals := []any{AgentAdmin}
	for _, p := range perms {
		vals = append(vals, p)
	}
	return entql.HasEdgeWith("user_permissions", entql.And(
		entql.FieldEQ("user_id", v.UserID), entql.FieldNil("deleted_at"), entql.FieldIn("permission", vals...),
	))
}

// agentsWith matches the agents on which the viewer may act with one of
// perms: every agent of the organizations where it holds agent:manage, and
// the granted agents of the organizations where it reads agents.
func agentsWith(v *viewer.Viewer, perms ...string) entql.P {
	return entql.Or(
		fieldIn("organization_id", v.OrganizationsWhere("agent", viewer.ActionManage)),
		entql.And(fieldIn("organization_id", v.OrganizationsWhere("agent", viewer.ActionRead)), agentGranted(v, perms...)),
	)
}

// visibleAgents adds the agent itself for an agent key's viewer.
func visibleAgents(v *viewer.Viewer) entql.P {
	p := agentsWith(v, AgentUse, AgentConfigure, AgentApprove)
	if v.AgentID != uuid.Nil {
		p = entql.Or(p, entql.FieldEQ("id", v.AgentID))
	}
	return p
}

// AgentPolicy: see above. Creating an agent needs agent:create in the
// organization (the service then grants the creator admin); updating needs
// configure, deleting admin.
func AgentPolicy() ent.Policy {
	visible := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.Where(visibleAgents(viewer.FromContext(ctx)))
		return privacy.Allow
	})
	change := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := viewer.FromContext(ctx)
		f.Where(agentsWith(v, AgentConfigure))
		return privacy.Allow
	})
	remove := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.Where(agentsWith(viewer.FromContext(ctx)))
		return privacy.Allow
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible},
		Mutation: privacy.MutationPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(),
			privacy.OnMutationOperation(Require("agent"), ent.OpCreate),
			privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
				if actionOf(m) == viewer.ActionDelete {
					return remove.EvalMutation(ctx, m)
				}
				return change.EvalMutation(ctx, m)
			}),
		},
	}
}

// AgentChildPolicy is for the configuration history of an agent: visible
// with the agent, written only with configure on it (the agents service
// writes a version in the same transaction as the change); never changed.
func AgentChildPolicy() ent.Policy {
	visible := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.Where(entql.HasEdgeWith("agent", visibleAgents(viewer.FromContext(ctx))))
		return privacy.Allow
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible},
		Mutation: privacy.MutationPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(),
			privacy.OnMutationOperation(agentRight(AgentConfigure), ent.OpCreate),
			DenyAlways(),
		},
	}
}

// adminScope is the rows (permissions, keys) of agents the viewer
// administers.
func adminScope() privacy.FilterFunc {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.Where(entql.HasEdgeWith("agent", agentsWith(viewer.FromContext(ctx))))
		return privacy.Allow
	})
}

// AgentPermissionPolicy: users see their own grants and, with admin on the
// agent (or agent:manage), all grants of it; only those may grant and
// revoke. Grants are immutable: revoking soft-deletes the row.
func AgentPermissionPolicy() ent.Policy {
	visible := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := viewer.FromContext(ctx)
		f.Where(entql.Or(
			entql.And(fieldIn("organization_id", v.OrganizationsWhere("agent", viewer.ActionRead)), entql.FieldEQ("user_id", v.UserID)),
			entql.HasEdgeWith("agent", agentsWith(v)),
		))
		return privacy.Allow
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible},
		Mutation: privacy.MutationPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(),
			privacy.OnMutationOperation(agentRight(), ent.OpCreate),
			adminScope(),
		},
	}
}

// AgentKeyPolicy: an agent's API keys are seen and managed by whoever
// administers the agent. Authentication reads keys in a system context.
func AgentKeyPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), adminScope()},
		Mutation: privacy.MutationPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(),
			privacy.OnMutationOperation(agentRight(), ent.OpCreate),
			adminScope(),
		},
	}
}

// agentRight allows a create whose agent_id names an agent on which the
// viewer holds one of perms (admin and agent:manage always do), checked
// with a query through the same predicates, inside the mutation's
// transaction.
func agentRight(perms ...string) privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		raw, ok := m.Field("agent_id")
		id, isID := raw.(uuid.UUID)
		cm, hasClient := m.(interface{ Client() *ent.Client })
		if !ok || !isID || !hasClient {
			return privacy.Denyf("rule: %T names no agent", m)
		}
		q := cm.Client().Agent.Query().Where(agent.ID(id))
		q.Filter().Where(agentsWith(viewer.FromContext(ctx), perms...))
		found, err := q.Exist(ctx)
		if err != nil {
			return err
		}
		if !found {
			return privacy.Denyf("rule: no right on the agent")
		}
		return privacy.Allow
	})
}
