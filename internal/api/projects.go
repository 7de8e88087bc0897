package api

import (
	"context"

	"github.com/worksynapse/worksynapse/ent/project"
	"github.com/worksynapse/worksynapse/ent/projectmember"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/projects"
)

// CreateProject implements POST /organizations/{org_id}/projects.
func (h *Handler) CreateProject(ctx context.Context, req *oas.ProjectCreateRequest, params oas.CreateProjectParams) (oas.CreateProjectRes, error) {
	p, err := h.projects.CreateProject(ctx, params.OrgID, projects.ProjectInput{
		Key: &req.Key, Name: &req.Name, Description: optPtr(req.Description),
		Visibility: optEnum[project.Visibility](req.Visibility),
		StartDate:  optPtr(req.StartDate), EndDate: optPtr(req.EndDate),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIProject(p), nil
}

// ListProjects implements GET /organizations/{org_id}/projects.
func (h *Handler) ListProjects(ctx context.Context, params oas.ListProjectsParams) (oas.ListProjectsRes, error) {
	page, err := h.projects.ListProjects(ctx, params.OrgID, optEnum[project.Status](params.Status), pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.ProjectPage{Items: convertAll(page.Items, deref(ToAPIProject)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// GetProject implements GET /projects/{project_id}.
func (h *Handler) GetProject(ctx context.Context, params oas.GetProjectParams) (oas.GetProjectRes, error) {
	p, err := h.projects.Project(ctx, params.ProjectID)
	if err != nil {
		return nil, err
	}
	return ToAPIProject(p), nil
}

// UpdateProject implements PATCH /projects/{project_id} (If-Match).
func (h *Handler) UpdateProject(ctx context.Context, req *oas.ProjectUpdateRequest, params oas.UpdateProjectParams) (oas.UpdateProjectRes, error) {
	version, err := ifMatchVersion(params.IfMatch)
	if err != nil {
		return nil, err
	}
	p, err := h.projects.UpdateProject(ctx, params.ProjectID, version, projects.ProjectInput{
		Name: optPtr(req.Name), Description: clearable(req.Description),
		Visibility: optEnum[project.Visibility](req.Visibility),
		StartDate:  optPtr(req.StartDate), EndDate: optPtr(req.EndDate),
		ClearStartDate: req.StartDate.IsNull(), ClearEndDate: req.EndDate.IsNull(),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIProject(p), nil
}

// DeleteProject implements DELETE /projects/{project_id}.
func (h *Handler) DeleteProject(ctx context.Context, params oas.DeleteProjectParams) (oas.DeleteProjectRes, error) {
	return &oas.DeleteProjectNoContent{}, h.projects.DeleteProject(ctx, params.ProjectID)
}

// ArchiveProject implements POST /projects/{project_id}/archive.
func (h *Handler) ArchiveProject(ctx context.Context, params oas.ArchiveProjectParams) (oas.ArchiveProjectRes, error) {
	p, err := h.projects.SetArchived(ctx, params.ProjectID, true)
	if err != nil {
		return nil, err
	}
	return ToAPIProject(p), nil
}

// UnarchiveProject implements POST /projects/{project_id}/unarchive.
func (h *Handler) UnarchiveProject(ctx context.Context, params oas.UnarchiveProjectParams) (oas.UnarchiveProjectRes, error) {
	p, err := h.projects.SetArchived(ctx, params.ProjectID, false)
	if err != nil {
		return nil, err
	}
	return ToAPIProject(p), nil
}

// ListProjectMembers implements GET /projects/{project_id}/members.
func (h *Handler) ListProjectMembers(ctx context.Context, params oas.ListProjectMembersParams) (oas.ListProjectMembersRes, error) {
	page, err := h.projects.ListProjectMembers(ctx, params.ProjectID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.ProjectMemberPage{Items: convertAll(page.Items, deref(ToAPIProjectMember)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// AddProjectMember implements POST /projects/{project_id}/members.
func (h *Handler) AddProjectMember(ctx context.Context, req *oas.ProjectMemberAddRequest, params oas.AddProjectMemberParams) (oas.AddProjectMemberRes, error) {
	m, err := h.projects.AddProjectMember(ctx, params.ProjectID, req.UserID, projectmember.Role(req.Role))
	if err != nil {
		return nil, err
	}
	return ToAPIProjectMember(m), nil
}

// UpdateProjectMember implements PATCH /projects/{project_id}/members/{user_id}.
func (h *Handler) UpdateProjectMember(ctx context.Context, req *oas.ProjectMemberUpdateRequest, params oas.UpdateProjectMemberParams) (oas.UpdateProjectMemberRes, error) {
	m, err := h.projects.UpdateProjectMember(ctx, params.ProjectID, params.UserID, optEnum[projectmember.Role](req.Role))
	if err != nil {
		return nil, err
	}
	return ToAPIProjectMember(m), nil
}

// RemoveProjectMember implements DELETE /projects/{project_id}/members/{user_id}.
func (h *Handler) RemoveProjectMember(ctx context.Context, params oas.RemoveProjectMemberParams) (oas.RemoveProjectMemberRes, error) {
	return &oas.RemoveProjectMemberNoContent{}, h.projects.RemoveProjectMember(ctx, params.ProjectID, params.UserID)
}

// ListProjectActivity implements GET /projects/{project_id}/activity.
func (h *Handler) ListProjectActivity(ctx context.Context, params oas.ListProjectActivityParams) (oas.ListProjectActivityRes, error) {
	page, err := h.projects.Activity(ctx, params.ProjectID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.ActivityPage{Items: convertAll(page.Items, deref(ToAPIActivity)), NextCursor: nextCursor(page.NextCursor)}, nil
}
