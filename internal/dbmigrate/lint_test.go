package dbmigrate_test

import (
	"errors"
	"strings"
	"testing"

	"ariga.io/atlas/sql/migrate"

	"github.com/worksynapse/worksynapse/internal/dbmigrate"
)

// TestLintMigrationDirectory runs Atlas's analyzers over the whole embedded
// directory, so `make test` lints every file: a finding fails unless the
// file carries an `atlas:nolint` directive or lint_exceptions.txt accepts it
// with a reason.
func TestLintMigrationDirectory(t *testing.T) {
	dir, err := dbmigrate.Dir()
	if err != nil {
		t.Fatal(err)
	}
	exc, err := dbmigrate.EmbeddedLintExceptions()
	if err != nil {
		t.Fatal(err)
	}
	res, err := dbmigrate.Lint(t.Context(), devDatabase(t), dir, dbmigrate.LintOptions{Exceptions: exc})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		t.Logf("%s:%d %s %s %s (%s) accepted=%q", f.File, f.Line, f.Code, f.Severity, f.Text, f.Analyzer, f.Accepted)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
}

// lintSmall lints the last of files (the others are its starting point).
func lintSmall(t *testing.T, exc dbmigrate.Exceptions, files ...migrate.File) *dbmigrate.LintResult {
	t.Helper()
	res, err := dbmigrate.LintFiles(t.Context(), devDatabase(t), files[:len(files)-1], files[len(files)-1:], exc)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var lintBase = migrate.NewLocalFile("1_init.sql", []byte(
	"CREATE TABLE tasks (id bigint PRIMARY KEY, title text NOT NULL, estimate integer);\n"))

const dropEstimate = "ALTER TABLE tasks DROP COLUMN estimate;\n"

// TestLintRefusesADestructiveFileUntilReviewed: dropping a column is DS103,
// an error; a `-- atlas:nolint DS103` directive above the statement (or a
// reviewed exception for an already committed file) accepts it, visibly.
func TestLintRefusesADestructiveFileUntilReviewed(t *testing.T) {
	res := lintSmall(t, nil, lintBase, migrate.NewLocalFile("2_drop.sql", []byte(dropEstimate)))
	err := res.Err()
	if !errors.Is(err, dbmigrate.ErrLint) || !strings.Contains(err.Error(), "2_drop.sql:1 DS103") {
		t.Fatalf("destructive file: err = %v, findings %+v", err, res.Findings)
	}
	if f := res.Findings[0]; f.Severity != dbmigrate.SeverityError || f.Analyzer != "destructive" || !strings.Contains(f.Text, `"estimate"`) {
		t.Fatalf("finding: %+v", f)
	}

	reviewed := "-- Estimates moved to task_estimates (reviewed by the DBA team).\n-- atlas:nolint DS103\n" + dropEstimate
	res = lintSmall(t, nil, lintBase, migrate.NewLocalFile("2_drop.sql", []byte(reviewed)))
	if err := res.Err(); err != nil || len(res.Findings) != 1 || res.Findings[0].Accepted == "" || res.Findings[0].Line != 3 {
		t.Fatalf("with nolint: err = %v, findings %+v", err, res.Findings)
	}

	// A nolint for another code accepts nothing.
	res = lintSmall(t, nil, lintBase, migrate.NewLocalFile("2_drop.sql", []byte("-- atlas:nolint DS102\n"+dropEstimate)))
	if res.Err() == nil {
		t.Fatal("nolint DS102 accepted a DS103")
	}

	exc, err := dbmigrate.ParseExceptions([]byte("# reviewed\n2_drop.sql DS103 estimates moved to task_estimates\n"))
	if err != nil {
		t.Fatal(err)
	}
	res = lintSmall(t, exc, lintBase, migrate.NewLocalFile("2_drop.sql", []byte(dropEstimate)))
	if err := res.Err(); err != nil || !strings.Contains(res.Findings[0].Accepted, "estimates moved") {
		t.Fatalf("with an exception: err = %v, findings %+v", err, res.Findings)
	}
}

// TestLintReportsRenamesAsIncompatibleNotDestructive: a RENAME is BC102
// (a warning), not the drop+add two inspections show.
func TestLintReportsRenamesAsIncompatibleNotDestructive(t *testing.T) {
	res := lintSmall(t, nil, lintBase, migrate.NewLocalFile("2_rename.sql", []byte(`ALTER TABLE tasks RENAME COLUMN estimate TO points;`)))
	if len(res.Findings) != 1 || res.Findings[0].Code != "BC102" || res.Err() != nil {
		t.Fatalf("rename: %+v", res.Findings)
	}
}

// TestLintExceptionsMustMatchAFinding: an exception nothing needs any more
// would silently accept a future finding, so it fails the lint.
func TestLintExceptionsMustMatchAFinding(t *testing.T) {
	exc, err := dbmigrate.ParseExceptions([]byte("1_init.sql DS103 nothing is dropped here\n"))
	if err != nil {
		t.Fatal(err)
	}
	dir := &migrate.MemDir{}
	if err := dir.WriteFile(lintBase.Name(), lintBase.Bytes()); err != nil {
		t.Fatal(err)
	}
	res, err := dbmigrate.Lint(t.Context(), devDatabase(t), dir, dbmigrate.LintOptions{Exceptions: exc})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err == nil || !strings.Contains(err.Error(), "matches no finding") {
		t.Fatalf("stale exception: %v", err)
	}
	if _, err := dbmigrate.ParseExceptions([]byte("1_init.sql DS103\n")); err == nil {
		t.Fatal("an exception without a reason was accepted")
	}
}
