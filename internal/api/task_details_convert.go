package api

import (
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/richtext"
	"github.com/worksynapse/worksynapse/internal/tasks"
)

// ToAPITaskComment converts a comment, adding its body rendered to
// sanitized HTML (as task descriptions, notes and chat messages are).
func ToAPITaskComment(c *ent.TaskComment) *oas.TaskCommentInfo {
	out := apiconv.TaskCommentInfo(c)
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

// ToAPIMilestone converts a milestone, adding its progress.
func ToAPIMilestone(m *ent.Milestone, p tasks.Progress) *oas.MilestoneInfo {
	out := apiconv.MilestoneInfo(m)
	out.TotalTasks, out.DoneTasks, out.Progress = p.Total, p.Done, p.Ratio()
	return out
}

func optNilUUID(id *uuid.UUID) oas.OptNilUUID {
	if id == nil {
		return oas.OptNilUUID{Set: true, Null: true}
	}
	return oas.NewOptNilUUID(*id)
}
