package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/board"
	"github.com/worksynapse/worksynapse/ent/boardcolumn"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/softdelete"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

type columnJSON struct {
	ID           uuid.UUID `json:"id"`
	BoardID      uuid.UUID `json:"board_id"`
	Name         string    `json:"name"`
	Position     int       `json:"position"`
	WipLimit     *int      `json:"wip_limit"`
	MappedStatus string    `json:"mapped_status"`
}

type boardJSON struct {
	ID        uuid.UUID    `json:"id"`
	ProjectID uuid.UUID    `json:"project_id"`
	Name      string       `json:"name"`
	IsDefault bool         `json:"is_default"`
	Columns   []columnJSON `json:"columns"`
}

type boardPage struct {
	Items      []boardJSON `json:"items"`
	NextCursor *string     `json:"next_cursor"`
}

func (w *projectWorld) boards(user string) []boardJSON {
	w.t.Helper()
	var page boardPage
	w.must(200, user, "GET", w.path+"/boards", nil, &page)
	return page.Items
}

// columnNames renders columns as "name=status" in their listed order,
// checking that positions ascend.
func columnNames(t *testing.T, cols []columnJSON) string {
	t.Helper()
	var out []string
	for i, c := range cols {
		if i > 0 && c.Position <= cols[i-1].Position {
			t.Errorf("positions do not ascend: %+v", cols)
		}
		out = append(out, c.Name+"="+c.MappedStatus)
	}
	return strings.Join(out, ",")
}

func TestBoardsListDefaultBoardWithOrderedColumns(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newProjectWorld(t, db)
		for _, user := range []string{"alice", "bobby"} {
			bs := w.boards(user)
			if len(bs) != 1 || !bs[0].IsDefault || bs[0].ID != *w.proj.DefaultBoardID || bs[0].ProjectID != w.proj.ID {
				t.Fatalf("%s boards: %+v", user, bs)
			}
			if got := columnNames(t, bs[0].Columns); got != "To Do=todo,In Progress=in_progress,In Review=in_review,Done=done" {
				t.Errorf("%s default columns: %s", user, got)
			}
		}
		var second boardJSON
		w.must(201, "alice", "POST", w.path+"/boards", map[string]string{"name": "Release"}, &second)
		if second.Name != "Release" || second.IsDefault || len(second.Columns) != 0 {
			t.Errorf("created board: %+v", second)
		}
		if bs := w.boards("alice"); len(bs) != 2 || bs[0].ID != second.ID {
			t.Errorf("boards after create (newest first): %+v", bs)
		}
		var renamed boardJSON
		if code, body := w.do("alice", "PATCH", "/boards/"+second.ID.String(), map[string]string{"name": "Release 2"},
			http.Header{"If-Match": {`"1"`}}); code != 200 || json.Unmarshal(body, &renamed) != nil {
			t.Fatalf("rename: %d %s", code, body)
		}
		if renamed.Name != "Release 2" {
			t.Errorf("renamed: %+v", renamed)
		}
		wantActions(t, w.activity(second.ID), "board.create", "board.update")

		// The default board stays; another one is soft-deleted.
		if code, body := w.do("alice", "DELETE", "/boards/"+w.proj.DefaultBoardID.String(), nil, nil); code != 409 {
			t.Errorf("deleting the default board: %d %s", code, body)
		}
		w.must(204, "alice", "DELETE", "/boards/"+second.ID.String(), nil, nil)
		if bs := w.boards("alice"); len(bs) != 1 {
			t.Errorf("boards after delete: %+v", bs)
		}
		gone := db.Ent.Board.Query().Where(board.ID(second.ID)).OnlyX(softdelete.Skip(testfix.System()))
		if gone.DeletedAt == nil {
			t.Errorf("board not soft-deleted: %+v", gone)
		}
	})
}

