// Package tasks is the task logic behind the API: gap-free per-project
// numbering, reference checks (everything a task points to lives in its
// project; assignees are members), optimistic concurrency, board moves
// under WIP limits, filtered lists and the activity feed. Authorization is
// the privacy rules' job: every read and write runs as the viewer. A few
// checks run before the write the rules would refuse anyway, to fail
// early with a clearer 403: attaching (before the blob is stored) and
// labelling a task go through internal/authz; editing or deleting a
// comment (author or moderator) is a rule of its own.
package tasks

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/board"
	"github.com/worksynapse/worksynapse/ent/boardcolumn"
	"github.com/worksynapse/worksynapse/ent/milestone"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/project"
	"github.com/worksynapse/worksynapse/ent/sprint"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/approvals"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// positionStep is the gap between neighbouring positions in a column.
const positionStep = 1024

// Service implements the task operations.
type Service struct {
	client  *ent.Client
	dialect string
}

// New returns the service; dialect is the database's (dialect.Postgres or
// dialect.SQLite), which decides how rows are locked.
func New(client *ent.Client, dialectName string) *Service {
	return &Service{client: client, dialect: dialectName}
}

// Task is a task with its key ("WS-42").
type Task struct {
	*ent.Task
	Key string
}

// Refs are the references a task can hold; nil leaves one unset.
type Refs struct {
	AssigneeID, ParentID, SprintID, MilestoneID *uuid.UUID
}

// CreateInput are the fields a client may set on a new task.
type CreateInput struct {
	Refs
	Title, Description string
	Status             *task.Status
	Priority           *task.Priority
	Type               *task.Type
	ColumnID           *uuid.UUID
	StartDate, DueDate *time.Time
	EstimateMinutes    *int
	StoryPoints        *float64
	// CallID and ActionID name the agent's model call and tool action that
	// produced the task (AgentTask provenance); only an agent sends them.
	CallID, ActionID *uuid.UUID
}

// Create adds a task to a project, numbered from the project's counter in
// the same transaction as the insert and its audit row.
func (s *Service) Create(ctx context.Context, projectID uuid.UUID, in CreateInput) (Task, error) {
	var out Task
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		p, err := tx.Project.Get(ctx, projectID)
		if err != nil {
			return err
		}
		if err := checkRefs(ctx, tx, p.OrganizationID, p.ID, uuid.Nil, in.Refs); err != nil {
			return err
		}
		status := task.StatusBacklog
		if in.Status != nil {
			status = *in.Status
		}
		var col *ent.BoardColumn
		if in.ColumnID != nil {
			if col, err = s.lockColumn(ctx, tx, p.ID, *in.ColumnID); err != nil {
				return err
			}
			if in.Status != nil && *in.Status != task.Status(col.MappedStatus) {
				return problem.Validation("the status contradicts the column",
					problem.FieldError{Field: "status", Message: "a column's tasks have its mapped status " + string(col.MappedStatus)})
			}
			status = task.Status(col.MappedStatus)
			if err := checkWIP(ctx, tx, col); err != nil {
				return err
			}
		}
		// The number first: its UPDATE locks the project row, so the
		// position read after it sees every earlier create's task.
		n, err := s.allocateNumber(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		pos, err := nextPosition(ctx, tx, p.ID, in.ColumnID)
		if err != nil {
			return err
		}
		reporter, agentID, err := reporterOf(ctx, tx)
		if err != nil {
			return err
		}
		if agentID == uuid.Nil {
			if err := userProvenance(in); err != nil {
				return err
			}
		}
		c := tx.Task.Create().SetOrganizationID(p.OrganizationID).SetProjectID(p.ID).SetNumber(n).
			SetTitle(in.Title).SetDescription(in.Description).SetStatus(status).
			SetNillablePriority(in.Priority).SetNillableType(in.Type).SetReporterID(reporter).
			SetNillableAssigneeID(in.AssigneeID).SetNillableParentID(in.ParentID).SetNillableSprintID(in.SprintID).
			SetNillableMilestoneID(in.MilestoneID).SetNillableColumnID(in.ColumnID).SetPosition(pos).
			SetNillableStartDate(in.StartDate).SetNillableDueDate(in.DueDate).
			SetNillableEstimateMinutes(in.EstimateMinutes).SetNillableStoryPoints(in.StoryPoints)
		if closed(status) {
			c.SetCompletedAt(time.Now())
		}
		if agentID != uuid.Nil {
			c.SetIsAiGenerated(true).SetAiGeneratingAgentID(agentID)
		}
		t, err := c.Save(ctx)
		if err != nil {
			return err
		}
		out = Task{Task: t, Key: Key(p.Key, n)}
		if agentID != uuid.Nil {
			// The provenance link, checked and written in this transaction: a
			// call or action that is not the agent's undoes the whole create.
			return approvals.LinkTask(ctx, tx, agentID, t.ID, in.CallID, in.ActionID)
		}
		return nil
	})
	return out, err
}

