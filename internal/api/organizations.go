package api

import (
	"context"

	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/projects"
)

// CreateOrganization implements POST /organizations.
func (h *Handler) CreateOrganization(ctx context.Context, req *oas.OrganizationCreateRequest) (oas.CreateOrganizationRes, error) {
	o, err := h.projects.CreateOrganization(ctx, projects.OrganizationInput{
		Name: &req.Name, Slug: &req.Slug, Description: optPtr(req.Description), TimeZone: optPtr(req.TimeZone),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIOrganization(o), nil
}

// ListOrganizations implements GET /organizations.
func (h *Handler) ListOrganizations(ctx context.Context, params oas.ListOrganizationsParams) (oas.ListOrganizationsRes, error) {
	page, err := h.projects.ListOrganizations(ctx, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.OrganizationPage{Items: convertAll(page.Items, deref(ToAPIOrganization)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// GetOrganization implements GET /organizations/{org_id}.
func (h *Handler) GetOrganization(ctx context.Context, params oas.GetOrganizationParams) (oas.GetOrganizationRes, error) {
	o, err := h.projects.Organization(ctx, params.OrgID)
	if err != nil {
		return nil, err
	}
	return ToAPIOrganization(o), nil
}

// UpdateOrganization implements PATCH /organizations/{org_id}.
func (h *Handler) UpdateOrganization(ctx context.Context, req *oas.OrganizationUpdateRequest, params oas.UpdateOrganizationParams) (oas.UpdateOrganizationRes, error) {
	o, err := h.projects.UpdateOrganization(ctx, params.OrgID, projects.OrganizationInput{
		Name: optPtr(req.Name), Description: clearable(req.Description), TimeZone: optPtr(req.TimeZone),
		AuditRetentionDays:      optPtr(req.AuditRetentionDays),
		LLMCaptureRetentionDays: optPtr(req.LlmCaptureRetentionDays), ManagerTrackingEnabled: optPtr(req.ManagerTrackingEnabled),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIOrganization(o), nil
}

// ListOrganizationMembers implements GET /organizations/{org_id}/members:
// the administrators' user directory (identity) in the members' shape.
func (h *Handler) ListOrganizationMembers(ctx context.Context, params oas.ListOrganizationMembersParams) (oas.ListOrganizationMembersRes, error) {
	page, err := h.identity.ListOrganizationUsers(ctx, params.OrgID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.OrganizationMemberPage{Items: convertAll(page.Items, deref(ToAPIOrganizationMember)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// AddOrganizationMember implements POST /organizations/{org_id}/members.
func (h *Handler) AddOrganizationMember(ctx context.Context, req *oas.OrganizationMemberAddRequest, params oas.AddOrganizationMemberParams) (oas.AddOrganizationMemberRes, error) {
	m, err := h.projects.AddMember(ctx, params.OrgID, req.Email, string(req.Role))
	if err != nil {
		return nil, err
	}
	return ToAPIOrganizationMember(m), nil
}

// RemoveOrganizationMember implements DELETE /organizations/{org_id}/members/{user_id}.
func (h *Handler) RemoveOrganizationMember(ctx context.Context, params oas.RemoveOrganizationMemberParams) (oas.RemoveOrganizationMemberRes, error) {
	return &oas.RemoveOrganizationMemberNoContent{}, h.projects.RemoveMember(ctx, params.OrgID, params.UserID)
}