func TestBoardColumnsAddRenameReorderDelete(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newProjectWorld(t, db)
		b := w.boards("alice")[0]
		colsPath := "/boards/" + b.ID.String() + "/columns"
		var qa columnJSON
		w.must(201, "alice", "POST", colsPath, map[string]any{"name": "QA", "mapped_status": "in_review", "wip_limit": 3}, &qa)
		if qa.Position != 4 || qa.WipLimit == nil || *qa.WipLimit != 3 || qa.BoardID != b.ID {
			t.Errorf("appended column: %+v", qa)
		}
		var renamed columnJSON
		w.must(200, "alice", "PATCH", "/columns/"+qa.ID.String(), map[string]any{"name": "Testing", "wip_limit": nil}, &renamed)
		if renamed.Name != "Testing" || renamed.WipLimit != nil || renamed.MappedStatus != "in_review" {
			t.Errorf("renamed column: %+v", renamed)
		}
		if c := db.Ent.BoardColumn.GetX(testfix.System(), qa.ID); c.WipLimit != nil || c.Name != "Testing" {
			t.Errorf("stored column: %+v", c)
		}

		cols := w.boards("alice")[0].Columns
		ids := []uuid.UUID{cols[4].ID, cols[3].ID, cols[2].ID, cols[1].ID, cols[0].ID}
		var reordered boardJSON
		w.must(200, "alice", "PUT", colsPath+"/order", map[string]any{"column_ids": ids}, &reordered)
		want := "Testing=in_review,Done=done,In Review=in_review,In Progress=in_progress,To Do=todo"
		if got := columnNames(t, reordered.Columns); got != want {
			t.Errorf("reordered: %s", got)
		}
		if got := columnNames(t, w.boards("alice")[0].Columns); got != want {
			t.Errorf("listed after reorder: %s", got)
		}
		for i, id := range ids {
			if c := db.Ent.BoardColumn.GetX(testfix.System(), id); c.Position != i {
				t.Errorf("position of %s: %d, want %d", c.Name, c.Position, i)
			}
		}
		// Not exactly the board's columns: 422, nothing changes.
		for what, bad := range map[string][]uuid.UUID{
			"missing one":  ids[:4],
			"duplicate":    {ids[0], ids[0], ids[1], ids[2], ids[3]},
			"foreign id":   {ids[0], ids[1], ids[2], ids[3], uuid.New()},
			"extra column": append(append([]uuid.UUID{}, ids...), uuid.New()),
		} {
			if code, body := w.do("alice", "PUT", colsPath+"/order", map[string]any{"column_ids": bad}, nil); code != 422 {
				t.Errorf("reorder %s: %d %s", what, code, body)
			}
		}
		if got := columnNames(t, w.boards("alice")[0].Columns); got != want {
			t.Errorf("a refused reorder changed the order: %s", got)
		}

		w.must(204, "alice", "DELETE", "/columns/"+qa.ID.String(), nil, nil)
		if got := w.boards("alice")[0].Columns; len(got) != 4 {
			t.Errorf("columns after delete: %+v", got)
		}
		wantActions(t, w.activity(qa.ID), "board_column.create", "board_column.update", "board_column.update", "board_column.delete")
		if code, _ := w.do("alice", "PATCH", "/columns/"+qa.ID.String(), map[string]any{"name": "Back"}, nil); code != 404 {
			t.Errorf("PATCH of a deleted column: %d", code)
		}
	})
}

