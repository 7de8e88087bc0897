// Package exportmem_test holds the one API test that measures the
// process-wide heap: in a test binary of its own it runs beside the other
// API tests instead of before them (a sequential test holds back every
// parallel one of its package).
package exportmem_test

import (
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestAuditExportConstantMemory exports a large activity log (75,000
// rows, ~46 MB of JSON Lines and ~33 MB of CSV, on PostgreSQL; 30,000 on
// SQLite, where the rows are inserted through ent) while sampling the live
// heap of the whole process (server and client), and requires the peak
// growth to stay far below the export's size: the export holds one batch,
// never the log.
func TestAuditExportConstantMemory(t *testing.T) {
	// Not parallel: measures the process-wide heap.
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		// The bound is on memory, not time: under -race on a loaded machine
		// the export may take longer than the default request deadline.
		s := testserver.Start(t, db, testserver.Env{"WORKSYNAPSE_HTTP_REQUEST_TIMEOUT": "10m"})
		user, token := s.SignUp(t, "alice", "correct horse battery staple")
		org := testfix.Org(t, db.Ent, "Bulk")
		alice := db.Ent.User.GetX(testfix.System(), user)
		testfix.Member(t, db.Ent, org, alice)
		testfix.Grant(t, db.Ent, org, alice, seed.RoleAdmin)
		// On PostgreSQL each export is at least twice the bound (checked
		// below): ~46 MB of JSON Lines, ~33 MB of CSV.
		rows := 75_000
		if db.Dialect == dialect.SQLite {
			rows = 30_000
		}
		start := time.Now()
		testfix.BulkActivity(t, db, org.ID, user, rows)
		t.Logf("%s: inserted %d rows in %s", db.Dialect, rows, time.Since(start).Round(time.Millisecond))

		for _, format := range []string{"jsonl", "csv"} {
			// The org admin's export goes through the privacy filter.
			start := time.Now()
			var n int
			var size int64
			growth, base := testserver.PeakHeapGrowth(func() { n, size = s.StreamExport(t, token, org.ID, format) })
			t.Logf("%s %s: %d rows, %.1f MB in %s; live heap %.1f MB before, peak growth %.1f MB",
				db.Dialect, format, n, mb(size), time.Since(start).Round(time.Millisecond), mb(int64(base)), mb(int64(growth)))
			if n != rows {
				t.Errorf("%s: exported %d rows, want %d", format, n, rows)
			}
			const bound = 16 << 20
			if growth > bound {
				t.Errorf("%s: live heap grew by %.1f MB exporting %.1f MB (bound %.0f MB): the export is not streaming",
					format, mb(int64(growth)), mb(size), mb(bound))
			}
			if db.Dialect == dialect.Postgres && size < 2*bound {
				t.Errorf("%s: export of %.1f MB is too small to show constant memory", format, mb(size))
			}
		}
	})
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }
