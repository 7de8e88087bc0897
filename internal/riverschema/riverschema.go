// Package riverschema puts River's tables (the job system, internal/jobs)
// into our database the way the rest of the schema gets there: on
// PostgreSQL as files of the versioned migration directory, generated from
// River's own migrations; on the embedded SQLite file at startup, with the
// rest of the zero-setup schema.
package riverschema

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// RiverFileMarker starts every migration file that holds a version of
// River's schema; the rest of the line is the version number.
// TestRiverMigrations checks those files against River's own migrations.
const RiverFileMarker = "-- river migration, main line version "

// RiverTables are the tables River's schema creates (besides our own).
var RiverTables = []string{"river_job", "river_leader", "river_migration", "river_notification", "river_queue"}

// schemaTemplate is River's placeholder for a schema prefix; our tables
// live in the connection's search_path, so it becomes empty (as
// rivermigrate does without a configured schema).
const schemaTemplate = "/* TEMPLATE: schema */"

// RiverVersions returns the highest version of River's PostgreSQL schema.
func RiverVersions() int {
	all := postgresMigrator().AllVersions()
	return all[len(all)-1].Version
}

// PostgresMigrationSQL is the content of the Atlas migration file creating
// version v of River's schema: River's own up migration, then the
// river_migration row rivermigrate itself would write, so River's tooling
// sees the schema as migrated. Each version is a file of its own because,
// as in rivermigrate, each must commit before the next (an enum value
// added by one is used by the next).
func PostgresMigrationSQL(v int) (string, error) {
	m, err := postgresMigrator().GetVersion(v)
	if err != nil {
		return "", fmt.Errorf("riverschema: river migration: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s%d (%s)\n", RiverFileMarker, m.Version, m.Name)
	b.WriteString("-- Generated from github.com/riverqueue/river/rivermigrate; do not edit (see internal/riverschema).\n\n")
	b.WriteString(strings.TrimSpace(strings.ReplaceAll(m.SQLUp, schemaTemplate, "")))
	b.WriteString("\n\n")
	// river_migration has its first shape until version 5 reshapes it
	// (carrying the earlier rows over).
	if v < 5 {
		fmt.Fprintf(&b, "INSERT INTO river_migration (version) VALUES (%d);\n", v)
	} else {
		fmt.Fprintf(&b, "INSERT INTO river_migration (line, version) VALUES ('main', %d);\n", v)
	}
	return b.String(), nil
}

func postgresMigrator() *rivermigrate.Migrator[*sql.Tx] {
	m, err := rivermigrate.New(riverdatabasesql.New(nil), &rivermigrate.Config{Logger: discard})
	if err != nil {
		panic(fmt.Sprintf("riverschema: river migrator: %v", err)) // only for a broken River build
	}
	return m
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// MigrateSQLite creates or upgrades River's tables in the embedded SQLite
// database, the zero-setup default that has no versioned directory.
func MigrateSQLite(ctx context.Context, db *sql.DB) error {
	m, err := rivermigrate.New(riversqlite.New(db), &rivermigrate.Config{Logger: discard})
	if err != nil {
		return fmt.Errorf("riverschema: river sqlite migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("riverschema: migrate river tables on sqlite: %w", err)
	}
	return nil
}
