package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/internal/app"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// TestReadyzReportsADatabaseAheadOfTheBinary: a revision this binary does
// not know (a newer release migrated the database) makes the server unready,
// and /readyz says why.
func TestReadyzReportsADatabaseAheadOfTheBinary(t *testing.T) {
	t.Parallel()
	db := testdb.NewPostgres(t)
	s := testserver.Start(t, db, nil)
	readyz := func() (int, string) {
		res, err := http.Get(s.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := readyz(); code != http.StatusOK {
		t.Fatalf("readyz on a current database: %d %s", code, body)
	}
	_, err := db.SQL.ExecContext(t.Context(), `INSERT INTO atlas_schema_revisions
  (version, description, type, applied, total, executed_at, execution_time, hash, operator_version)
VALUES ('99991231235959', 'from_the_future', 2, 1, 1, now(), 0, 'x', 'worksynapse dbmigrate')`)
	if err != nil {
		t.Fatal(err)
	}
	code, body := readyz()
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "99991231235959") || !strings.Contains(body, "does not know") {
		t.Fatalf("readyz on a database ahead of the binary: %d %s", code, body)
	}
}

// TestReadyzReportsDrift: a column dropped by hand (the live schema no
// longer what the applied migrations produce) makes the server unready,
// and /readyz names the column.
func TestReadyzReportsDrift(t *testing.T) {
	t.Parallel()
	db := testdb.NewPostgres(t)
	s := testserver.Start(t, db, nil, func(a *app.App) { a.DriftCheckEvery = time.Nanosecond })
	readyz := func() (int, string) {
		res, err := http.Get(s.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := readyz(); code != http.StatusOK {
		t.Fatalf("readyz on a current database: %d %s", code, body)
	}
	if _, err := db.SQL.ExecContext(t.Context(), `ALTER TABLE tasks DROP COLUMN estimate_minutes`); err != nil {
		t.Fatal(err)
	}
	code, body := readyz()
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "schema drift") || !strings.Contains(body, "column tasks.estimate_minutes is missing") {
		t.Fatalf("readyz after a column was dropped by hand: %d %s", code, body)
	}
}
