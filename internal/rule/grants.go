package rule

import (
	"context"

	"entgo.io/ent/entql"

	"github.com/google/uuid"
	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/ent/role"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Role grants are where privilege escalation would happen, so besides the
// permission to administer roles they follow Keycloak's rule for
// delegated administrators: nobody hands out a permission they do not hold
// themselves in that organization (ADMIN holds all, so it is unaffected;
// a custom "role manager" cannot mint an ADMIN). SUPER_ADMIN and system
// code pass before these rules run.

// DenyRoleEscalation guards UserRole creates: the role must be a system
// role or one of the same organization, and every permission it carries
// must be held by the viewer in that organization.
func DenyRoleEscalation() privacy.MutationRule {
	return privacy.UserRoleMutationRuleFunc(func(ctx context.Context, m *ent.UserRoleMutation) error {
		if !m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		org, _ := m.OrganizationID()
		roleID, _ := m.RoleID()
		// Why a system context: the role and its permissions are read to
		// decide; the viewer may not be allowed to list them all.
		sys := viewer.NewSystemContext(ctx, "rbac: check role assignment")
		r, err := m.Client().Role.Query().Where(role.ID(roleID)).WithPermissions().Only(sys)
		if err != nil {
			return privacy.Denyf("rule: load role %s: %v", roleID, err)
		}
		if r.OrganizationID != uuid.Nil && r.OrganizationID != org {
			return privacy.Denyf("rule: role %s belongs to another organization", roleID)
		}
		v := viewer.FromContext(ctx)
		for _, p := range r.Edges.Permissions {
			if !v.Can(org, p.Resource, string(p.Action)) {
				return privacy.Denyf("rule: role %s grants %s:%s, which the viewer does not hold", r.Name, p.Resource, p.Action)
			}
		}
		return privacy.Skip
	})
}

// RolePermissionPolicy guards the permissions of roles. Everyone reads
// those of system roles and of their organizations' custom roles. Granting
// needs role:update in the custom role's organization and the granted
// permission itself; revoking needs role:update. System roles (no
// organization) are changed by seeding only.
func RolePermissionPolicy() ent.Policy {
	visible := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.Where(roleVisible(ctx))
		return privacy.Skip
	})
	revocable := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.Where(roleOrgsWhere(ctx, viewer.ActionUpdate))
		return privacy.Allow
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible, privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(),
			privacy.OnMutationOperation(allowGrant(), ent.OpCreate),
			privacy.OnMutationOperation(revocable, ent.OpDelete|ent.OpDeleteOne),
			DenyAlways(),
		},
	}
}

// allowGrant checks a RolePermission create (see RolePermissionPolicy).
func allowGrant() privacy.MutationRule {
	return privacy.RolePermissionMutationRuleFunc(func(ctx context.Context, m *ent.RolePermissionMutation) error {
		roleID, _ := m.RoleID()
		permID, _ := m.PermissionID()
		// Why a system context: see DenyRoleEscalation.
		sys := viewer.NewSystemContext(ctx, "rbac: check permission grant")
		r, err := m.Client().Role.Get(sys, roleID)
		if err != nil {
			return privacy.Denyf("rule: load role %s: %v", roleID, err)
		}
		if r.OrganizationID == uuid.Nil {
			return privacy.Denyf("rule: system role %s is immutable", r.Name)
		}
		p, err := m.Client().Permission.Get(sys, permID)
		if err != nil {
			return privacy.Denyf("rule: load permission %s: %v", permID, err)
		}
		v, org := viewer.FromContext(ctx), r.OrganizationID
		if !v.Can(org, "role", viewer.ActionUpdate) || !v.Can(org, p.Resource, string(p.Action)) {
			return privacy.Denyf("rule: granting %s:%s to %s not allowed", p.Resource, p.Action, r.Name)
		}
		return privacy.Allow
	})
}

// roleVisible is the filter of role grants whose role the viewer may see.
func roleVisible(ctx context.Context) entql.P {
	return entql.Or(
		entql.HasEdgeWith("role", systemRole),
		roleOrgsWhere(ctx, viewer.ActionRead),
	)
}
