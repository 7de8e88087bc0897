package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/richtext"
	"github.com/worksynapse/worksynapse/internal/tasks"
)

// convertAll maps a page's items with one converter.
func convertAll[T, O any](items []T, f func(T) O) []O {
	out := make([]O, 0, len(items))
	for _, it := range items {
		out = append(out, f(it))
	}
	return out
}

// ToAPILabel converts a label.
func ToAPILabel(l *ent.Label) *oas.Label {
	return &oas.Label{
		ID: l.ID, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, OrganizationID: l.OrganizationID,
		DeletedAt: optNilTime(l.DeletedAt), ProjectID: l.ProjectID, Name: l.Name, Color: l.Color,
		Version: l.Version,
	}
}

// ToAPITaskDependency converts a task link.
func ToAPITaskDependency(d *ent.TaskDependency) *oas.TaskDependency {
	return &oas.TaskDependency{
		ID: d.ID, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, OrganizationID: d.OrganizationID,
		DeletedAt: optNilTime(d.DeletedAt), TaskID: d.TaskID, DependsOnID: d.DependsOnID,
		Type: oas.TaskDependencyType(d.Type),
	}
}

// ToAPITaskComment converts a comment with its body rendered to sanitized
// HTML (as task descriptions, notes and chat messages are).
func ToAPITaskComment(c *ent.TaskComment) *oas.TaskCommentInfo {
	out := &oas.TaskCommentInfo{
		ID: c.ID, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, OrganizationID: c.OrganizationID,
		DeletedAt: optNilTime(c.DeletedAt), TaskID: c.TaskID, AuthorID: optNilUUID(c.AuthorID),
		AuthorAgentID: optNilUUID(c.AuthorAgentID), Body: c.Body, ParentID: optNilUUID(c.ParentID),
		EditedAt: optNilTime(c.EditedAt),
	}
	if html, err := richtext.HTML(c.Body); err == nil {
		out.BodyHTML = html
	}
	return out
}

// ToAPITimeLog converts a time log.
func ToAPITimeLog(t *ent.TimeLog) *oas.TimeLog { return apiconv.TimeLog(t) }

// ToAPITimeLogSummary converts a task's time totals.
func ToAPITimeLogSummary(taskID uuid.UUID, total int64, byUser []tasks.UserMinutes) *oas.TimeLogSummary {
	return &oas.TimeLogSummary{TaskID: taskID, TotalMinutes: total, ByUser: convertAll(byUser,
		func(u tasks.UserMinutes) oas.TimeLogUserTotal {
			return oas.TimeLogUserTotal{UserID: u.UserID, Minutes: u.Minutes}
		})}
}

// ToAPISprint converts a sprint.
func ToAPISprint(s *ent.Sprint) *oas.Sprint {
	out := &oas.Sprint{
		ID: s.ID, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, OrganizationID: s.OrganizationID,
		DeletedAt: optNilTime(s.DeletedAt), ProjectID: s.ProjectID, Name: s.Name,
		Status: oas.SprintStatus(s.Status), StartDate: optNilTime(s.StartDate), EndDate: optNilTime(s.EndDate),
		CompletedAt: optNilTime(s.CompletedAt), Version: s.Version,
	}
	if s.Goal != "" {
		out.Goal = oas.NewOptString(s.Goal)
	}
	return out
}

// ToAPIMilestone converts a milestone with its progress.
func ToAPIMilestone(m *ent.Milestone, p tasks.Progress) *oas.MilestoneInfo {
	out := &oas.MilestoneInfo{
		ID: m.ID, ProjectID: m.ProjectID, Name: m.Name, DueDate: optNilTime(m.DueDate),
		Status: oas.MilestoneInfoStatus(m.Status), TotalTasks: p.Total, DoneTasks: p.Done, Progress: p.Ratio(),
		Version: m.Version, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
	if m.Description != "" {
		out.Description = oas.NewOptString(m.Description)
	}
	return out
}

func optNilTime(t *time.Time) oas.OptNilDateTime {
	if t == nil {
		return oas.OptNilDateTime{Set: true, Null: true}
	}
	return oas.NewOptNilDateTime(*t)
}

func optNilUUID(id *uuid.UUID) oas.OptNilUUID {
	if id == nil {
		return oas.OptNilUUID{Set: true, Null: true}
	}
	return oas.NewOptNilUUID(*id)
}

func optTime(o oas.OptDateTime) *time.Time {
	if v, ok := o.Get(); ok {
		return &v
	}
	return nil
}

// ToAPITaskAttachment converts attachment metadata (the storage key stays
// internal).
func ToAPITaskAttachment(a *ent.TaskAttachment) *oas.TaskAttachment {
	return &oas.TaskAttachment{
		ID: a.ID, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, OrganizationID: a.OrganizationID,
		DeletedAt: optNilTime(a.DeletedAt), TaskID: a.TaskID, UploaderID: a.UploaderID, FileName: a.FileName,
		ContentType: a.ContentType, SizeBytes: a.SizeBytes, SHA256: a.Sha256,
	}
}
