package api

import (
	"cmp"
	"slices"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/oas"
)

// ToAPIRole converts a role with its (eager-loaded) permissions, sorted
// by resource and action.
func ToAPIRole(r *ent.Role) *oas.RoleInfo {
	out := apiconv.RoleInfo(r)
	out.Permissions = make([]oas.PermissionRef, 0, len(r.Edges.Permissions))
	for _, p := range r.Edges.Permissions {
		out.Permissions = append(out.Permissions, oas.PermissionRef{Resource: p.Resource, Action: oas.PermissionAction(p.Action)})
	}
	slices.SortFunc(out.Permissions, func(a, b oas.PermissionRef) int {
		return cmp.Or(cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Action, b.Action))
	})
	return out
}

// ToAPIOrganizationUser converts a member as administrators see it.
func ToAPIOrganizationUser(ou identity.OrganizationUser) oas.OrganizationUser {
	u := ou.User
	out := oas.OrganizationUser{
		ID: u.ID, Email: u.Email, Username: u.Username, Status: oas.OrganizationUserStatus(u.Status),
		MembershipStatus: oas.OrganizationUserMembershipStatus(ou.MembershipStatus),
		Locked:           ou.Locked,
		Roles:            ou.Roles, CreatedAt: u.CreatedAt,
	}
	if u.DisplayName != "" {
		out.DisplayName = oas.NewOptString(u.DisplayName)
	}
	if u.LockedUntil != nil {
		out.LockedUntil = oas.NewOptDateTime(*u.LockedUntil)
	}
	if u.LastLoginAt != nil {
		out.LastLoginAt = oas.NewOptDateTime(*u.LastLoginAt)
	}
	return out
}
