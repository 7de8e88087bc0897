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
			AssigneeID: ptr(req.AssigneeID.Get()), ParentID: ptr(req.ParentID.Get()),
			SprintID: ptr(req.SprintID.Get()), MilestoneID: ptr(req.MilestoneID.Get()),
		},
		Title: req.Title, Description: req.Description.Or(""),
		Status:   enumPtr[task.Status](req.Status.Get()),
		Priority: enumPtr[task.Priority](req.Priority.Get()),
		Type:     enumPtr[task.Type](req.Type.Get()),
		ColumnID: ptr(req.ColumnID.Get()), StartDate: ptr(req.StartDate.Get()), DueDate: ptr(req.DueDate.Get()),
		EstimateMinutes: ptr(req.EstimateMinutes.Get()), StoryPoints: ptr(req.StoryPoints.Get()),
		CallID: ptr(params.XAgentCall.Get()), ActionID: ptr(params.XAgentAction.Get()),
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
		Title: ptr(req.Title.Get()), Description: patch[string](req.Description),
		Status:     enumPtr[task.Status](req.Status.Get()),
		Priority:   enumPtr[task.Priority](req.Priority.Get()),
		Type:       enumPtr[task.Type](req.Type.Get()),
		AssigneeID: patch[uuidT](req.AssigneeID), ParentID: patch[uuidT](req.ParentID),
		SprintID: patch[uuidT](req.SprintID), MilestoneID: patch[uuidT](req.MilestoneID),
		StartDate: patch[timeT](req.StartDate), DueDate: patch[timeT](req.DueDate),
		EstimateMinutes: patch[int](req.EstimateMinutes), StoryPoints: patch[float64](req.StoryPoints),
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
		Position: ptr(req.Position.Get()), AfterID: ptr(req.AfterID.Get()), BeforeID: ptr(req.BeforeID.Get()),
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
		Status:     enumPtr[task.Status](params.Status.Get()),
		Priority:   enumPtr[task.Priority](params.Priority.Get()),
		Type:       enumPtr[task.Type](params.Type.Get()),
		AssigneeID: ptr(params.AssigneeID.Get()), ReporterID: ptr(params.ReporterID.Get()),
		SprintID: ptr(params.SprintID.Get()), MilestoneID: ptr(params.MilestoneID.Get()), LabelID: ptr(params.LabelID.Get()),
		ParentID: ptr(params.ParentID.Get()), DueBefore: ptr(params.DueBefore.Get()), DueAfter: ptr(params.DueAfter.Get()),
		IsAIGenerated: ptr(params.IsAiGenerated.Get()), Q: params.Q.Or(""),
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
	return &oas.ActivityPage{Items: mapItems(page.Items, ToAPIActivity), NextCursor: nextCursor(page.NextCursor)}, nil
}
