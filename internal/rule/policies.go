package rule

import (
	"context"

	"entgo.io/ent/entql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// TenantPolicy is the policy of every organization-scoped entity: no
// viewer, no access; system and superuser pass; everyone else needs the
// permission on resource (a name of seed.Resources) in the row's
// organization, see Require. extra rules (e.g. DenyRoleEscalation) run
// before Require on mutations.
func TenantPolicy(resource string, extra ...privacy.MutationRule) ent.Policy {
	mutation := privacy.MutationPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser()}
	mutation = append(mutation, extra...)
	return privacy.Policy{
		Query:    privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), Require(resource)},
		Mutation: append(mutation, Require(resource)),
	}
}

// OrganizationPolicy: members see their organizations (whatever their
// roles, as /auth/me lists them); any signed-in user may create one (the
// creator is made its ADMIN by the creating code); updating needs
// organization:update and deleting organization:delete in it.
func OrganizationPolicy() ent.Policy {
	ownOrgs := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.Where(fieldIn("id", viewer.FromContext(ctx).OrganizationIDs()))
		return privacy.Skip
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), ownOrgs, privacy.AlwaysAllowRule(),
		},
		Mutation: privacy.MutationPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(),
			privacy.OnMutationOperation(allowUsers(), ent.OpCreate),
			privacy.OnMutationOperation(requireRule{resource: "organization", column: "id"},
				ent.OpUpdate|ent.OpUpdateOne|ent.OpDelete|ent.OpDeleteOne),
			DenyAlways(),
		},
	}
}

// allowUsers allows a signed-in human user (not an agent or service).
func allowUsers() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, _ ent.Mutation) error {
		if v := viewer.FromContext(ctx); v != nil && v.UserID != uuid.Nil && v.AgentID == uuid.Nil {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// UserPolicy: a user sees themself and the members of the organizations
// where they may read members. Accounts are created by system code
// (registration, invitations) or a superuser. A user may edit their own
// profile but never the fields that are privileges or account state
// (protectedUserFields): those change through system code, the
// SUPER_ADMIN, or, for the lockout alone (unlock), whoever may manage the
// members of an organization the user belongs to (Keycloak's manage-users
// may clear a brute-force lockout).
func UserPolicy() ent.Policy {
	visible := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := viewer.FromContext(ctx)
		f.Where(entql.Or(
			entql.FieldEQ("id", v.UserID),
			entql.HasEdgeWith("memberships", memberOf(v.OrganizationsWhere("member", viewer.ActionRead))),
		))
		return privacy.Skip
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible, privacy.AlwaysAllowRule(),
		},
		Mutation: privacy.MutationPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(),
			privacy.OnMutationOperation(userUpdate(), ent.OpUpdateOne),
			DenyAlways(),
		},
	}
}

var (
	// protectedUserFields are never changed by the user themself.
	protectedUserFields = []string{
		"is_superuser", "status", "failed_login_attempts", "locked_until", "email_verified_at", "deleted_at",
	}
	// lockoutFields are what unlocking a user changes.
	lockoutFields = []string{"failed_login_attempts", "locked_until"}
)

// userUpdate narrows a user update to the rows the viewer may change with
// the fields it touches (see UserPolicy), then allows human users.
func userUpdate() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		v := viewer.FromContext(ctx)
		var rows entql.P
		switch {
		case onlyFields(m, lockoutFields...):
			rows = entql.HasEdgeWith("memberships", memberOf(v.OrganizationsWhere("member", viewer.ActionManage)))
		case anyFieldIn(m, protectedUserFields...):
			return privacy.Denyf("rule: %v are changed by administrators only", protectedUserFields)
		default:
			rows = entql.FieldEQ("id", v.UserID)
		}
		f, ok := m.(interface{ Filter() *ent.UserFilter })
		if !ok {
			return privacy.Denyf("rule: unexpected mutation %T", m)
		}
		f.Filter().Where(rows)
		return allowUsers().EvalMutation(ctx, m)
	})
}

// memberOf matches the (not deleted) memberships of orgs, whatever their
// status: administrators see and unlock invited and suspended members too.
func memberOf(orgs []uuid.UUID) entql.P {
	return entql.And(fieldIn("organization_id", orgs), entql.FieldNil("deleted_at"))
}

// ownerFilter is implemented by rows that belong to one user.
type ownerFilter interface {
	WhereUserID(entql.ValueP)
}

