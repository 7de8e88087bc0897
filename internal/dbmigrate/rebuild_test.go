package dbmigrate_test

import (
	"os"
	"testing"

	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// TestRebuildMigrations regenerates migrations/ from scratch as a single
// "init" file from the current ent schema. It only runs on request:
//
//	WORKSYNAPSE_REBUILD_MIGRATIONS=1 go test ./internal/dbmigrate -run TestRebuildMigrations
//
// (with WORKSYNAPSE_TEST_DATABASE_URL set). Only do this before the first
// release: databases that applied the old files cannot apply the new one.
func TestRebuildMigrations(t *testing.T) {
	if os.Getenv("WORKSYNAPSE_REBUILD_MIGRATIONS") != "1" {
		t.Skip("set WORKSYNAPSE_REBUILD_MIGRATIONS=1 to regenerate migrations/ from the ent schema")
	}
	devURL, drop, err := dbmigrate.TempDevDatabase(t.Context(), testdb.RequirePostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer drop()
	name, err := dbmigrate.Rebuild(t.Context(), devURL, repoMigrations, "init")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s/%s", repoMigrations, name)
}
