package cli_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// lintDir writes an Atlas directory of files (name -> SQL) and hashes it.
func lintDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, sql := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(sql), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := dbmigrate.Hash(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestMigrateLintRefusesADestructiveFile: `migrate lint` exits non-zero on
// a DROP COLUMN (DS103), in text and JSON, and passes once the file
// carries a reviewed `-- atlas:nolint DS103`.
func TestMigrateLintRefusesADestructiveFile(t *testing.T) {
	server := testdb.RequirePostgres(t)
	const init = "CREATE TABLE tasks (id bigint PRIMARY KEY, estimate integer);\n"
	dir := lintDir(t, map[string]string{"1_init.sql": init, "2_drop.sql": "ALTER TABLE tasks DROP COLUMN estimate;\n"})

	out, err := runPG(t, server, "migrate", "lint", "--dir", dir)
	if !errors.Is(err, dbmigrate.ErrLint) || !strings.Contains(out, `2_drop.sql:1: DS103 error: Dropping non-virtual column "estimate"`) {
		t.Fatalf("lint of a destructive file: %v\n%s", err, out)
	}
	out, err = runPG(t, server, "migrate", "lint", "--dir", dir, "--latest", "1", "--format", "json")
	var res struct {
		Files    []string
		Findings []dbmigrate.Finding
	}
	if jerr := json.Unmarshal([]byte(out[:strings.LastIndex(out, "}")+1]), &res); jerr != nil || err == nil {
		t.Fatalf("json lint: %v %v\n%s", err, jerr, out)
	}
	if len(res.Files) != 1 || len(res.Findings) != 1 || res.Findings[0].Code != "DS103" || res.Findings[0].Severity != "error" {
		t.Fatalf("json findings: %+v", res)
	}

	dir = lintDir(t, map[string]string{"1_init.sql": init,
		"2_drop.sql": "-- estimate moved to task_estimates; reviewed\n-- atlas:nolint DS103\nALTER TABLE tasks DROP COLUMN estimate;\n"})
	if out, err = runPG(t, server, "migrate", "lint", "--dir", dir); err != nil || !strings.Contains(out, "accepted: atlas:nolint") {
		t.Fatalf("lint with a reviewed nolint: %v\n%s", err, out)
	}
	if out, err = runPG(t, server, "migrate", "lint", "--format", "yaml"); err == nil {
		t.Fatalf("an unknown format must fail:\n%s", out)
	}
}

// TestMigrateStatusReportsDrift: `migrate status` exits non-zero on a
// column dropped by hand, naming the table and column.
func TestMigrateStatusReportsDrift(t *testing.T) {
	url, drop, err := dbmigrate.TempDevDatabase(t.Context(), testdb.RequirePostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	if out, err := runPG(t, url, "migrate", "apply"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if out, err := runPG(t, url, "migrate", "status"); err != nil || !strings.Contains(out, "drift: none") {
		t.Fatalf("status of a fresh database: %v\n%s", err, out)
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), "ALTER TABLE tasks DROP COLUMN estimate_minutes"); err != nil {
		t.Fatal(err)
	}
	out, err := runPG(t, url, "migrate", "status")
	if !errors.Is(err, dbmigrate.ErrNotCurrent) || !strings.Contains(out, "column tasks.estimate_minutes is missing") ||
		!strings.Contains(err.Error(), "schema drift") {
		t.Fatalf("status after a hand-made DROP COLUMN: %v\n%s", err, out)
	}
}
