package ledger_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// BenchmarkBatchIngestion measures POST /agent-calls/batch's service work:
// batches of 500 new reported calls (priced, references checked,
// idempotent insert, read back). calls/s is the throughput metric (goal:
// 10,000). Every call names a task and a session (the costliest case of
// the reference check): 10 distinct ones of each per batch.
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
			tasks, sessions := benchReferences(b, e, 10)
			at := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
			batch := make([]ledger.ReportedCall, ledger.MaxBatch)
			n := 0
			start := time.Now()
			for b.Loop() {
				for i := range batch {
					batch[i] = e.reported(fmt.Sprintf("bench-%d", n), at)
					batch[i].TaskID, batch[i].SessionID = &tasks[i%len(tasks)], &sessions[i%len(sessions)]
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

// benchReferences creates n tasks (in one project) and n sessions of e's agent.
func benchReferences(b *testing.B, e env, n int) (tasks, sessions []uuid.UUID) {
	ctx := testfix.System()
	owner := testfix.User(b, e.db.Ent, "bench-owner")
	testfix.Tx(b, ctx, e.db.Ent, func(tx *ent.Tx) error {
		p := tx.Project.Create().SetOrganizationID(e.org.ID).SetKey("BN").SetName("Bench").SetOwnerID(owner.ID).SaveX(ctx)
		for i := range n {
			tasks = append(tasks, tx.Task.Create().SetOrganizationID(e.org.ID).SetProjectID(p.ID).SetNumber(i+1).
				SetTitle("t").SetReporterID(owner.ID).SaveX(ctx).ID)
			sessions = append(sessions, tx.AgentSession.Create().SetOrganizationID(e.org.ID).SetAgentID(e.agent.ID).
				SaveX(ctx).ID)
		}
		return nil
	})
	return tasks, sessions
}
