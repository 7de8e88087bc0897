package dbmigrate_test

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// TestSchemaSnapshot keeps migrations/schema_snapshot.txt equal to what the
// directory produces on PostgreSQL (drift checks compare live databases
// with it). WORKSYNAPSE_WRITE_SCHEMA_SNAPSHOT=1 rewrites it.
func TestSchemaSnapshot(t *testing.T) {
	if os.Getenv("WORKSYNAPSE_WRITE_SCHEMA_SNAPSHOT") == "1" {
		if err := dbmigrate.WriteSnapshot(t.Context(), testdb.RequirePostgres(t), repoMigrations); err != nil {
			t.Fatal(err)
		}
	}
	got, err := dbmigrate.ReplayDescription(t.Context(), devDatabase(t), embeddedFiles(t))
	if err != nil {
		t.Fatal(err)
	}
	want, err := dbmigrate.ExpectedSchema()
	if err != nil {
		t.Fatal(err)
	}
	if diffs := dbmigrate.Compare(want, got); len(diffs) > 0 {
		t.Fatalf("%s is stale (run `make migration`, or this test with WORKSYNAPSE_WRITE_SCHEMA_SNAPSHOT=1):\n%s",
			filepath.Join(repoMigrations, dbmigrate.SnapshotFile), strings.Join(diffs, "\n"))
	}
}

// TestCheckDriftNamesAColumnDroppedByHand, at the directory's head (the
// embedded snapshot) and with files pending (a replay of the applied files
// on a dev database): a column dropped by hand is drift naming it, and the
// status fails.
func TestCheckDriftNamesAColumnDroppedByHand(t *testing.T) {
	ctx := t.Context()
	noDev := func() (string, func(), error) {
		t.Fatal("a dev database was asked for at the head")
		return "", nil, nil
	}
	withDev := func() (string, func(), error) { return devDatabase(t), func() {}, nil }

	t.Run("at head", func(t *testing.T) {
		db, _ := emptyDB(t)
		if _, err := dbmigrate.Apply(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		st := driftStatus(t, db, noDev)
		if len(st.Drift) != 0 || st.Err() != nil {
			t.Fatalf("fresh database drifts: %v", st.Drift)
		}
		dropEstimateMinutes(t, db)
		st = driftStatus(t, db, noDev)
		wantDrift(t, st)
	})
	t.Run("with files pending", func(t *testing.T) {
		db, _ := emptyDB(t)
		files := embeddedFiles(t)
		older := map[string]string{}
		for _, f := range files[:len(files)-1] {
			older[f.Name()] = string(f.Bytes())
		}
		if _, err := dbmigrate.ApplyDir(ctx, db, memDir(t, older), dbmigrate.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		if st := driftStatus(t, db, withDev); len(st.Pending) != 1 || len(st.Drift) != 0 {
			t.Fatalf("pending %d, drift %v", len(st.Pending), st.Drift)
		}
		dropEstimateMinutes(t, db)
		wantDrift(t, driftStatus(t, db, withDev))
	})
}

func dropEstimateMinutes(t *testing.T, db *sql.DB) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), "ALTER TABLE tasks DROP COLUMN estimate_minutes"); err != nil {
		t.Fatal(err)
	}
}

func driftStatus(t *testing.T, db *sql.DB, newDev func() (string, func(), error)) dbmigrate.State {
	t.Helper()
	st, err := dbmigrate.Status(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if err := dbmigrate.CheckDrift(t.Context(), db, &st, newDev); err != nil {
		t.Fatal(err)
	}
	return st
}

func wantDrift(t *testing.T, st dbmigrate.State) {
	t.Helper()
	err := st.Err()
	if len(st.Drift) != 1 || !errors.Is(err, dbmigrate.ErrNotCurrent) || !strings.Contains(err.Error(), "column tasks.estimate_minutes is missing (expected bigint)") {
		t.Fatalf("drift %v, err %v", st.Drift, err)
	}
}
