package projects

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/board"
	"github.com/worksynapse/worksynapse/ent/boardcolumn"
	"github.com/worksynapse/worksynapse/ent/predicate"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/occ"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// BoardWithColumns is a board with its columns ordered by position.
type BoardWithColumns struct {
	*ent.Board
	Columns []*ent.BoardColumn
}

// ColumnInput is what a client may set on a column; nil leaves a field as
// it is. ClearWIP removes the limit (WipLimit is then ignored).
type ColumnInput struct {
	Name         *string
	MappedStatus *boardcolumn.MappedStatus
	WipLimit     *int
	ClearWIP     bool
}

// ListBoards pages through the project's boards with their columns: one
// query for the page of boards, one for all of their columns (no N+1).
func (s *Service) ListBoards(ctx context.Context, projectID uuid.UUID, p pagination.Params) (pagination.Page[BoardWithColumns], error) {
	if _, err := s.client.Project.Get(ctx, projectID); err != nil {
		return pagination.Page[BoardWithColumns]{}, err
	}
	page, err := pagination.List(ctx, s.client.Board.Query().Where(board.ProjectID(projectID)), p,
		func(b *ent.Board) uuid.UUID { return b.ID })
	if err != nil {
		return pagination.Page[BoardWithColumns]{}, err
	}
	ids := make([]uuid.UUID, len(page.Items))
	for i, b := range page.Items {
		ids[i] = b.ID
	}
	byBoard, err := columnsOf(ctx, s.client, ids...)
	if err != nil {
		return pagination.Page[BoardWithColumns]{}, err
	}
	out := pagination.Page[BoardWithColumns]{NextCursor: page.NextCursor, Items: make([]BoardWithColumns, len(page.Items))}
	for i, b := range page.Items {
		out.Items[i] = BoardWithColumns{Board: b, Columns: byBoard[b.ID]}
	}
	return out, nil
}

// columnsOf loads the columns of the boards in one query, grouped by board
// and ordered by position (ties by id, so the order is stable).
func columnsOf(ctx context.Context, c *ent.Client, boards ...uuid.UUID) (map[uuid.UUID][]*ent.BoardColumn, error) {
	cols, err := c.BoardColumn.Query().Where(boardcolumn.BoardIDIn(boards...)).
		Order(boardcolumn.ByPosition(), boardcolumn.ByID()).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("projects: load board columns: %w", err)
	}
	out := make(map[uuid.UUID][]*ent.BoardColumn, len(boards))
	for _, col := range cols {
		out[col.BoardID] = append(out[col.BoardID], col)
	}
	return out, nil
}

// withColumns loads b's columns.
func withColumns(ctx context.Context, c *ent.Client, b *ent.Board) (BoardWithColumns, error) {
	cols, err := columnsOf(ctx, c, b.ID)
	return BoardWithColumns{Board: b, Columns: cols[b.ID]}, err
}

// CreateBoard adds a board without columns to the project.
func (s *Service) CreateBoard(ctx context.Context, projectID uuid.UUID, name string) (BoardWithColumns, error) {
	var out BoardWithColumns
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		p, err := tx.Project.Get(ctx, projectID)
		if err != nil {
			return err
		}
		b, err := tx.Board.Create().SetOrganizationID(p.OrganizationID).SetProjectID(p.ID).SetName(name).Save(ctx)
		out = BoardWithColumns{Board: b, Columns: []*ent.BoardColumn{}}
		return err
	})
	return out, err
}

// RenameBoard changes a board's name if it is still at version (package
// occ: 412 when stale).
func (s *Service) RenameBoard(ctx context.Context, id uuid.UUID, version int, name string) (BoardWithColumns, error) {
	var out BoardWithColumns
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		read, err := tx.Board.Get(ctx, id)
		if err != nil {
			return err
		}
		b, err := occ.Save(ctx, tx.Board.UpdateOneID(id).SetName(name), "board", read.Version, version,
			occ.Reloader(tx.Board.Get, id, func(b *ent.Board) int { return b.Version }))
		if err != nil {
			return err
		}
		out, err = withColumns(ctx, tx.Client(), b)
		return err
	})
	return out, err
}

// DeleteBoard soft-deletes a board and its columns. The default board
// stays (every project has one), and a board whose lanes still hold tasks
// stays too: deleting it would leave them pointing at a dead column.
func (s *Service) DeleteBoard(ctx context.Context, id uuid.UUID) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		b, err := tx.Board.Get(ctx, id)
		if err != nil {
			return err
		}
		// Delete first so that the privacy rules answer before the checks
		// below (a viewer gets 403, not 409); a failed check rolls it back.
		if err := tx.Board.DeleteOneID(id).Exec(ctx); err != nil {
			return rule.DeniedIfFiltered(err, "projects")
		}
		if b.IsDefault {
			return problem.Conflict("the project's default board cannot be deleted")
		}
		n, err := tasksIn(ctx, tx, task.HasColumnWith(boardcolumn.BoardID(id)))
		if err != nil {
			return err
		}
		if n > 0 {
			return problem.Conflict(fmt.Sprintf("the board's columns hold %d tasks; move them first", n))
		}
		_, err = tx.BoardColumn.Delete().Where(boardcolumn.BoardID(id)).Exec(ctx)
		return rule.DeniedIfFiltered(err, "projects")
	})
}

