package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// TestRepeatedMovesIntoOneSlotKeepAStrictOrder: 64 tasks moved one after
// the other right after the same task (each move halves the gap between
// the two neighbours, so integers run out after ten moves) keep strictly
// increasing, distinct positions, and the position-sorted list shows the
// order the moves made: the column is renumbered when the gap is gone.
func TestRepeatedMovesIntoOneSlotKeepAStrictOrder(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newProjectWorld(t, db)
		cols := w.boards("alice")[0].Columns
		todo, doing := cols[0].ID, cols[1].ID
		create := func(title string, column uuid.UUID) uuid.UUID {
			var tk taskJSON
			w.must(201, "alice", "POST", w.path+"/tasks", map[string]any{"title": title, "column_id": column}, &tk)
			return tk.ID
		}
		first, last := create("first", todo), create("last", todo)
		const n = 64
		moved := make([]uuid.UUID, n)
		for i := range n {
			moved[i] = create(fmt.Sprintf("moved %d", i), doing)
		}
		for _, id := range moved {
			var tk taskJSON
			w.must(200, "alice", "POST", "/tasks/"+id.String()+"/move", map[string]any{"column_id": todo, "after_id": first}, &tk)
			if tk.ColumnID == nil || *tk.ColumnID != todo || tk.Status != "todo" {
				t.Fatalf("moved: %+v", tk)
			}
		}
		// Each move went right after first: the latest is nearest to it.
		want := []uuid.UUID{first}
		for i := n - 1; i >= 0; i-- {
			want = append(want, moved[i])
		}
		want = append(want, last)
		var page struct {
			Items []struct {
				ID       uuid.UUID `json:"id"`
				Position int64     `json:"position"`
			} `json:"items"`
		}
		w.must(200, "alice", "GET", w.path+"/tasks?sort=position&limit=100", nil, &page)
		if len(page.Items) != len(want) {
			t.Fatalf("%d tasks listed, want %d", len(page.Items), len(want))
		}
		for i, it := range page.Items {
			if it.ID != want[i] {
				t.Fatalf("position %d: %s, want %s", i, it.ID, want[i])
			}
			if i > 0 && it.Position <= page.Items[i-1].Position {
				t.Fatalf("positions not strictly increasing at %d: %d after %d", i, it.Position, page.Items[i-1].Position)
			}
		}
		// before_id places right before its task; one placement at a time;
		// the neighbour must be in the target column.
		var tk taskJSON
		w.must(200, "alice", "POST", "/tasks/"+moved[0].String()+"/move", map[string]any{"column_id": todo, "before_id": first}, &tk)
		w.must(200, "alice", "GET", w.path+"/tasks?sort=position&limit=1", nil, &page)
		if page.Items[0].ID != moved[0] {
			t.Errorf("before first: %s is first", page.Items[0].ID)
		}
		for _, body := range []map[string]any{
			{"column_id": todo, "after_id": first, "before_id": last},
			{"column_id": todo, "after_id": first, "position": 5},
			{"column_id": doing, "after_id": first},
			{"column_id": todo, "after_id": moved[1]}, // itself
		} {
			code, raw := w.do("alice", "POST", "/tasks/"+moved[1].String()+"/move", body, nil)
			if code != http.StatusUnprocessableEntity || !strings.Contains(string(raw), "_id") && !strings.Contains(string(raw), "position") {
				t.Errorf("move %v: %d %s", body, code, raw)
			}
		}
	})
}