func TestBoardColumnWIPLimitAndNonEmptyDelete(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newProjectWorld(t, db)
		cols := w.boards("alice")[0].Columns
		inProgress := cols[1]
		w.must(200, "alice", "PATCH", "/columns/"+inProgress.ID.String(), map[string]any{"wip_limit": 1}, nil)
		var a, b taskJSON
		w.must(201, "alice", "POST", w.path+"/tasks", map[string]any{"title": "A"}, &a)
		w.must(201, "alice", "POST", w.path+"/tasks", map[string]any{"title": "B"}, &b)
		var moved taskJSON
		w.must(200, "alice", "POST", "/tasks/"+a.ID.String()+"/move", map[string]any{"column_id": inProgress.ID}, &moved)
		if moved.Status != "in_progress" {
			t.Errorf("moved: %+v", moved)
		}
		code, body := w.do("alice", "POST", "/tasks/"+b.ID.String()+"/move", map[string]any{"column_id": inProgress.ID}, nil)
		if code != 409 || !strings.Contains(problemOf(t, body).Detail, "WIP limit of 1") {
			t.Errorf("move into the full column: %d %s", code, body)
		}
		code, body = w.do("alice", "DELETE", "/columns/"+inProgress.ID.String(), nil, nil)
		if code != 409 || !strings.Contains(problemOf(t, body).Detail, "1 tasks") {
			t.Errorf("deleting a non-empty column: %d %s", code, body)
		}
		if c := db.Ent.BoardColumn.Query().Where(boardcolumn.ID(inProgress.ID)).OnlyX(testfix.System()); c.DeletedAt != nil {
			t.Errorf("refused delete removed the column")
		}
		if code, body := w.do("bobby", "DELETE", "/columns/"+inProgress.ID.String(), nil, nil); code != 403 {
			t.Errorf("viewer deleting a non-empty column: %d %s", code, body)
		}
		// A board whose lanes hold tasks cannot be deleted either.
		var other boardJSON
		var lane columnJSON
		w.must(201, "alice", "POST", w.path+"/boards", map[string]string{"name": "Other"}, &other)
		w.must(201, "alice", "POST", "/boards/"+other.ID.String()+"/columns", map[string]any{"name": "Lane", "mapped_status": "todo"}, &lane)
		if lane.Position != 0 {
			t.Errorf("first column of a new board: %+v", lane)
		}
		w.must(201, "alice", "POST", w.path+"/tasks", map[string]any{"title": "C", "column_id": lane.ID}, nil)
		if code, body := w.do("alice", "DELETE", "/boards/"+other.ID.String(), nil, nil); code != 409 {
			t.Errorf("deleting a board holding tasks: %d %s", code, body)
		}
		// Clearing the limit lets the second task in.
		w.must(200, "alice", "PATCH", "/columns/"+inProgress.ID.String(), map[string]any{"wip_limit": nil}, nil)
		w.must(200, "alice", "POST", "/tasks/"+b.ID.String()+"/move", map[string]any{"column_id": inProgress.ID}, nil)
	})
}

func TestBoardsTenantIsolationAndViewerWrites(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newProjectWorld(t, db)
		b := w.boards("alice")[0]
		col := b.Columns[0]
		order := map[string]any{"column_ids": []uuid.UUID{b.Columns[0].ID, b.Columns[1].ID, b.Columns[2].ID, b.Columns[3].ID}}
		writes := []struct {
			method, path string
			body         any
		}{
			{"POST", w.path + "/boards", map[string]string{"name": "X"}},
			{"PATCH", "/boards/" + b.ID.String(), map[string]string{"name": "X"}},
			{"DELETE", "/boards/" + b.ID.String(), nil},
			{"POST", "/boards/" + b.ID.String() + "/columns", map[string]any{"name": "X", "mapped_status": "todo"}},
			{"PATCH", "/columns/" + col.ID.String(), map[string]any{"name": "X"}},
			{"DELETE", "/columns/" + col.ID.String(), nil},
			{"PUT", "/boards/" + b.ID.String() + "/columns/order", order},
		}
		before := db.Ent.ActivityLog.Query().Where(activitylog.ResourceTypeIn("board", "board_column")).CountX(testfix.System())
		current := http.Header{"If-Match": {`"1"`}} // the board's version: the PATCH is refused for who sends it
		for _, wr := range writes {
			if code, body := w.do("bobby", wr.method, wr.path, wr.body, current); code != 403 {
				t.Errorf("viewer %s %s: %d %s", wr.method, wr.path, code, body)
			}
			if code, body := w.do("mallory", wr.method, wr.path, wr.body, current); code != 404 {
				t.Errorf("other organization %s %s: %d %s", wr.method, wr.path, code, body)
			}
		}
		if code, _ := w.do("mallory", "GET", w.path+"/boards", nil, nil); code != 404 {
			t.Errorf("other organization listing boards: %d", code)
		}
		after := db.Ent.ActivityLog.Query().Where(activitylog.ResourceTypeIn("board", "board_column")).CountX(testfix.System())
		if after != before {
			t.Errorf("refused writes left %d audit rows", after-before)
		}
		if got := columnNames(t, w.boards("alice")[0].Columns); got != "To Do=todo,In Progress=in_progress,In Review=in_review,Done=done" {
			t.Errorf("refused writes changed the board: %s", got)
		}
	})
}