// tasksIn counts the live tasks matching where.
func tasksIn(ctx context.Context, tx *ent.Tx, where predicate.Task) (int, error) {
	// Why a system context: a lane is empty only if it holds no task at
	// all, also none the viewer could not read.
	sys := viewer.NewSystemContext(ctx, "projects: count tasks in board columns")
	n, err := tx.Task.Query().Where(where).Count(sys)
	if err != nil {
		return 0, fmt.Errorf("projects: count tasks: %w", err)
	}
	return n, nil
}

// lockedBoard loads board id, locked for the rest of tx on PostgreSQL so
// that concurrent column appends and reorders of one board run one after
// the other (404 if invisible).
func lockedBoard(ctx context.Context, tx *ent.Tx, id uuid.UUID) (*ent.Board, error) {
	q := tx.Board.Query().Where(board.ID(id)).Unique(false)
	q.Modify(lockOnPostgres)
	return q.Only(ctx)
}

// CreateColumn appends a column at the right end of the board.
func (s *Service) CreateColumn(ctx context.Context, boardID uuid.UUID, name string, status boardcolumn.MappedStatus, wip *int) (*ent.BoardColumn, error) {
	var out *ent.BoardColumn
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		b, err := lockedBoard(ctx, tx, boardID)
		if err != nil {
			return err
		}
		last, err := tx.BoardColumn.Query().Where(boardcolumn.BoardID(b.ID)).
			Order(boardcolumn.ByPosition(sql.OrderDesc())).Limit(1).All(ctx)
		if err != nil {
			return fmt.Errorf("projects: last column: %w", err)
		}
		pos := 0
		if len(last) > 0 {
			pos = last[0].Position + 1
		}
		out, err = tx.BoardColumn.Create().SetOrganizationID(b.OrganizationID).SetBoardID(b.ID).SetName(name).
			SetMappedStatus(status).SetNillableWipLimit(wip).SetPosition(pos).Save(ctx)
		return err
	})
	return out, err
}

// UpdateColumn changes the fields set in in.
func (s *Service) UpdateColumn(ctx context.Context, id uuid.UUID, in ColumnInput) (*ent.BoardColumn, error) {
	var out *ent.BoardColumn
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if _, err := tx.BoardColumn.Get(ctx, id); err != nil {
			return err
		}
		u := tx.BoardColumn.UpdateOneID(id).SetNillableName(in.Name).SetNillableMappedStatus(in.MappedStatus)
		if in.ClearWIP {
			u.ClearWipLimit()
		} else {
			u.SetNillableWipLimit(in.WipLimit)
		}
		var err error
		out, err = u.Save(ctx)
		return rule.DeniedIfFiltered(err, "projects")
	})
	return out, err
}

// DeleteColumn soft-deletes an empty column (409 while it holds tasks).
func (s *Service) DeleteColumn(ctx context.Context, id uuid.UUID) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		col, err := lockedColumn(ctx, tx, id)
		if err != nil {
			return err
		}
		// Delete first so that the privacy rules answer before the check
		// (403 before 409); a non-empty column rolls the delete back.
		if err := tx.BoardColumn.DeleteOneID(id).Exec(ctx); err != nil {
			return rule.DeniedIfFiltered(err, "projects")
		}
		n, err := tasksIn(ctx, tx, task.ColumnID(col.ID))
		if err != nil {
			return err
		}
		if n > 0 {
			return problem.Conflict(fmt.Sprintf("column %q holds %d tasks; move them first", col.Name, n))
		}
		return nil
	})
}

// lockedColumn loads column id locked for the rest of tx on PostgreSQL:
// task moves lock the column they enter, so none slips in while it is
// being deleted.
func lockedColumn(ctx context.Context, tx *ent.Tx, id uuid.UUID) (*ent.BoardColumn, error) {
	q := tx.BoardColumn.Query().Where(boardcolumn.ID(id)).Unique(false)
	q.Modify(lockOnPostgres)
	return q.Only(ctx)
}

// ReorderColumns sets the positions of the board's columns to 0..n-1 in
// the order of ids, which must list each of them exactly once (422).
func (s *Service) ReorderColumns(ctx context.Context, boardID uuid.UUID, ids []uuid.UUID) (BoardWithColumns, error) {
	var out BoardWithColumns
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		b, err := lockedBoard(ctx, tx, boardID)
		if err != nil {
			return err
		}
		current, err := tx.BoardColumn.Query().Where(boardcolumn.BoardID(b.ID)).IDs(ctx)
		if err != nil {
			return fmt.Errorf("projects: load columns: %w", err)
		}
		if !sameSet(current, ids) {
			return problem.Validation("column_ids must list every column of the board exactly once",
				problem.FieldError{Field: "column_ids", Message: fmt.Sprintf("expected the board's %d column ids, each once", len(current))})
		}
		for pos, id := range ids {
			if err := tx.BoardColumn.UpdateOneID(id).SetPosition(pos).Exec(ctx); err != nil {
				return rule.DeniedIfFiltered(err, "projects")
			}
		}
		out, err = withColumns(ctx, tx.Client(), b)
		return err
	})
	return out, err
}

// sameSet reports whether b holds exactly the elements of a, each once.
func sameSet(a, b []uuid.UUID) bool {
	if len(a) != len(b) {
		return false
	}
	seen := make(map[uuid.UUID]bool, len(a))
	for _, id := range a {
		seen[id] = true
	}
	for _, id := range b {
		if !seen[id] {
			return false
		}
		delete(seen, id)
	}
	return true
}
