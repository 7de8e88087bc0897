package ledger_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// BenchmarkBatchIngestion measures POST /agent-calls/batch's service work:
// batches of 500 new reported calls (priced, idempotent insert, read back).
// calls/s is the throughput metric (goal: 10,000).
func BenchmarkBatchIngestion(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			var db *database.DB
			if dialect == "sqlite" {
				db = testdb.NewSQLite(b)
			} else {
				db = testdb.NewPostgres(b)
			}
			e := newEnv(b, db)
			ctx := testfix.System()
			at := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
			batch := make([]ledger.ReportedCall, ledger.MaxBatch)
			n := 0
			start := time.Now()
			for b.Loop() {
				for i := range batch {
					batch[i] = e.reported(fmt.Sprintf("bench-%d", n), at)
					n++
				}
				if _, err := e.l.Report(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "calls/s")
		})
	}
}