// reporterOf is who a new task is reported by: the user, or, for an agent
// acting through its key, the user accountable for the agent (its
// creator), with the agent returned for the AI provenance fields.
func reporterOf(ctx context.Context, tx *ent.Tx) (reporter, agentID uuid.UUID, err error) {
	v := viewer.FromContext(ctx)
	if v.AgentID == uuid.Nil {
		return v.UserID, uuid.Nil, nil
	}
	a, err := tx.Agent.Get(ctx, v.AgentID)
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	if a.CreatedBy == nil {
		return uuid.Nil, uuid.Nil, problem.Conflict("the agent has no accountable user to report its tasks")
	}
	return *a.CreatedBy, a.ID, nil
}

// userProvenance refuses a call or action named by a user: AI provenance
// is the agent's own statement, made with its key, never a user's claim.
func userProvenance(in CreateInput) error {
	var errs []problem.FieldError
	if in.CallID != nil {
		errs = append(errs, problem.FieldError{Field: approvals.HeaderCall, Message: "only an agent (X-API-Key) names the call that produced its task"})
	}
	if in.ActionID != nil {
		errs = append(errs, problem.FieldError{Field: approvals.HeaderAction, Message: "only an agent (X-API-Key) names the action that produced its task"})
	}
	if errs != nil {
		return problem.Validation("AI provenance is for tasks an agent creates", errs...)
	}
	return nil
}

// allocateNumber takes the project's next task number. The increment is
// one UPDATE ... RETURNING: on PostgreSQL it holds the project row's lock
// until the transaction ends, so concurrent creators queue and numbers are
// gap-free (a rolled-back create releases its number with the lock);
// SQLite serializes writers. Why raw SQL: the counter is bookkeeping, not
// a change of the project the viewer makes, so it must neither need
// project:update nor write a project.update audit row; the project was
// read through the privacy rules just before.
func (s *Service) allocateNumber(ctx context.Context, tx *ent.Tx, projectID uuid.UUID) (int, error) {
	query, args := sql.Dialect(s.dialect).Update(project.Table).
		Add(project.FieldNextTaskNumber, 1).
		Where(sql.And(sql.EQ(project.FieldID, projectID), sql.IsNull(project.FieldDeletedAt))).
		Returning(project.FieldNextTaskNumber).Query()
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("tasks: allocate number: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("tasks: allocate number: %w", err)
		}
		return 0, problem.NotFound("the project does not exist")
	}
	var next int
	if err := rows.Scan(&next); err != nil {
		return 0, fmt.Errorf("tasks: allocate number: %w", err)
	}
	return next - 1, rows.Close()
}

// Key is a task's key, e.g. "WS-42".
func Key(projectKey string, number int) string { return fmt.Sprintf("%s-%d", projectKey, number) }

// closed reports whether status ends the work (completed_at is set).
func closed(s task.Status) bool { return s == task.StatusDone || s == task.StatusCancelled }

