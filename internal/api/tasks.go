package api

import (
	"context"

	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/tasks"
)

// The task operations map exactly the fields each request schema names
// onto the tasks service (mass assignment: project, number, reporter and
// organization are never read from a body; the request schemas reject
// unknown fields); authorization is in the privacy rules.

// CreateTask implements POST /projects/{project_id}/tasks.
func (h *Handler) CreateTask(ctx context.Context, req *oas.TaskCreateRequest, params oas.CreateTaskParams) (oas.CreateTaskRes, error) {
	t, err := h.tasks.Create(ctx, params.ProjectID, tasks.CreateInput{
		Refs: tasks.Refs{
			AssigneeID: optPtr(req.AssigneeID), ParentID: optPtr(req.ParentID),
			SprintID: optPtr(req.SprintID), MilestoneID: optPtr(req.MilestoneID),
		},
		Title: req.Title, Description: req.Description.Or(""),
		Status:   optEnum[task.Status](req.Status),
		Priority: optEnum[task.Priority](req.Priority),
		Type:     optEnum[task.Type](req.Type),
		ColumnID: optPtr(req.ColumnID), StartDate: optPtr(req.StartDate), DueDate: optPtr(req.DueDate),
		EstimateMinutes: optPtr(req.EstimateMinutes), StoryPoints: optPtr(req.StoryPoints),
		CallID: optPtr(params.XAgentCall), ActionID: optPtr(params.XAgentAction),
	})
	if err != nil {
		return nil, err
	}
	return ToAPITask(t), nil
}

// GetTask implements GET /tasks/{task_id}.
func (h *Handler) GetTask(ctx context.Context, params oas.GetTaskParams) (oas.GetTaskRes, error) {
	return taskWithETag(h.tasks.Get(ctx, params.TaskID))
}

// GetTaskByKey implements GET /projects/{project_id}/tasks/by-key/{key}.
func (h *Handler) GetTaskByKey(ctx context.Context, params oas.GetTaskByKeyParams) (oas.GetTaskByKeyRes, error) {
	return taskWithETag(h.tasks.GetByKey(ctx, params.ProjectID, params.Key))
}

// UpdateTask implements PATCH /tasks/{task_id}.
func (h *Handler) UpdateTask(ctx context.Context, req *oas.TaskUpdateRequest, params oas.UpdateTaskParams) (oas.UpdateTaskRes, error) {
	version, err := ifMatchVersion(params.IfMatch)
	if err != nil {
		return nil, err
	}
	t, err := h.tasks.Update(ctx, params.TaskID, version, tasks.UpdateInput{
		Title: optPtr(req.Title), Description: patchOpt[string](req.Description),
		Status:     optEnum[task.Status](req.Status),
		Priority:   optEnum[task.Priority](req.Priority),
		Type:       optEnum[task.Type](req.Type),
		AssigneeID: patchOpt[uuidT](req.AssigneeID), ParentID: patchOpt[uuidT](req.ParentID),
		SprintID: patchOpt[uuidT](req.SprintID), MilestoneID: patchOpt[uuidT](req.MilestoneID),
		StartDate: patchOpt[timeT](req.StartDate), DueDate: patchOpt[timeT](req.DueDate),
		EstimateMinutes: patchOpt[int](req.EstimateMinutes), StoryPoints: patchOpt[float64](req.StoryPoints),
	})
	return taskWithETag(t, err)
}

// DeleteTask implements DELETE /tasks/{task_id}.
func (h *Handler) DeleteTask(ctx context.Context, params oas.DeleteTaskParams) (oas.DeleteTaskRes, error) {
	return &oas.DeleteTaskNoContent{}, h.tasks.Delete(ctx, params.TaskID)
}

// MoveTask implements POST /tasks/{task_id}/move.
func (h *Handler) MoveTask(ctx context.Context, req *oas.TaskMoveRequest, params oas.MoveTaskParams) (oas.MoveTaskRes, error) {
	t, err := h.tasks.Move(ctx, params.TaskID, req.ColumnID, tasks.Placement{
		Position: optPtr(req.Position), AfterID: optPtr(req.AfterID), BeforeID: optPtr(req.BeforeID),
	})
	if err != nil {
		return nil, err
	}
	return ToAPITask(t), nil
}

// ListTasks implements GET /projects/{project_id}/tasks.
func (h *Handler) ListTasks(ctx context.Context, params oas.ListTasksParams) (oas.ListTasksRes, error) {
	var desc *bool
	if o, ok := params.Order.Get(); ok {
		d := o == oas.ListTasksOrderDesc
		desc = &d
	}
	page, err := h.tasks.List(ctx, params.ProjectID, tasks.Filter{
		Status:     optEnum[task.Status](params.Status),
		Priority:   optEnum[task.Priority](params.Priority),
		Type:       optEnum[task.Type](params.Type),
		AssigneeID: optPtr(params.AssigneeID), ReporterID: optPtr(params.ReporterID),
		SprintID: optPtr(params.SprintID), MilestoneID: optPtr(params.MilestoneID), LabelID: optPtr(params.LabelID),
		ParentID: optPtr(params.ParentID), DueBefore: optPtr(params.DueBefore), DueAfter: optPtr(params.DueAfter),
		IsAIGenerated: optPtr(params.IsAiGenerated), Q: params.Q.Or(""),
	}, string(params.Sort.Or(oas.ListTasksSortCreated)), desc, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	out := &oas.TaskPage{Items: make([]oas.TaskInfo, 0, len(page.Items)), NextCursor: nextCursor(page.NextCursor)}
	for _, t := range page.Items {
		out.Items = append(out.Items, *ToAPITask(t))
	}
	return out, nil
}

// ListTaskActivity implements GET /tasks/{task_id}/activity.
func (h *Handler) ListTaskActivity(ctx context.Context, params oas.ListTaskActivityParams) (oas.ListTaskActivityRes, error) {
	page, err := h.tasks.Activity(ctx, params.TaskID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.ActivityPage{Items: convertAll(page.Items, deref(ToAPIActivity)), NextCursor: nextCursor(page.NextCursor)}, nil
}
