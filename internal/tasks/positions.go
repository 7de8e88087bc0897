package tasks

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/predicate"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Placement says where a moved task goes in its column: a position as
// given, right after or right before another task of the column, or (the
// zero value) at the end. At most one is set.
type Placement struct {
	Position          *int64
	AfterID, BeforeID *uuid.UUID
}

// place computes the moved task's position in col. Relative placements
// take the midpoint of the two neighbours; when no integer is left
// between them (repeated moves into one slot halve the gap each time) the
// column is renumbered first, in the move's transaction and under the
// column's lock (see lockColumn), so positions never collide and never run
// out. A placement at either end steps positionStep past the last or
// before the first task.
func (s *Service) place(ctx context.Context, tx *ent.Tx, t *ent.Task, col *ent.BoardColumn, pl Placement) (int64, error) {
	set := 0
	for _, ok := range []bool{pl.Position != nil, pl.AfterID != nil, pl.BeforeID != nil} {
		if ok {
			set++
		}
	}
	switch {
	case set > 1:
		return 0, problem.Validation("at most one of position, after_id and before_id",
			problem.FieldError{Field: "position", Message: "give one of position, after_id, before_id"})
	case pl.Position != nil:
		return *pl.Position, nil
	case set == 0:
		return nextPosition(ctx, tx, t.ProjectID, &col.ID)
	}
	field, anchorID, after := "before_id", pl.BeforeID, false
	if pl.AfterID != nil {
		field, anchorID, after = "after_id", pl.AfterID, true
	}
	if *anchorID == t.ID {
		return 0, problem.Validation("a task cannot be placed next to itself",
			problem.FieldError{Field: field, Message: "must be another task of the column"})
	}
	// Why a system context: tasks the viewer cannot read still occupy the
	// lane (as in nextPosition).
	sys := viewer.NewSystemContext(ctx, "tasks: neighbours of a moved task")
	for renumbered := false; ; renumbered = true {
		anchor, err := tx.Task.Query().Where(task.ID(*anchorID), task.ColumnID(col.ID)).Only(sys)
		if ent.IsNotFound(err) {
			return 0, problem.Validation("the neighbour is not in the column",
				problem.FieldError{Field: field, Message: "not a task of the target column"})
		}
		if err != nil {
			return 0, err
		}
		other, found, err := neighbour(sys, tx, col.ID, t.ID, anchor, after)
		if err != nil {
			return 0, err
		}
		lo, hi := anchor.Position, other
		if !after {
			lo, hi = other, anchor.Position
		}
		switch {
		case !found && after:
			return anchor.Position + positionStep, nil
		case !found:
			return anchor.Position - positionStep, nil
		case hi-lo >= 2:
			return lo + (hi-lo)/2, nil
		case renumbered:
			return 0, fmt.Errorf("tasks: no room in column %s after renumbering", col.ID)
		}
		if err := s.renumber(ctx, tx, col.ID, t.ID); err != nil {
			return 0, err
		}
	}
}

// neighbour is the position of the task next to anchor in the column's
// order (position, then id), after it or before it, leaving out the task
// being moved; found is false at the end of the lane.
func neighbour(ctx context.Context, tx *ent.Tx, column, moving uuid.UUID, anchor *ent.Task, after bool) (int64, bool, error) {
	beyond := task.Or(task.PositionGT(anchor.Position), task.And(task.Position(anchor.Position), idCompare(anchor.ID, true)))
	order := []task.OrderOption{task.ByPosition(), task.ByID()}
	if !after {
		beyond = task.Or(task.PositionLT(anchor.Position), task.And(task.Position(anchor.Position), idCompare(anchor.ID, false)))
		order = []task.OrderOption{task.ByPosition(sql.OrderDesc()), task.ByID(sql.OrderDesc())}
	}
	next, err := tx.Task.Query().Where(task.ColumnID(column), task.IDNEQ(moving), beyond).
		Order(order...).First(ctx)
	if ent.IsNotFound(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return next.Position, true, nil
}

// idCompare is id > than (greater) or id < than.
func idCompare(than uuid.UUID, greater bool) predicate.Task {
	if greater {
		return task.IDGT(than)
	}
	return task.IDLT(than)
}

// renumber spaces the live tasks of a column positionStep apart in their
// current order (position, then id), leaving out the task being moved.
// Why raw SQL: it is bookkeeping, like the task number counter: the order
// a user sees does not change, so it neither bumps versions (no client's
// pending edit becomes stale) nor writes an audit row per task; one
// statement rewrites the lane whatever its length.
func (s *Service) renumber(ctx context.Context, tx *ent.Tx, column, moving uuid.UUID) error {
	query := `UPDATE tasks SET position = r.rn * %[1]d FROM (
	SELECT id, ROW_NUMBER() OVER (ORDER BY position, id) AS rn FROM tasks
	WHERE column_id = %[2]s AND deleted_at IS NULL AND id <> %[3]s) AS r
WHERE tasks.id = r.id`
	ph := []any{"?", "?"}
	if s.dialect == dialect.Postgres {
		ph = []any{"$1", "$2"}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(query, positionStep, ph[0], ph[1]), column, moving); err != nil {
		return fmt.Errorf("tasks: renumber column %s: %w", column, err)
	}
	return nil
}
