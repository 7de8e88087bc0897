package identity

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/permission"
	"github.com/worksynapse/worksynapse/ent/role"
	"github.com/worksynapse/worksynapse/ent/rolepermission"
	"github.com/worksynapse/worksynapse/ent/userrole"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// RoleInput is everything a client may set on a custom role. The
// organization comes from the path and is_system is never client data.
type RoleInput struct {
	Name, Description *string
}

var errSystemRole = problem.Conflict("system roles are immutable")

// ListRoles pages through the system roles and org's custom roles.
func (s *Service) ListRoles(ctx context.Context, org uuid.UUID, p pagination.Params) (pagination.Page[*ent.Role], error) {
	if err := rule.RequireOrganization(ctx, s.client, org); err != nil {
		return pagination.Page[*ent.Role]{}, err
	}
	q := s.client.Role.Query().Where(role.Or(role.OrganizationID(uuid.Nil), role.OrganizationID(org))).WithPermissions()
	return pagination.List(ctx, q, p, roleID)
}

// ListMemberRoles pages through the roles user holds in org.
func (s *Service) ListMemberRoles(ctx context.Context, org, user uuid.UUID, p pagination.Params) (pagination.Page[*ent.Role], error) {
	if _, err := memberIn(ctx, s.client, org, user); err != nil {
		return pagination.Page[*ent.Role]{}, err
	}
	q := s.client.Role.Query().
		Where(role.HasUserRolesWith(userrole.OrganizationID(org), userrole.UserID(user))).WithPermissions()
	return pagination.List(ctx, q, p, roleID)
}

func roleID(r *ent.Role) uuid.UUID { return r.ID }

// Role returns a role usable in org (a system role or one of org's).
func (s *Service) Role(ctx context.Context, org, id uuid.UUID) (*ent.Role, error) {
	return roleIn(ctx, s.client, org, id)
}

func roleIn(ctx context.Context, c *ent.Client, org, id uuid.UUID) (*ent.Role, error) {
	if err := rule.RequireOrganization(ctx, c, org); err != nil {
		return nil, err
	}
	r, err := c.Role.Query().
		Where(role.ID(id), role.Or(role.OrganizationID(uuid.Nil), role.OrganizationID(org))).
		WithPermissions().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, problem.NotFound("the role does not exist")
	}
	return r, err
}

// customRoleIn is roleIn for changes: system roles are immutable (409).
func customRoleIn(ctx context.Context, c *ent.Client, org, id uuid.UUID) (*ent.Role, error) {
	r, err := roleIn(ctx, c, org, id)
	if err == nil && (r.IsSystem || r.OrganizationID == uuid.Nil) {
		return nil, errSystemRole
	}
	return r, err
}

// checkRoleName refuses a system role's name for a custom role: a custom
// "ADMIN" would pass for the real one wherever roles are shown by name.
func checkRoleName(ctx context.Context, c *ent.Client, name string) error {
	taken, err := c.Role.Query().Where(role.Name(name), role.OrganizationID(uuid.Nil)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("identity: check role name: %w", err)
	}
	if taken {
		return problem.Conflict(fmt.Sprintf("%s is the name of a system role", name))
	}
	return nil
}

