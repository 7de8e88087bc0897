package tasks_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/tasks"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// world is a project with an ADMIN viewer.
type world struct {
	c   *ent.Client
	ctx context.Context
	p   *ent.Project
}

func newWorld(t *testing.T, db *database.DB) world {
	org := testfix.Org(t, db.Ent, "Acme")
	u := testfix.User(t, db.Ent, "alice")
	w := world{c: db.Ent, ctx: testfix.AsRole(t, db.Ent, u, org, "ADMIN")}
	sys := testfix.System()
	testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) (err error) {
		w.p, err = tx.Project.Create().SetOrganizationID(org.ID).SetKey("WS").SetName("WS").SetOwnerID(u.ID).Save(sys)
		return err
	})
	return w
}

// countingClient is a client over the same database that counts queries.
func countingClient(db *database.DB, n *atomic.Int64) *ent.Client {
	drv := dialect.DebugWithContext(entsql.OpenDB(db.Dialect, db.SQL), func(context.Context, ...any) { n.Add(1) })
	return ent.NewClient(ent.Driver(drv))
}

func TestListIssuesConstantQueries(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		svc := tasks.New(db.Ent, db.Dialect)
		for i := range 30 {
			if _, err := svc.Create(w.ctx, w.p.ID, tasks.CreateInput{Title: fmt.Sprintf("t%d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		var n atomic.Int64
		counted := tasks.New(countingClient(db, &n), db.Dialect)
		perPage := map[int]int64{}
		for _, limit := range []int{1, 10, 30} {
			n.Store(0)
			page, err := counted.List(w.ctx, w.p.ID, tasks.Filter{}, "priority", nil, pagination.Params{Limit: limit})
			if err != nil || len(page.Items) != limit {
				t.Fatalf("list %d: %d items, %v", limit, len(page.Items), err)
			}
			perPage[limit] = n.Load()
		}
		if perPage[1] != perPage[30] || perPage[1] > 2 {
			t.Errorf("queries per page by size: %v (want constant, at most 2)", perPage)
		}
	})
}

func TestConcurrentMovesRespectTheWIPLimit(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		svc := tasks.New(db.Ent, db.Dialect)
		sys := testfix.System()
		var col *ent.BoardColumn
		testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) error {
			b := tx.Board.Create().SetOrganizationID(w.p.OrganizationID).SetProjectID(w.p.ID).SetName("B").SaveX(sys)
			col = tx.BoardColumn.Create().SetOrganizationID(w.p.OrganizationID).SetBoardID(b.ID).SetName("Doing").
				SetMappedStatus("in_progress").SetWipLimit(2).SaveX(sys)
			return nil
		})
		const n = 8
		var ids []tasks.Task
		for i := range n {
			tk, err := svc.Create(w.ctx, w.p.ID, tasks.CreateInput{Title: fmt.Sprintf("t%d", i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk)
		}
		var (
			wg             sync.WaitGroup
			moved, refused atomic.Int64
		)
		for _, tk := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := svc.Move(w.ctx, tk.ID, col.ID, tasks.Placement{})
				if p, ok := problem.As(err); ok && p.Status == 409 {
					refused.Add(1)
				} else if err != nil {
					t.Errorf("move: %v", err)
				} else {
					moved.Add(1)
				}
			}()
		}
		wg.Wait()
		inCol := db.Ent.Task.Query().Where(task.ColumnID(col.ID)).CountX(sys)
		if moved.Load() != 2 || refused.Load() != n-2 || inCol != 2 {
			t.Errorf("WIP 2: moved %d, refused %d, in column %d", moved.Load(), refused.Load(), inCol)
		}
	})
}
