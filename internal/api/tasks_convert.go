package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/richtext"
	"github.com/worksynapse/worksynapse/internal/tasks"
)

type (
	uuidT = uuid.UUID
	timeT = time.Time
)

// ToAPITask converts a task with its key.
func ToAPITask(t tasks.Task) *oas.TaskInfo {
	out := &oas.TaskInfo{
		ID: t.ID, OrganizationID: t.OrganizationID, ProjectID: t.ProjectID, Number: t.Number, Key: t.Key,
		Title: t.Title, Status: oas.TaskStatus(t.Status), Priority: oas.TaskPriority(t.Priority),
		Type: oas.TaskType(t.Type), ReporterID: t.ReporterID, Position: t.Position,
		IsAiGenerated: t.IsAiGenerated, Version: t.Version, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		AiGeneratingAgentID: optVal(t.AiGeneratingAgentID, oas.NewOptUUID),
	}
	if t.Description != "" {
		out.Description = oas.NewOptString(t.Description)
		if html, err := richtext.HTML(t.Description); err == nil {
			out.DescriptionHTML = oas.NewOptString(html)
		}
	}
	setOpt(&out.AssigneeID, t.AssigneeID, oas.NewOptUUID)
	setOpt(&out.ParentID, t.ParentID, oas.NewOptUUID)
	setOpt(&out.SprintID, t.SprintID, oas.NewOptUUID)
	setOpt(&out.MilestoneID, t.MilestoneID, oas.NewOptUUID)
	setOpt(&out.ColumnID, t.ColumnID, oas.NewOptUUID)
	setOpt(&out.StartDate, t.StartDate, oas.NewOptDate)
	setOpt(&out.DueDate, t.DueDate, oas.NewOptDate)
	setOpt(&out.CompletedAt, t.CompletedAt, oas.NewOptDateTime)
	setOpt(&out.EstimateMinutes, t.EstimateMinutes, oas.NewOptInt)
	setOpt(&out.StoryPoints, t.StoryPoints, oas.NewOptFloat64)
	return out
}

// setOpt sets an optional response field from a nillable value.
func setOpt[T, O any](dst *O, v *T, mk func(T) O) {
	if v != nil {
		*dst = mk(*v)
	}
}

// ptr is v when ok (an ogen Opt's Get), else nil.
func ptr[T any](v T, ok bool) *T {
	if !ok {
		return nil
	}
	return &v
}

// enumPtr converts an optional API enum to the ent enum of the same values.
func enumPtr[To ~string, From ~string](v From, ok bool) *To {
	if !ok {
		return nil
	}
	out := To(v)
	return &out
}

// nilable is an ogen OptNil value: absent, null or set.
type nilable[T any] interface {
	IsSet() bool
	Get() (T, bool)
}

// patch maps an OptNil field of a PATCH body (null clears).
func patch[T any](o nilable[T]) tasks.Opt[T] {
	if v, ok := o.Get(); ok {
		return tasks.Opt[T]{Set: true, Value: &v}
	}
	return tasks.Opt[T]{Set: o.IsSet()}
}
