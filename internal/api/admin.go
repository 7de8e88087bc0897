package api

import (
	"context"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/pagination"
)

// The admin operations map exactly the fields each request names onto the
// identity service (mass assignment: no is_superuser, organization_id or
// status is ever read from a body); authorization is in the privacy rules.

// ListRoles implements GET /organizations/{org_id}/roles.
func (h *Handler) ListRoles(ctx context.Context, params oas.ListRolesParams) (oas.ListRolesRes, error) {
	page, err := h.identity.ListRoles(ctx, params.OrgID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return toAPIRolePage(page), nil
}

// CreateRole implements POST /organizations/{org_id}/roles.
func (h *Handler) CreateRole(ctx context.Context, req *oas.RoleCreateRequest, params oas.CreateRoleParams) (oas.CreateRoleRes, error) {
	r, err := h.identity.CreateRole(ctx, params.OrgID, identity.RoleInput{
		Name: &req.Name, Description: optPtr(req.Description),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIRole(r), nil
}

// GetRole implements GET /organizations/{org_id}/roles/{role_id}.
func (h *Handler) GetRole(ctx context.Context, params oas.GetRoleParams) (oas.GetRoleRes, error) {
	r, err := h.identity.Role(ctx, params.OrgID, params.RoleID)
	if err != nil {
		return nil, err
	}
	return ToAPIRole(r), nil
}

// UpdateRole implements PATCH /organizations/{org_id}/roles/{role_id}.
func (h *Handler) UpdateRole(ctx context.Context, req *oas.RoleUpdateRequest, params oas.UpdateRoleParams) (oas.UpdateRoleRes, error) {
	r, err := h.identity.UpdateRole(ctx, params.OrgID, params.RoleID, identity.RoleInput{
		Name: optPtr(req.Name), Description: clearable(req.Description),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIRole(r), nil
}

// DeleteRole implements DELETE /organizations/{org_id}/roles/{role_id}.
func (h *Handler) DeleteRole(ctx context.Context, params oas.DeleteRoleParams) (oas.DeleteRoleRes, error) {
	return &oas.DeleteRoleNoContent{}, h.identity.DeleteRole(ctx, params.OrgID, params.RoleID)
}

// GrantRolePermission implements POST /organizations/{org_id}/roles/{role_id}/permissions.
func (h *Handler) GrantRolePermission(ctx context.Context, req *oas.PermissionRef, params oas.GrantRolePermissionParams) (oas.GrantRolePermissionRes, error) {
	err := h.identity.GrantPermission(ctx, params.OrgID, params.RoleID, req.Resource, string(req.Action))
	return &oas.GrantRolePermissionNoContent{}, err
}

// RevokeRolePermission implements DELETE /organizations/{org_id}/roles/{role_id}/permissions/{resource}/{action}.
func (h *Handler) RevokeRolePermission(ctx context.Context, params oas.RevokeRolePermissionParams) (oas.RevokeRolePermissionRes, error) {
	err := h.identity.RevokePermission(ctx, params.OrgID, params.RoleID, params.Resource, string(params.Action))
	return &oas.RevokeRolePermissionNoContent{}, err
}

// ListMemberRoles implements GET /organizations/{org_id}/members/{user_id}/roles.
func (h *Handler) ListMemberRoles(ctx context.Context, params oas.ListMemberRolesParams) (oas.ListMemberRolesRes, error) {
	page, err := h.identity.ListMemberRoles(ctx, params.OrgID, params.UserID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return toAPIRolePage(page), nil
}

// AssignMemberRole implements POST /organizations/{org_id}/members/{user_id}/roles.
func (h *Handler) AssignMemberRole(ctx context.Context, req *oas.RoleAssignment, params oas.AssignMemberRoleParams) (oas.AssignMemberRoleRes, error) {
	return &oas.AssignMemberRoleNoContent{}, h.identity.AssignRole(ctx, params.OrgID, params.UserID, req.RoleID)
}

// UnassignMemberRole implements DELETE /organizations/{org_id}/members/{user_id}/roles/{role_id}.
func (h *Handler) UnassignMemberRole(ctx context.Context, params oas.UnassignMemberRoleParams) (oas.UnassignMemberRoleRes, error) {
	return &oas.UnassignMemberRoleNoContent{}, h.identity.UnassignRole(ctx, params.OrgID, params.UserID, params.RoleID)
}

// ListOrganizationUsers implements GET /organizations/{org_id}/users.
func (h *Handler) ListOrganizationUsers(ctx context.Context, params oas.ListOrganizationUsersParams) (oas.ListOrganizationUsersRes, error) {
	page, err := h.identity.ListOrganizationUsers(ctx, params.OrgID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	out := &oas.OrganizationUserPage{Items: make([]oas.OrganizationUser, 0, len(page.Items)), NextCursor: nextCursor(page.NextCursor)}
	for _, u := range page.Items {
		out.Items = append(out.Items, ToAPIOrganizationUser(u))
	}
	return out, nil
}

// UnlockUser implements POST /users/{user_id}/unlock.
func (h *Handler) UnlockUser(ctx context.Context, params oas.UnlockUserParams) (oas.UnlockUserRes, error) {
	return &oas.UnlockUserNoContent{}, h.identity.UnlockUser(ctx, params.UserID)
}

// DeactivateUser implements POST /users/{user_id}/deactivate.
func (h *Handler) DeactivateUser(ctx context.Context, params oas.DeactivateUserParams) (oas.DeactivateUserRes, error) {
	return &oas.DeactivateUserNoContent{}, h.identity.DeactivateUser(ctx, params.UserID)
}

func toAPIRolePage(page pagination.Page[*ent.Role]) *oas.RolePage {
	out := &oas.RolePage{Items: make([]oas.RoleInfo, 0, len(page.Items)), NextCursor: nextCursor(page.NextCursor)}
	for _, r := range page.Items {
		out.Items = append(out.Items, *ToAPIRole(r))
	}
	return out
}
