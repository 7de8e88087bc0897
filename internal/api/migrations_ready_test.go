package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/app"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// TestReadyzReportsSchemaProblems: a database the binary cannot trust makes
// the server unready, and /readyz says why: a revision this binary does not
// know (a newer release migrated the database), or drift (a column dropped
// by hand, so the live schema is no longer what the applied files produce).
func TestReadyzReportsSchemaProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		breakSQL string
		want     []string
	}{
		{"database ahead", `INSERT INTO atlas_schema_revisions
  (version, description, type, applied, total, executed_at, execution_time, hash, operator_version)
VALUES ('99991231235959', 'from_the_future', 2, 1, 1, now(), 0, 'x', 'worksynapse dbmigrate')`,
			[]string{"99991231235959", "does not know"}},
		{"drift", `ALTER TABLE tasks DROP COLUMN estimate_minutes`,
			[]string{"schema drift", "column tasks.estimate_minutes is missing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := testdb.NewPostgres(t)
			s := testserver.Start(t, db, nil, func(a *app.App) { a.DriftCheckEvery = time.Nanosecond })
			if code, body := readyz(t, s.URL); code != http.StatusOK {
				t.Fatalf("readyz on a current database: %d %s", code, body)
			}
			if _, err := db.SQL.ExecContext(t.Context(), tc.breakSQL); err != nil {
				t.Fatal(err)
			}
			code, body := readyz(t, s.URL)
			if code != http.StatusServiceUnavailable {
				t.Fatalf("readyz after %s: %d %s", tc.name, code, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("readyz after %s does not say %q: %s", tc.name, w, body)
				}
			}
		})
	}
}

func readyz(t *testing.T, base string) (int, string) {
	t.Helper()
	res, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// TestReadyzWarnsOfMissingPartitions: with less than a month of audit-log
// partitions ahead, /readyz names the table and the job to run, and stays
// ready (writes still work until the month ends).
func TestReadyzWarnsOfMissingPartitions(t *testing.T) {
	t.Parallel()
	db := testdb.NewPostgres(t)
	s := testserver.Start(t, db, nil)
	if code, body := readyz(t, s.URL); code != http.StatusOK || strings.Contains(body, "partitions.maintain") {
		t.Fatalf("readyz with every partition: %d %s", code, body)
	}
	ctx := t.Context()
	ps, err := partition.List(ctx, db.SQL, "security_audit_logs")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps[1:] { // every month after the legacy partition
		if _, err := db.SQL.ExecContext(ctx, `DROP TABLE `+p.Name); err != nil {
			t.Fatal(err)
		}
	}
	code, body := readyz(t, s.URL)
	if code != http.StatusOK || !strings.Contains(body, "security_audit_logs has partitions only until") ||
		!strings.Contains(body, "partitions.maintain") {
		t.Errorf("readyz without next month's partition: %d %s", code, body)
	}
}

// TestPartitionMaintenanceJob runs the partitions.maintain job as River
// runs it, with every retention setting on: it recreates the coming
// months' partitions an operator dropped (so /readyz is quiet again) and
// completes without dropping a month still within retention.
func TestPartitionMaintenanceJob(t *testing.T) {
	t.Parallel()
	db := testdb.NewPostgres(t)
	o := newOrg(t, db, testserver.Env{
		"WORKSYNAPSE_AUDIT_ACTIVITY_LOG_RETENTION_MONTHS": "1", "WORKSYNAPSE_AUDIT_SECURITY_LOG_RETENTION_MONTHS": "1",
		"WORKSYNAPSE_LEDGER_CALL_RETENTION_MONTHS": "1", "WORKSYNAPSE_WORKTRACKING_RAW_RETENTION_MONTHS": "1",
	})
	ctx := t.Context()
	for _, table := range partition.Tables {
		ps, err := partition.List(ctx, db.SQL, table)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps[1:] { // every month after the legacy partition
			if _, err := db.SQL.ExecContext(ctx, `ALTER TABLE `+table+` DETACH PARTITION `+p.Name); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL.ExecContext(ctx, `DROP TABLE `+p.Name); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, body := readyz(t, o.s.URL); !strings.Contains(body, "partitions.maintain") {
		t.Fatalf("readyz after dropping the coming months: %s", body)
	}
	testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) error {
		return tx.User.UpdateOneID(o.alice.ID).SetIsSuperuser(true).Exec(testfix.System())
	})
	rootT := login(t, o.s, "alice", goodPassword).AccessToken
	id, err := o.s.App.Jobs.RunTask(ctx, "partitions.maintain", nil)
	if err != nil {
		t.Fatal(err)
	}
	var runs oas.JobRunPage
	waitFor(t, func() bool {
		o.must(http.StatusOK, rootT, http.MethodGet, "/admin/jobs?kind=partitions.maintain", nil, &runs)
		return len(runs.Items) > 0 && runs.Items[0].ID == id &&
			(runs.Items[0].State == oas.JobStateCompleted || runs.Items[0].LastError.Set)
	})
	if run := runs.Items[0]; run.State != oas.JobStateCompleted {
		t.Fatalf("partitions.maintain: %s %s", run.State, run.LastError.Value)
	}
	if _, body := readyz(t, o.s.URL); strings.Contains(body, "partitions.maintain") {
		t.Errorf("readyz after the job: %s", body)
	}
	for _, table := range partition.Tables {
		until, _, err := partition.CoveredUntil(ctx, db.SQL, table, time.Now())
		if want := partition.MonthStart(time.Now()).AddDate(0, partition.MonthsAhead+1, 0); err != nil || !until.Equal(want) {
			t.Errorf("%s covered until %s (%v), want %s", table, until, err, want)
		}
		if ps, _ := partition.List(ctx, db.SQL, table); len(ps) == 0 || ps[0].Name != table+"_legacy" {
			t.Errorf("%s lost its current month: %v", table, ps)
		}
	}
}
