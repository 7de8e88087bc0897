package api

import (
	"context"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent/taskdependency"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/tasks"
)

// Task sub-resources: labels, links, comments and time logs. The logic
// (visibility, validation, cycle detection) lives in internal/tasks.

// ListLabels implements GET /projects/{project_id}/labels.
func (h *Handler) ListLabels(ctx context.Context, params oas.ListLabelsParams) (oas.ListLabelsRes, error) {
	page, err := h.tasks.ListLabels(ctx, params.ProjectID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.LabelPage{Items: convertAll(page.Items, deref(apiconv.Label)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// CreateLabel implements POST /projects/{project_id}/labels.
func (h *Handler) CreateLabel(ctx context.Context, req *oas.LabelCreateRequest, params oas.CreateLabelParams) (oas.CreateLabelRes, error) {
	l, err := h.tasks.CreateLabel(ctx, params.ProjectID, tasks.LabelInput{Name: &req.Name, Color: optPtr(req.Color)})
	if err != nil {
		return nil, err
	}
	return apiconv.Label(l), nil
}

// GetLabel implements GET /labels/{label_id}.
func (h *Handler) GetLabel(ctx context.Context, params oas.GetLabelParams) (oas.GetLabelRes, error) {
	l, err := h.tasks.GetLabel(ctx, params.LabelID)
	if err != nil {
		return nil, err
	}
	return apiconv.Label(l), nil
}

// UpdateLabel implements PATCH /labels/{label_id}.
func (h *Handler) UpdateLabel(ctx context.Context, req *oas.LabelUpdateRequest, params oas.UpdateLabelParams) (oas.UpdateLabelRes, error) {
	version, err := ifMatchVersion(params.IfMatch)
	if err != nil {
		return nil, err
	}
	l, err := h.tasks.UpdateLabel(ctx, params.LabelID, version, tasks.LabelInput{Name: optPtr(req.Name), Color: optPtr(req.Color)})
	if err != nil {
		return nil, err
	}
	return apiconv.Label(l), nil
}

// DeleteLabel implements DELETE /labels/{label_id}.
func (h *Handler) DeleteLabel(ctx context.Context, params oas.DeleteLabelParams) (oas.DeleteLabelRes, error) {
	return &oas.DeleteLabelNoContent{}, h.tasks.DeleteLabel(ctx, params.LabelID)
}

// AttachTaskLabel implements PUT /tasks/{task_id}/labels/{label_id}.
func (h *Handler) AttachTaskLabel(ctx context.Context, params oas.AttachTaskLabelParams) (oas.AttachTaskLabelRes, error) {
	return &oas.AttachTaskLabelNoContent{}, h.tasks.SetTaskLabel(ctx, params.TaskID, params.LabelID, true)
}

// DetachTaskLabel implements DELETE /tasks/{task_id}/labels/{label_id}.
func (h *Handler) DetachTaskLabel(ctx context.Context, params oas.DetachTaskLabelParams) (oas.DetachTaskLabelRes, error) {
	return &oas.DetachTaskLabelNoContent{}, h.tasks.SetTaskLabel(ctx, params.TaskID, params.LabelID, false)
}

// ListTaskDependencies implements GET /tasks/{task_id}/dependencies.
func (h *Handler) ListTaskDependencies(ctx context.Context, params oas.ListTaskDependenciesParams) (oas.ListTaskDependenciesRes, error) {
	page, err := h.tasks.ListDependencies(ctx, params.TaskID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.TaskDependencyPage{Items: convertAll(page.Items, deref(apiconv.TaskDependency)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// CreateTaskDependency implements POST /tasks/{task_id}/dependencies.
func (h *Handler) CreateTaskDependency(ctx context.Context, req *oas.TaskDependencyCreateRequest, params oas.CreateTaskDependencyParams) (oas.CreateTaskDependencyRes, error) {
	d, err := h.tasks.CreateDependency(ctx, params.TaskID, req.DependsOnID, taskdependency.Type(req.Type))
	if err != nil {
		return nil, err
	}
	return apiconv.TaskDependency(d), nil
}

// DeleteTaskDependency implements DELETE /dependencies/{dependency_id}.
func (h *Handler) DeleteTaskDependency(ctx context.Context, params oas.DeleteTaskDependencyParams) (oas.DeleteTaskDependencyRes, error) {
	return &oas.DeleteTaskDependencyNoContent{}, h.tasks.DeleteDependency(ctx, params.DependencyID)
}

// ListTaskComments implements GET /tasks/{task_id}/comments.
func (h *Handler) ListTaskComments(ctx context.Context, params oas.ListTaskCommentsParams) (oas.ListTaskCommentsRes, error) {
	page, err := h.tasks.ListComments(ctx, params.TaskID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.TaskCommentPage{Items: convertAll(page.Items, deref(ToAPITaskComment)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// CreateTaskComment implements POST /tasks/{task_id}/comments.
func (h *Handler) CreateTaskComment(ctx context.Context, req *oas.TaskCommentCreateRequest, params oas.CreateTaskCommentParams) (oas.CreateTaskCommentRes, error) {
	var parent *uuid.UUID
	if p, ok := req.ParentID.Get(); ok {
		parent = &p
	}
	c, err := h.tasks.CreateComment(ctx, params.TaskID, req.Body, parent)
	if err != nil {
		return nil, err
	}
	return ToAPITaskComment(c), nil
}

// UpdateTaskComment implements PATCH /comments/{comment_id}.
func (h *Handler) UpdateTaskComment(ctx context.Context, req *oas.TaskCommentUpdateRequest, params oas.UpdateTaskCommentParams) (oas.UpdateTaskCommentRes, error) {
	body, ok := req.Body.Get()
	if !ok {
		// The body is the one thing an edit changes: refused without it,
		// as it always was.
		return nil, problem.BadRequest("body is required")
	}
	c, err := h.tasks.UpdateComment(ctx, params.CommentID, body)
	if err != nil {
		return nil, err
	}
	return ToAPITaskComment(c), nil
}

// DeleteTaskComment implements DELETE /comments/{comment_id}.
func (h *Handler) DeleteTaskComment(ctx context.Context, params oas.DeleteTaskCommentParams) (oas.DeleteTaskCommentRes, error) {
	return &oas.DeleteTaskCommentNoContent{}, h.tasks.DeleteComment(ctx, params.CommentID)
}

// ListTimeLogs implements GET /tasks/{task_id}/time-logs.
func (h *Handler) ListTimeLogs(ctx context.Context, params oas.ListTimeLogsParams) (oas.ListTimeLogsRes, error) {
	page, err := h.tasks.ListTimeLogs(ctx, params.TaskID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.TimeLogPage{Items: convertAll(page.Items, deref(ToAPITimeLog)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// CreateTimeLog implements POST /tasks/{task_id}/time-logs.
func (h *Handler) CreateTimeLog(ctx context.Context, req *oas.TimeLogCreateRequest, params oas.CreateTimeLogParams) (oas.CreateTimeLogRes, error) {
	in := tasks.TimeLogInput{StartedAt: optPtr(req.StartedAt), EndedAt: optPtr(req.EndedAt), Note: optPtr(req.Note)}
	if m, ok := req.Minutes.Get(); ok {
		in.Minutes = &m
	}
	if b, ok := req.Billable.Get(); ok {
		in.Billable = &b
	}
	t, err := h.tasks.CreateTimeLog(ctx, params.TaskID, in)
	if err != nil {
		return nil, err
	}
	return ToAPITimeLog(t), nil
}

// GetTimeLogSummary implements GET /tasks/{task_id}/time-logs/summary.
func (h *Handler) GetTimeLogSummary(ctx context.Context, params oas.GetTimeLogSummaryParams) (oas.GetTimeLogSummaryRes, error) {
	total, byUser, err := h.tasks.TimeLogSummary(ctx, params.TaskID)
	if err != nil {
		return nil, err
	}
	return ToAPITimeLogSummary(params.TaskID, total, byUser), nil
}

// ListTaskAttachments implements GET /tasks/{task_id}/attachments.
func (h *Handler) ListTaskAttachments(ctx context.Context, params oas.ListTaskAttachmentsParams) (oas.ListTaskAttachmentsRes, error) {
	page, err := h.tasks.ListAttachments(ctx, params.TaskID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.TaskAttachmentPage{Items: convertAll(page.Items, deref(apiconv.TaskAttachment)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// UploadTaskAttachment implements POST /tasks/{task_id}/attachments.
func (h *Handler) UploadTaskAttachment(ctx context.Context, req *oas.AttachmentUploadMultipart, params oas.UploadTaskAttachmentParams) (oas.UploadTaskAttachmentRes, error) {
	a, err := h.tasks.Attach(ctx, h.files, params.TaskID, tasks.Upload{
		Name: req.File.Name, Content: req.File.File, MaxBytes: h.maxUpload,
	})
	if err != nil {
		return nil, err
	}
	return apiconv.TaskAttachment(a), nil
}

// DownloadTaskAttachment implements GET /attachments/{attachment_id}/download.
// ogen closes the reader once the body is written.
func (h *Handler) DownloadTaskAttachment(ctx context.Context, params oas.DownloadTaskAttachmentParams) (oas.DownloadTaskAttachmentRes, error) {
	a, r, err := h.tasks.OpenAttachment(ctx, h.files, params.AttachmentID)
	if err != nil {
		return nil, err
	}
	return &oas.DownloadTaskAttachmentOKHeaders{
		ContentDisposition:  oas.NewOptString(tasks.ContentDisposition(a.FileName)),
		XContentTypeOptions: oas.NewOptString("nosniff"),
		Response:            oas.DownloadTaskAttachmentOK{Data: r},
	}, nil
}

// DeleteTaskAttachment implements DELETE /attachments/{attachment_id}.
func (h *Handler) DeleteTaskAttachment(ctx context.Context, params oas.DeleteTaskAttachmentParams) (oas.DeleteTaskAttachmentRes, error) {
	return &oas.DeleteTaskAttachmentNoContent{}, h.tasks.DeleteAttachment(ctx, params.AttachmentID)
}