// OwnerPolicy is for per-user security rows (sessions, login history,
// tokens): users read their own; only system code writes them.
func OwnerPolicy() ent.Policy {
	own := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.(ownerFilter).WhereUserID(entql.ValueEQ(viewer.FromContext(ctx).UserID))
		return privacy.Skip
	})
	return privacy.Policy{
		Query:    privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), own, privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{DenyIfNoViewer(), AllowIfSystem(), DenyAlways()},
	}
}

// GlobalCatalogPolicy is for platform-wide reference data (permissions,
// model prices): every viewer reads it; system code and superusers write.
func GlobalCatalogPolicy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{DenyIfNoViewer(), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), DenyAlways()},
	}
}

// AuditLogPolicy makes audit tables append-only: rows are inserted by the
// audit hook and security code (system context) and never updated or
// deleted by anyone, superusers included, except by audit retention
// (AllowRetentionPurge) once rows are sealed and exported. Readers see the rows of the
// organizations where they hold resource:read (activity_log,
// security_log; the ADMIN role, and MANAGER for activity) and the rows of
// their own actions (see ownAuditRows); the SUPER_ADMIN sees all. The
// filter is in SQL, so any further filter only narrows this set. bounds
// narrow it further (ActivityLog: rows about a project only for whoever
// may read the project, see ProjectBound), own rows included.
func AuditLogPolicy(resource, userField, agentField string, bounds ...privacy.QueryRule) ent.Policy {
	visible := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := viewer.FromContext(ctx)
		f.Where(entql.Or(
			fieldIn("organization_id", v.OrganizationsWhere(resource, viewer.ActionRead)),
			ownAuditRows(v, userField, agentField),
		))
		return privacy.Skip
	})
	query := privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible}
	query = append(query, bounds...)
	return privacy.Policy{
		Query: append(query, privacy.AlwaysAllowRule()),
		Mutation: privacy.MutationPolicy{
			privacy.OnMutationOperation(AllowIfSystem(), ent.OpCreate),
			AllowRetentionPurge(),
			DenyAlways(),
		},
	}
}

// ActivityLogPolicy is AuditLogPolicy for the ActivityLog (activity_log:read),
// bounded by project visibility: a row about a project-scoped resource
// (project_id set by the audit hook) is read only by whoever may read that
// project, as GET /projects/{id} answers.
func ActivityLogPolicy() ent.Policy {
	return AuditLogPolicy("activity_log", "actor_user_id", "actor_agent_id",
		ProjectBound(Via("project"), entql.FieldNil("project_id")))
}

// ownAuditRows are the audit rows of the viewer's own actions. An AI agent
// sees the rows of its own actions only, not the whole history of the
// user it acts for (least privilege: an agent token must not read its
// owner's sign-ins); a principal that is neither user nor agent (service
// key) has no own rows.
func ownAuditRows(v *viewer.Viewer, userField, agentField string) entql.P {
	switch {
	case v.AgentID != uuid.Nil:
		return entql.FieldEQ(agentField, v.AgentID)
	case v.UserID != uuid.Nil:
		return entql.FieldEQ(userField, v.UserID)
	}
	return entql.FieldNil("id") // ids are never NULL: no rows
}

// systemRole matches the system roles, whose organization_id is the nil
// UUID (oasfield.NilIsNull).
var systemRole = entql.FieldEQ("organization_id", uuid.Nil)

// RolePolicy: everyone sees the system roles, and the custom roles of the
// organizations where they hold role:read. Custom roles are created,
// changed and deleted with role:create/update/delete in their
// organization (Require); system roles have no organization, so only
// seeding (system) and the SUPER_ADMIN can touch them.
func RolePolicy() ent.Policy {
	visible := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.Where(entql.Or(
			systemRole,
			fieldIn("organization_id", viewer.FromContext(ctx).OrganizationsWhere("role", viewer.ActionRead)),
		))
		return privacy.Skip
	})
	return privacy.Policy{
		Query:    privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible, privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{DenyIfNoViewer(), AllowIfSystem(), denySystemRoleCreate(), AllowIfSuperuser(), Require("role")},
	}
}

// denySystemRoleCreate keeps the system roles to seeding: a role created
// with the nil organization would be one (visible to every tenant), so
// only system code may, whoever the viewer is.
func denySystemRoleCreate() privacy.MutationRule {
	return privacy.RoleMutationRuleFunc(func(ctx context.Context, m *ent.RoleMutation) error {
		if org, ok := m.OrganizationID(); ok && m.Op().Is(ent.OpCreate) && org == uuid.Nil {
			return privacy.Denyf("rule: a role of no organization is a system role, which only seeding creates")
		}
		return privacy.Skip
	})
}
