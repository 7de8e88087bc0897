package dbmigrate_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"ariga.io/atlas/sql/migrate"

	entmigrate "github.com/worksynapse/worksynapse/ent/migrate"
	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// repoMigrations is the on-disk migration directory, relative to this package.
const repoMigrations = "../../migrations"

// emptyDB returns a connection pool to a new, empty PostgreSQL database
// (skips without WORKSYNAPSE_TEST_DATABASE_URL) and its URL.
func emptyDB(t *testing.T) (*sql.DB, string) {
	t.Helper()
	u := devDatabase(t)
	return openDB(t, u), u
}

// devDatabase creates an empty database dropped at the end of the test.
func devDatabase(t *testing.T) string {
	t.Helper()
	u, drop, err := dbmigrate.TempDevDatabase(t.Context(), testdb.RequirePostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return u
}

// embeddedFiles returns the embedded migration files.
func embeddedFiles(t *testing.T) []migrate.File {
	t.Helper()
	dir, err := dbmigrate.Dir()
	if err != nil {
		t.Fatal(err)
	}
	files, err := dir.Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("the embedded migration directory has no files")
	}
	return files
}

func versions(files []migrate.File) []string {
	v := make([]string, len(files))
	for i, f := range files {
		v[i] = f.Version()
	}
	return v
}

// copyRepoMigrations copies migrations/*.sql and atlas.sum into a temp dir.
func copyRepoMigrations(t *testing.T) string {
	t.Helper()
	tmp := t.TempDir()
	paths, err := filepath.Glob(filepath.Join(repoMigrations, "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(paths, filepath.Join(repoMigrations, migrate.HashFileName)) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, filepath.Base(p)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return tmp
}

// tableNames lists the tables of the connection's current schema.
func tableNames(ctx context.Context, t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.QueryContext(ctx,
		// Partitions are storage of their table, not tables of the schema.
		`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// entTableNames lists the tables of the ent schema, sorted.
func entTableNames() []string {
	var names []string
	for _, tbl := range entmigrate.Tables {
		names = append(names, tbl.Name)
	}
	slices.Sort(names)
	return names
}