// checkRefs verifies that every reference set in r lives in the task's
// project (the assignee: is an active member of its organization). A bad
// reference is a 422 naming the field; self is the task being updated.
func checkRefs(ctx context.Context, tx *ent.Tx, org, projectID, self uuid.UUID, r Refs) error {
	invalid := func(field, msg string) error {
		return problem.Validation("a referenced resource is invalid", problem.FieldError{Field: field, Message: msg})
	}
	if r.AssigneeID != nil {
		// Why a system context: membership is checked, not disclosed, and a
		// viewer without member:read may still assign a colleague.
		sys := viewer.NewSystemContext(ctx, "tasks: check assignee membership")
		ok, err := tx.OrganizationMember.Query().Where(organizationmember.OrganizationID(org),
			organizationmember.UserID(*r.AssigneeID), organizationmember.StatusEQ(organizationmember.StatusActive)).Exist(sys)
		if err != nil {
			return err
		}
		if !ok {
			return invalid("assignee_id", "not an active member of the organization")
		}
	}
	if r.ParentID != nil {
		ok, err := tx.Task.Query().Where(task.ID(*r.ParentID), task.ProjectID(projectID)).Exist(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return invalid("parent_id", "not a task of this project")
		}
		if cyclic, err := descends(ctx, tx, *r.ParentID, self); err != nil || cyclic {
			if err != nil {
				return err
			}
			return invalid("parent_id", "the parent is a descendant of the task (hierarchies cannot loop)")
		}
	}
	if r.SprintID != nil {
		ok, err := tx.Sprint.Query().Where(sprint.ID(*r.SprintID), sprint.ProjectID(projectID)).Exist(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return invalid("sprint_id", "not a sprint of this project")
		}
	}
	if r.MilestoneID != nil {
		ok, err := tx.Milestone.Query().Where(milestone.ID(*r.MilestoneID), milestone.ProjectID(projectID)).Exist(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return invalid("milestone_id", "not a milestone of this project")
		}
	}
	return nil
}

// lockColumn loads a column of one of the project's boards. On PostgreSQL
// the row is locked (FOR UPDATE) until the transaction ends, so two moves
// into the same column count its tasks one after the other and cannot
// both pass the WIP limit; SQLite has no FOR UPDATE but runs one writer
// at a time.
func (s *Service) lockColumn(ctx context.Context, tx *ent.Tx, projectID, columnID uuid.UUID) (*ent.BoardColumn, error) {
	q := tx.BoardColumn.Query().Where(boardcolumn.ID(columnID),
		boardcolumn.HasBoardWith(board.ProjectID(projectID), board.DeletedAtIsNil()))
	if s.dialect == dialect.Postgres {
		q = q.ForUpdate()
	}
	col, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, problem.Validation("the column is invalid",
			problem.FieldError{Field: "column_id", Message: "not a column of a board of this project"})
	}
	return col, err
}

// checkWIP refuses a task entering col when it holds wip_limit tasks.
func checkWIP(ctx context.Context, tx *ent.Tx, col *ent.BoardColumn) error {
	if col.WipLimit == nil {
		return nil
	}
	// Why a system context: the limit counts every task in the lane, also
	// those the viewer could not read.
	sys := viewer.NewSystemContext(ctx, "tasks: count WIP")
	n, err := tx.Task.Query().Where(task.ColumnID(col.ID)).Count(sys)
	if err != nil {
		return err
	}
	if n >= *col.WipLimit {
		return problem.Conflict(fmt.Sprintf("column %q is at its WIP limit of %d tasks", col.Name, *col.WipLimit))
	}
	return nil
}

// nextPosition is after the last task of the column (or of the project's
// tasks on no column).
func nextPosition(ctx context.Context, tx *ent.Tx, projectID uuid.UUID, columnID *uuid.UUID) (int64, error) {
	q := tx.Task.Query().Where(task.ProjectID(projectID))
	if columnID != nil {
		q.Where(task.ColumnID(*columnID))
	} else {
		q.Where(task.ColumnIDIsNil())
	}
	// Why a system context: positions of tasks the viewer cannot read still
	// occupy the lane.
	sys := viewer.NewSystemContext(ctx, "tasks: next position")
	last, err := q.Order(ent.Desc(task.FieldPosition)).Limit(1).Select(task.FieldPosition).Ints(sys)
	if err != nil || len(last) == 0 {
		return positionStep, err
	}
	return int64(last[0]) + positionStep, nil
}

// maxDepth bounds the walk up a task hierarchy (real ones are a few
// levels: epic, story, subtask).
const maxDepth = 64

// descends reports whether task id is self or lies below self (so making
// it self's parent would close a loop). New tasks (self nil) have no
// descendants.
func descends(ctx context.Context, tx *ent.Tx, id, self uuid.UUID) (bool, error) {
	if self == uuid.Nil {
		return false, nil
	}
	for range maxDepth {
		if id == self {
			return true, nil
		}
		t, err := tx.Task.Query().Where(task.ID(id)).Select(task.FieldParentID).Only(ctx)
		if err != nil || t.ParentID == nil {
			return false, err
		}
		id = *t.ParentID
	}
	return true, nil // deeper than any real hierarchy: refuse rather than loop
}