// CreateRole creates a custom role of org, without permissions.
func (s *Service) CreateRole(ctx context.Context, org uuid.UUID, in RoleInput) (*ent.Role, error) {
	if err := rule.RequireOrganization(ctx, s.client, org); err != nil {
		return nil, err
	}
	if in.Name == nil {
		return nil, problem.Validation("a name is required", problem.FieldError{Field: "name", Message: "required"})
	}
	if err := checkRoleName(ctx, s.client, *in.Name); err != nil {
		return nil, err
	}
	var id uuid.UUID
	err := s.adminChange(ctx, func(tx *ent.Tx) (event, error) {
		r, err := tx.Role.Create().SetOrganizationID(org).SetName(*in.Name).
			SetNillableDescription(in.Description).Save(ctx)
		if err != nil {
			return event{}, err
		}
		id = r.ID
		return event{kind: EventRoleCreated, org: org, details: map[string]any{"role_id": r.ID.String(), "role": r.Name}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.Role(ctx, org, id)
}

// UpdateRole renames or re-describes a custom role.
func (s *Service) UpdateRole(ctx context.Context, org, id uuid.UUID, in RoleInput) (*ent.Role, error) {
	err := s.adminChange(ctx, func(tx *ent.Tx) (event, error) {
		r, err := customRoleIn(ctx, tx.Client(), org, id)
		if err != nil {
			return event{}, err
		}
		upd := tx.Role.UpdateOneID(id).SetNillableDescription(in.Description)
		if in.Name != nil {
			if err := checkRoleName(ctx, tx.Client(), *in.Name); err != nil {
				return event{}, err
			}
			upd.SetName(*in.Name)
		}
		if err := upd.Exec(ctx); err != nil {
			return event{}, rule.DeniedIfFiltered(err, "identity")
		}
		return event{kind: EventRoleUpdated, org: org, details: map[string]any{
			"role_id": id.String(), "role": r.Name, "name_changed": in.Name != nil, "description_changed": in.Description != nil,
		}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.Role(ctx, org, id)
}

// DeleteRole deletes a custom role and removes it from its holders.
func (s *Service) DeleteRole(ctx context.Context, org, id uuid.UUID) error {
	return s.adminChange(ctx, func(tx *ent.Tx) (event, error) {
		r, err := customRoleIn(ctx, tx.Client(), org, id)
		if err != nil {
			return event{}, err
		}
		n, err := tx.UserRole.Delete().Where(userrole.RoleID(id)).Exec(ctx)
		if err != nil {
			return event{}, fmt.Errorf("identity: unassign deleted role: %w", err)
		}
		if err := tx.Role.DeleteOneID(id).Exec(ctx); err != nil {
			return event{}, rule.DeniedIfFiltered(err, "identity")
		}
		return event{kind: EventRoleDeleted, org: org, details: map[string]any{
			"role_id": id.String(), "role": r.Name, "unassigned": n,
		}}, nil
	})
}

// GrantPermission adds (resource, action) to a custom role of org.
func (s *Service) GrantPermission(ctx context.Context, org, id uuid.UUID, resource, action string) error {
	return s.adminChange(ctx, func(tx *ent.Tx) (event, error) {
		r, p, granted, err := roleGrant(ctx, tx.Client(), org, id, resource, action)
		if err != nil || granted != nil {
			return event{}, firstErr(err, requireToRepeat(ctx, org, "role", viewer.ActionUpdate))
		}
		if err := tx.RolePermission.Create().SetRoleID(r.ID).SetPermissionID(p.ID).Exec(ctx); err != nil {
			return event{}, err
		}
		return permissionEvent(EventPermissionGranted, org, r, p), nil
	})
}

// RevokePermission removes (resource, action) from a custom role of org.
func (s *Service) RevokePermission(ctx context.Context, org, id uuid.UUID, resource, action string) error {
	return s.adminChange(ctx, func(tx *ent.Tx) (event, error) {
		r, p, granted, err := roleGrant(ctx, tx.Client(), org, id, resource, action)
		if err != nil {
			return event{}, err
		}
		if granted == nil {
			return event{}, problem.NotFound("the role does not have this permission")
		}
		if err := tx.RolePermission.DeleteOneID(granted.ID).Exec(ctx); err != nil {
			return event{}, rule.DeniedIfFiltered(err, "identity")
		}
		return permissionEvent(EventPermissionRevoked, org, r, p), nil
	})
}

// roleGrant looks up a custom role, a permission and the grant joining
// them (nil when the role does not have it).
func roleGrant(ctx context.Context, c *ent.Client, org, id uuid.UUID, resource, action string) (*ent.Role, *ent.Permission, *ent.RolePermission, error) {
	r, err := customRoleIn(ctx, c, org, id)
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := c.Permission.Query().
		Where(permission.Resource(resource), permission.ActionEQ(permission.Action(action))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, nil, problem.Validation("unknown permission",
			problem.FieldError{Field: "resource", Message: "not a resource of the permission matrix"})
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("identity: load permission: %w", err)
	}
	g, err := c.RolePermission.Query().
		Where(rolepermission.RoleID(r.ID), rolepermission.PermissionID(p.ID)).Only(ctx)
	if ent.IsNotFound(err) {
		return r, p, nil, nil
	}
	return r, p, g, err
}

func permissionEvent(kind string, org uuid.UUID, r *ent.Role, p *ent.Permission) event {
	return event{kind: kind, org: org, details: map[string]any{
		"role_id": r.ID.String(), "role": r.Name, "permission": p.Resource + ":" + string(p.Action),
	}}
}

// AssignRole gives member user of org a role (system or org's own).
func (s *Service) AssignRole(ctx context.Context, org, user, id uuid.UUID) error {
	return s.adminChange(ctx, func(tx *ent.Tx) (event, error) {
		c := tx.Client()
		if _, err := memberIn(ctx, c, org, user); err != nil {
			return event{}, err
		}
		if err := CheckRank(ctx, c, user, org); err != nil {
			return event{}, err
		}
		r, err := roleIn(ctx, c, org, id)
		if err != nil {
			return event{}, err
		}
		if r.OrganizationID == uuid.Nil && r.Name == seed.RoleSuperAdmin {
			return event{}, problem.Validation("SUPER_ADMIN is the platform flag is_superuser, not an organization role",
				problem.FieldError{Field: "role_id", Message: "not assignable in an organization"})
		}
		held, err := c.UserRole.Query().
			Where(userrole.OrganizationID(org), userrole.UserID(user), userrole.RoleID(id)).Exist(ctx)
		if err != nil || held {
			return event{}, firstErr(err, requireToRepeat(ctx, org, "role", viewer.ActionCreate))
		}
		err = c.UserRole.Create().SetOrganizationID(org).SetUserID(user).SetRoleID(id).
			SetGrantedBy(viewer.FromContext(ctx).UserID).Exec(ctx)
		if err != nil {
			return event{}, err
		}
		return assignmentEvent(EventRoleAssigned, org, user, r), nil
	})
}

// UnassignRole takes a role away from user in org.
func (s *Service) UnassignRole(ctx context.Context, org, user, id uuid.UUID) error {
	return s.adminChange(ctx, func(tx *ent.Tx) (event, error) {
		g, err := tx.UserRole.Query().
			Where(userrole.OrganizationID(org), userrole.UserID(user), userrole.RoleID(id)).WithRole().Only(ctx)
		if ent.IsNotFound(err) {
			return event{}, problem.NotFound("the member does not hold this role")
		}
		if err != nil {
			return event{}, err
		}
		if err := CheckRank(ctx, tx.Client(), user, org); err != nil {
			return event{}, err
		}
		if err := tx.UserRole.DeleteOneID(g.ID).Exec(ctx); err != nil {
			return event{}, rule.DeniedIfFiltered(err, "identity")
		}
		return assignmentEvent(EventRoleUnassigned, org, user, g.Edges.Role), nil
	})
}

func assignmentEvent(kind string, org, user uuid.UUID, r *ent.Role) event {
	details := map[string]any{"target_user_id": user.String()}
	if r != nil {
		details["role_id"], details["role"] = r.ID.String(), r.Name
	}
	return event{kind: kind, org: org, details: details}
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
