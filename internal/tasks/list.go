package tasks

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/label"
	"github.com/worksynapse/worksynapse/ent/predicate"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
)

// Filter narrows a task list; zero values do not filter.
type Filter struct {
	Status                                        *task.Status
	Priority                                      *task.Priority
	Type                                          *task.Type
	AssigneeID, ReporterID, SprintID, MilestoneID *uuid.UUID
	LabelID                                       *uuid.UUID
	ParentID                                      *uuid.UUID
	DueBefore, DueAfter                           *time.Time
	IsAIGenerated                                 *bool
	Q                                             string
}

func (f Filter) predicates() []predicate.Task {
	var ps []predicate.Task
	add := func(ok bool, p predicate.Task) {
		if ok {
			ps = append(ps, p)
		}
	}
	add(f.Status != nil, func(s *sql.Selector) { task.StatusEQ(*f.Status)(s) })
	add(f.Priority != nil, func(s *sql.Selector) { task.PriorityEQ(*f.Priority)(s) })
	add(f.Type != nil, func(s *sql.Selector) { task.TypeEQ(*f.Type)(s) })
	add(f.AssigneeID != nil, func(s *sql.Selector) { task.AssigneeID(*f.AssigneeID)(s) })
	add(f.ReporterID != nil, func(s *sql.Selector) { task.ReporterID(*f.ReporterID)(s) })
	add(f.SprintID != nil, func(s *sql.Selector) { task.SprintID(*f.SprintID)(s) })
	add(f.MilestoneID != nil, func(s *sql.Selector) { task.MilestoneID(*f.MilestoneID)(s) })
	add(f.LabelID != nil, func(s *sql.Selector) { task.HasLabelsWith(label.ID(*f.LabelID))(s) })
	add(f.ParentID != nil, func(s *sql.Selector) { task.ParentID(*f.ParentID)(s) })
	add(f.DueBefore != nil, func(s *sql.Selector) { task.DueDateLTE(*f.DueBefore)(s) })
	add(f.DueAfter != nil, func(s *sql.Selector) { task.DueDateGTE(*f.DueAfter)(s) })
	add(f.IsAIGenerated != nil, func(s *sql.Selector) { task.IsAiGenerated(*f.IsAIGenerated)(s) })
	add(f.Q != "", task.Or(task.TitleContainsFold(f.Q), task.DescriptionContainsFold(f.Q)))
	return ps
}

// priorityRank orders priorities by urgency (the enum is stored as text,
// whose alphabetical order means nothing).
const priorityRank = "CASE %s WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END"

var priorityRanks = map[task.Priority]int64{
	task.PriorityUrgent: 4, task.PriorityHigh: 3, task.PriorityMedium: 2, task.PriorityLow: 1,
}

func column(name string) func(*sql.Selector) string {
	return func(s *sql.Selector) string { return s.C(name) }
}

// sorts are the orders a list may be requested in (the allowlist), each
// with its default direction.
var sorts = map[string]pagination.Sort[*ent.Task]{
	"created": {Name: "created", Desc: true},
	"updated_at": {Name: "updated_at", Desc: true, Expr: column(task.FieldUpdatedAt),
		Value: func(t *ent.Task) any { return t.UpdatedAt }},
	"due_date": {Name: "due_date", Nullable: true, Expr: column(task.FieldDueDate),
		Value: func(t *ent.Task) any {
			if t.DueDate == nil {
				return nil
			}
			return *t.DueDate
		}},
	"priority": {Name: "priority", Desc: true,
		Expr:  func(s *sql.Selector) string { return fmt.Sprintf(priorityRank, s.C(task.FieldPriority)) },
		Value: func(t *ent.Task) any { return priorityRanks[t.Priority] }},
	"position": {Name: "position", Expr: column(task.FieldPosition),
		Value: func(t *ent.Task) any { return t.Position }},
}

// List returns one page of a project's tasks, filtered and sorted by the
// named sort ("" is created); desc overrides the sort's direction. One
// statement whatever the page size: the project's key is joined into the
// page, and the privacy rules on tasks keep out a project the viewer may
// not see or that was deleted. Only an empty page reads the project, to
// tell "no such project" (404) from "no tasks".
func (s *Service) List(ctx context.Context, projectID uuid.UUID, f Filter, sortName string, desc *bool, p pagination.Params) (pagination.Page[Task], error) {
	if sortName == "" {
		sortName = "created"
	}
	order, ok := sorts[sortName]
	if !ok {
		return pagination.Page[Task]{}, problem.Validation("unknown sort",
			problem.FieldError{Field: "sort", Message: "not one of created, updated_at, due_date, priority, position"})
	}
	if desc != nil && *desc != order.Desc {
		order.Desc = *desc
		order.Name += map[bool]string{true: ":desc", false: ":asc"}[*desc]
	}
	q := s.client.Task.Query().Where(task.ProjectID(projectID)).Where(f.predicates()...)
	q.Modify(joinProjectKey)
	page, err := pagination.ListSorted(ctx, q, p, order, func(t *ent.Task) uuid.UUID { return t.ID })
	if err != nil {
		return pagination.Page[Task]{}, err
	}
	if len(page.Items) == 0 {
		if _, err := s.client.Project.Get(ctx, projectID); err != nil {
			return pagination.Page[Task]{}, err
		}
	}
	out := pagination.Page[Task]{Items: make([]Task, len(page.Items)), NextCursor: page.NextCursor}
	for i, t := range page.Items {
		key, err := projectKeyOf(t)
		if err != nil {
			return pagination.Page[Task]{}, err
		}
		out.Items[i] = Task{Task: t, Key: Key(key, t.Number)}
	}
	return out, nil
}

// Activity is the task's audit trail, newest first. The task must be
// visible to the viewer; its history then is too.
func (s *Service) Activity(ctx context.Context, taskID uuid.UUID, p pagination.Params) (pagination.Page[*ent.ActivityLog], error) {
	ok, err := s.client.Task.Query().Where(task.ID(taskID)).Exist(ctx)
	if err != nil {
		return pagination.Page[*ent.ActivityLog]{}, err
	}
	if !ok {
		return pagination.Page[*ent.ActivityLog]{}, problem.NotFound("the task does not exist")
	}
	return audit.ResourceFeed(ctx, s.client, "Task", taskID, p)
}
