package api

import (
	"context"
	"time"

	"github.com/worksynapse/worksynapse/ent/milestone"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/tasks"
)

// Planning: sprints and milestones (logic in internal/tasks).

// ListSprints implements GET /projects/{project_id}/sprints.
func (h *Handler) ListSprints(ctx context.Context, params oas.ListSprintsParams) (oas.ListSprintsRes, error) {
	page, err := h.tasks.ListSprints(ctx, params.ProjectID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.SprintPage{Items: convertAll(page.Items, deref(apiconv.Sprint)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// CreateSprint implements POST /projects/{project_id}/sprints.
func (h *Handler) CreateSprint(ctx context.Context, req *oas.SprintCreateRequest, params oas.CreateSprintParams) (oas.CreateSprintRes, error) {
	s, err := h.tasks.CreateSprint(ctx, params.ProjectID, tasks.SprintInput{
		Name: &req.Name, Goal: optPtr(req.Goal), StartDate: optPtr(req.StartDate), EndDate: optPtr(req.EndDate),
	})
	if err != nil {
		return nil, err
	}
	return apiconv.Sprint(s), nil
}

// GetSprint implements GET /sprints/{sprint_id}.
func (h *Handler) GetSprint(ctx context.Context, params oas.GetSprintParams) (oas.GetSprintRes, error) {
	s, err := h.tasks.GetSprint(ctx, params.SprintID)
	if err != nil {
		return nil, err
	}
	return apiconv.Sprint(s), nil
}

// UpdateSprint implements PATCH /sprints/{sprint_id}.
func (h *Handler) UpdateSprint(ctx context.Context, req *oas.SprintUpdateRequest, params oas.UpdateSprintParams) (oas.UpdateSprintRes, error) {
	version, err := ifMatchVersion(params.IfMatch)
	if err != nil {
		return nil, err
	}
	start, end := patchOpt[time.Time](req.StartDate), patchOpt[time.Time](req.EndDate)
	s, err := h.tasks.UpdateSprint(ctx, params.SprintID, version, tasks.SprintInput{
		Name: optPtr(req.Name), Goal: clearable(req.Goal),
		StartDate: start.Value, ClearStartDate: start.Set && start.Value == nil,
		EndDate: end.Value, ClearEndDate: end.Set && end.Value == nil,
	})
	if err != nil {
		return nil, err
	}
	return apiconv.Sprint(s), nil
}

// DeleteSprint implements DELETE /sprints/{sprint_id}.
func (h *Handler) DeleteSprint(ctx context.Context, params oas.DeleteSprintParams) (oas.DeleteSprintRes, error) {
	return &oas.DeleteSprintNoContent{}, h.tasks.DeleteSprint(ctx, params.SprintID)
}

// StartSprint implements POST /sprints/{sprint_id}/start.
func (h *Handler) StartSprint(ctx context.Context, params oas.StartSprintParams) (oas.StartSprintRes, error) {
	s, err := h.tasks.StartSprint(ctx, params.SprintID)
	if err != nil {
		return nil, err
	}
	return apiconv.Sprint(s), nil
}

// CompleteSprint implements POST /sprints/{sprint_id}/complete.
func (h *Handler) CompleteSprint(ctx context.Context, req *oas.SprintCompleteRequest, params oas.CompleteSprintParams) (oas.CompleteSprintRes, error) {
	s, err := h.tasks.CompleteSprint(ctx, params.SprintID, req.MoveTo)
	if err != nil {
		return nil, err
	}
	return apiconv.Sprint(s), nil
}

// ListMilestones implements GET /projects/{project_id}/milestones.
func (h *Handler) ListMilestones(ctx context.Context, params oas.ListMilestonesParams) (oas.ListMilestonesRes, error) {
	page, prog, err := h.tasks.ListMilestones(ctx, params.ProjectID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	out := &oas.MilestonePage{Items: make([]oas.MilestoneInfo, 0, len(page.Items)), NextCursor: nextCursor(page.NextCursor)}
	for _, m := range page.Items {
		out.Items = append(out.Items, *ToAPIMilestone(m, prog[m.ID]))
	}
	return out, nil
}

// CreateMilestone implements POST /projects/{project_id}/milestones.
func (h *Handler) CreateMilestone(ctx context.Context, req *oas.MilestoneCreateRequest, params oas.CreateMilestoneParams) (oas.CreateMilestoneRes, error) {
	m, err := h.tasks.CreateMilestone(ctx, params.ProjectID, tasks.MilestoneInput{
		Name: &req.Name, Description: optPtr(req.Description), DueDate: optPtr(req.DueDate),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIMilestone(m, tasks.Progress{}), nil
}

// GetMilestone implements GET /milestones/{milestone_id}.
func (h *Handler) GetMilestone(ctx context.Context, params oas.GetMilestoneParams) (oas.GetMilestoneRes, error) {
	m, prog, err := h.tasks.GetMilestone(ctx, params.MilestoneID)
	if err != nil {
		return nil, err
	}
	return ToAPIMilestone(m, prog), nil
}

// UpdateMilestone implements PATCH /milestones/{milestone_id}.
func (h *Handler) UpdateMilestone(ctx context.Context, req *oas.MilestoneUpdateRequest, params oas.UpdateMilestoneParams) (oas.UpdateMilestoneRes, error) {
	due := patchOpt[time.Time](req.DueDate)
	in := tasks.MilestoneInput{
		Name: optPtr(req.Name), Description: clearable(req.Description),
		DueDate: due.Value, ClearDueDate: due.Set && due.Value == nil,
	}
	if st, ok := req.Status.Get(); ok {
		s := milestone.Status(st)
		in.Status = &s
	}
	version, err := ifMatchVersion(params.IfMatch)
	if err != nil {
		return nil, err
	}
	if _, err := h.tasks.UpdateMilestone(ctx, params.MilestoneID, version, in); err != nil {
		return nil, err
	}
	m, prog, err := h.tasks.GetMilestone(ctx, params.MilestoneID)
	if err != nil {
		return nil, err
	}
	return ToAPIMilestone(m, prog), nil
}

// DeleteMilestone implements DELETE /milestones/{milestone_id}.
func (h *Handler) DeleteMilestone(ctx context.Context, params oas.DeleteMilestoneParams) (oas.DeleteMilestoneRes, error) {
	return &oas.DeleteMilestoneNoContent{}, h.tasks.DeleteMilestone(ctx, params.MilestoneID)
}
