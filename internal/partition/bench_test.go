package partition_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// benchMonths of benchRowsPerMonth activity rows over benchOrgs
// organizations fill each table of the comparison.
const (
	benchMonths       = 12
	benchRowsPerMonth = 20_000
	benchOrgs         = 50
)

// BenchmarkActivityLogs compares activity_logs partitioned by month with
// the same table unpartitioned (same columns and indexes, same rows):
// the activity feed (first page and a deep keyset page of one
// organization) and a batch of 100 inserts. Compare each pair as a ratio.
// (Expiring a month is a DROP TABLE of its partition against a DELETE of
// its rows; that needs a month reloaded per iteration, minutes of make
// bench, so it is not here: see docs/scaling.md.)
func BenchmarkActivityLogs(b *testing.B) {
	db := testdb.NewUnseededPostgres(b)
	ctx := context.Background()
	start := partition.MonthStart(time.Now()).AddDate(0, -benchMonths+1, 0)
	// Partitioned: the migrated table with its months; plain: a copy.
	mustExec(b, db, `CREATE TABLE activity_plain (LIKE activity_logs INCLUDING DEFAULTS INCLUDING INDEXES)`)
	// The legacy partition ends at next month: the past months go in it
	// unless it is emptied and replaced (a deployment partitioned a year
	// ago has monthly partitions for all of them).
	mustExec(b, db, `ALTER TABLE activity_logs DETACH PARTITION activity_logs_legacy`)
	mustExec(b, db, `DROP TABLE activity_logs_legacy`)
	for m := range benchMonths {
		month := start.AddDate(0, m, 0)
		if _, err := partition.Ensure(ctx, db.SQL, "activity_logs", month); err != nil {
			b.Fatal(err)
		}
		for _, table := range []string{"activity_logs", "activity_plain"} {
			loadMonth(b, db, table, month, benchRowsPerMonth)
		}
	}
	mustExec(b, db, `ANALYZE activity_logs`)
	mustExec(b, db, `ANALYZE activity_plain`)
	var org uuid.UUID
	if err := db.SQL.QueryRowContext(ctx, `SELECT organization_id FROM activity_plain LIMIT 1`).Scan(&org); err != nil {
		b.Fatal(err)
	}
	deep := partition.Bound(start.AddDate(0, 2, 10)) // a page three quarters of a year back

	for _, table := range []string{"activity_logs", "activity_plain"} {
		name := map[string]string{"activity_logs": "partitioned", "activity_plain": "plain"}[table]
		b.Run("feed first page/"+name, func(b *testing.B) {
			q := `SELECT id, created_at, action FROM ` + table + ` WHERE organization_id = $1 ORDER BY id DESC LIMIT 50`
			for b.Loop() {
				queryAll(b, db, q, org)
			}
		})
		b.Run("feed first page, this month first/"+name, func(b *testing.B) {
			// What a feed aware of months can ask first: only this
			// month's partition is planned and scanned.
			q := `SELECT id, created_at, action FROM ` + table + ` WHERE organization_id = $1 AND id >= $2 ORDER BY id DESC LIMIT 50`
			month := partition.Bound(partition.MonthStart(time.Now()).AddDate(0, -1, 0))
			for b.Loop() {
				queryAll(b, db, q, org, month)
			}
		})
		b.Run("feed deep page/"+name, func(b *testing.B) {
			q := `SELECT id, created_at, action FROM ` + table + ` WHERE organization_id = $1 AND id < $2 ORDER BY id DESC LIMIT 50`
			for b.Loop() {
				queryAll(b, db, q, org, deep)
			}
		})
		b.Run("insert 100/"+name, func(b *testing.B) {
			for b.Loop() {
				loadMonth(b, db, table, partition.MonthStart(time.Now()), 100)
			}
		})
	}
}

// loadMonth inserts n activity rows spread over month and benchOrgs
// organizations (ids from the month, as UUIDv7 ids are).
func loadMonth(b *testing.B, db *database.DB, table string, month time.Time, n int) {
	b.Helper()
	span := month.AddDate(0, 1, 0).Sub(month).Milliseconds() - 1
	_, err := db.SQL.ExecContext(context.Background(), `
		INSERT INTO `+table+` (id, created_at, organization_id, actor_type, activity_type, action, resource_type, resource_id, new_values)
		SELECT `+testdb.UUIDv7SQL("t")+`, t, o, 'system', 'update', 'task.update', 'Task', gen_random_uuid(), '{"title": "x"}'
		FROM (SELECT $1::timestamptz + (random() * $2::bigint) * interval '1 millisecond' AS t,
		             ('00000000-0000-0000-0000-' || lpad((g % $4)::text, 12, '0'))::uuid AS o
		      FROM generate_series(1, $3::int) g) s`, month, span, n, benchOrgs)
	if err != nil {
		b.Fatalf("load %s: %v", table, err)
	}
}

func mustExec(b *testing.B, db *database.DB, stmt string) {
	b.Helper()
	if _, err := db.SQL.ExecContext(context.Background(), stmt); err != nil {
		b.Fatalf("%s: %v", stmt, err)
	}
}

func queryAll(b *testing.B, db *database.DB, q string, args ...any) {
	rows, err := db.SQL.QueryContext(context.Background(), q, args...)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Close(); err != nil || n == 0 {
		b.Fatalf("query returned %d rows (err %v)", n, err)
	}
}
