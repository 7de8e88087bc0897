package database

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

// preparedOnOneConnection returns statements over a pool of one
// connection (so session state such as prepared statements is visible)
// and a table of its own, or skips without PostgreSQL.
func preparedOnOneConnection(t *testing.T) (*statements, *sql.DB, string) {
	t.Helper()
	url := os.Getenv("WORKSYNAPSE_TEST_DATABASE_URL")
	if url == "" {
		t.Skip("WORKSYNAPSE_TEST_DATABASE_URL is not set")
	}
	db, err := openPool(url)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	schema := fmt.Sprintf("prepared_test_%x", rand.Uint64())
	ctx := context.Background()
	for _, q := range []string{"CREATE SCHEMA " + schema, "CREATE TABLE " + schema + ".t (a int)", "INSERT INTO " + schema + ".t VALUES (1)"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	st := &statements{db: db, byText: map[string]*sql.Stmt{}}
	// A LISTEN over the same URL hears the pool's NOTIFY: no
	// transaction-mode pooler in between, so preparing turns on.
	n := newNotifications(url)
	st.verify(n)
	if err := n.close(); err != nil || !st.verified {
		t.Fatalf("preparing was not verified (close: %v)", err)
	}
	t.Cleanup(func() {
		_ = st.close()
		_, _ = db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		db.Close()
	})
	return st, db, schema + ".t"
}

// columnCounter returns a function that counts the columns of a query's
// result, failing the test on an error.
func columnCounter(t *testing.T) func(*sql.Rows, error) int {
	return func(rows *sql.Rows, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		return len(cols)
	}
}

func preparedCount(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM pg_prepared_statements").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStatementsArePreparedOnce: a query is prepared on first use and
// reused; a migration that changes its result (0A000) makes it run
// unprepared once and be prepared again.
func TestStatementsArePreparedOnce(t *testing.T) {
	st, db, table := preparedOnOneConnection(t)
	ctx, columns := context.Background(), columnCounter(t)
	q := "SELECT * FROM " + table
	for range 3 {
		columns(st.QueryContext(ctx, q))
	}
	if n := preparedCount(t, db); n != 1 {
		t.Fatalf("%d statements prepared on the connection, want 1", n)
	}
	if _, err := db.ExecContext(ctx, "ALTER TABLE "+table+" ADD COLUMN b int"); err != nil {
		t.Fatal(err)
	}
	if n := columns(st.QueryContext(ctx, q)); n != 2 {
		t.Fatalf("after the migration: %d columns, want 2", n)
	}
	if n := columns(st.QueryContext(ctx, q)); n != 2 || st.off {
		t.Fatalf("prepared again: %d columns (given up: %v)", n, st.off)
	}
}

// TestALostStatementTurnsPreparingOff: behind a transaction-mode pooler a
// statement prepared on one server connection is missing on another
// (26000); the query still answers, unprepared from then on.
func TestALostStatementTurnsPreparingOff(t *testing.T) {
	st, db, table := preparedOnOneConnection(t)
	ctx, columns := context.Background(), columnCounter(t)
	q := "SELECT a FROM " + table
	columns(st.QueryContext(ctx, q))
	if _, err := db.ExecContext(ctx, "DEALLOCATE ALL"); err != nil {
		t.Fatal(err)
	}
	if n := columns(st.QueryContext(ctx, q)); n != 1 {
		t.Fatalf("a lost statement: %d columns", n)
	}
	if !st.off {
		t.Fatal("preparing is still on after a statement went missing")
	}
	if _, err := st.ExecContext(ctx, "UPDATE "+table+" SET a = 2"); err != nil {
		t.Fatal(err)
	}
	if n := preparedCount(t, db); n != 0 {
		t.Fatalf("%d statements prepared after preparing was turned off", n)
	}
}
