package partition_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

func TestBoundOrdersUUIDv7ByTime(t *testing.T) {
	now := time.Now()
	id := uuid.Must(uuid.NewV7())
	month := partition.MonthStart(now)
	from, to := partition.Bound(month), partition.Bound(month.AddDate(0, 1, 0))
	if !(from.String() <= id.String() && id.String() < to.String()) {
		t.Errorf("a UUIDv7 of now (%s) is outside its month [%s, %s)", id, from, to)
	}
	if got := partition.TimeOf(from); !got.Equal(month) {
		t.Errorf("TimeOf(Bound(%s)) = %s", month, got)
	}
}

func names(t *testing.T, ps []partition.Partition) []string {
	t.Helper()
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func monthNames(table string, start time.Time, n int) []string {
	var out []string
	for i := range n {
		out = append(out, table+"_"+start.AddDate(0, i, 0).Format("y2006m01"))
	}
	return out
}

// TestMigratedTablesArePartitionedByMonth: after `migrate apply` the logs
// are partitioned tables with this month (the legacy partition) and the
// MonthsAhead next months covered; Ensure fills the months of a later date
// once, and Expired lists whole months only.
func TestMigratedTablesArePartitionedByMonth(t *testing.T) {
	t.Parallel()
	db := testdb.NewUnseededPostgres(t)
	ctx := context.Background()
	var partitioned []string
	rows, err := db.SQL.QueryContext(ctx, `SELECT partrelid::regclass::text FROM pg_partitioned_table ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		partitioned = append(partitioned, n)
	}
	wantTables := slices.Sorted(slices.Values(append([]string{partition.BlockTable}, partition.Tables...)))
	if !slices.Equal(partitioned, wantTables) {
		t.Fatalf("pg_partitioned_table = %v, want %v", partitioned, wantTables)
	}

	now := time.Now()
	next := partition.MonthStart(now).AddDate(0, 1, 0)
	for _, table := range partition.Tables {
		ps, err := partition.List(ctx, db.SQL, table)
		if err != nil {
			t.Fatal(err)
		}
		want := append([]string{table + "_legacy"}, monthNames(table, next, partition.MonthsAhead)...)
		if got := names(t, ps); !slices.Equal(got, want) {
			t.Errorf("partitions of %s = %v, want %v", table, got, want)
		}
		if ps[0].From != uuid.Nil || ps[0].To != partition.Bound(next) {
			t.Errorf("legacy partition bounds [%s, %s), want [MINVALUE, %s)", ps[0].From, ps[0].To, partition.Bound(next))
		}
	}

	until, ok, err := partition.CoveredUntil(ctx, db.SQL, "activity_logs", now)
	if want := next.AddDate(0, partition.MonthsAhead, 0); err != nil || !ok || !until.Equal(want) {
		t.Errorf("CoveredUntil = %s, %v, %v; want %s", until, ok, err, want)
	}

	// Half a year later, with no job run in between.
	later := next.AddDate(0, 6, 0)
	created, err := partition.Ensure(ctx, db.SQL, "activity_logs", later)
	if err != nil {
		t.Fatal(err)
	}
	if want := monthNames("activity_logs", later, partition.MonthsAhead+1); !slices.Equal(created, want) {
		t.Errorf("Ensure created %v, want %v", created, want)
	}
	if again, err := partition.Ensure(ctx, db.SQL, "activity_logs", later); err != nil || len(again) != 0 {
		t.Errorf("second Ensure created %v (err %v), want nothing", again, err)
	}
	if until, _, _ := partition.CoveredUntil(ctx, db.SQL, "activity_logs", later.AddDate(0, -1, 0)); !until.IsZero() {
		t.Errorf("CoveredUntil in a month without partition = %s, want zero", until)
	}
	id := partition.Bound(later.Add(time.Hour))
	if _, err := db.SQL.ExecContext(ctx, `INSERT INTO activity_logs (id, created_at, organization_id, actor_type, activity_type, action, resource_type, resource_id)
		VALUES ($1, $2, $3, 'system', 'custom', 'test.event', 'Test', $1)`, id, later, uuid.Nil); err != nil {
		t.Fatalf("insert into the ensured month: %v", err)
	}

	expired, err := partition.Expired(ctx, db.SQL, "activity_logs", 1, later)
	if err != nil {
		t.Fatal(err)
	}
	// Kept: later's month and the one before (never created); the legacy
	// partition and the months created at migration are due.
	want := append([]string{"activity_logs_legacy"}, monthNames("activity_logs", next, partition.MonthsAhead)...)
	if got := names(t, expired); !slices.Equal(got, want) {
		t.Errorf("Expired(keep 1) = %v, want %v", got, want)
	}
	if none, _ := partition.Expired(ctx, db.SQL, "activity_logs", 0, later); len(none) != 0 {
		t.Errorf("Expired(keep 0) = %v, want nothing (0 keeps every month)", names(t, none))
	}
}
