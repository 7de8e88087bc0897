package database_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/google/uuid"
	"github.com/worksynapse/worksynapse/ent"
	entmigrate "github.com/worksynapse/worksynapse/ent/migrate"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/riverschema"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestOpenSQLiteCreatesFileAndSchema(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "nested", "data", "ws.db")
	db, err := database.Open(ctx, database.Config{SQLitePath: path, MaxOpenConns: 20})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if db.Dialect != dialect.SQLite {
		t.Errorf("Dialect = %q, want %q", db.Dialect, dialect.SQLite)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("parent directory: %v, %v; want mode 0700", st.Mode().Perm(), err)
	}
	if n := db.SQL.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("SQLite MaxOpenConnections = %d, want 1", n)
	}
	for pragma, want := range map[string]string{"foreign_keys": "1", "journal_mode": "wal", "busy_timeout": "5000"} {
		var got string
		if err := db.SQL.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}

	for range 2 { // idempotent
		if err := database.EnsureSQLiteSchema(ctx, db); err != nil {
			t.Fatalf("EnsureSQLiteSchema: %v", err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not created: %v", err)
	}
	rows, err := db.SQL.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	want := slices.Clone(riverschema.RiverTables)
	for _, tbl := range entmigrate.Tables {
		want = append(want, tbl.Name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("SQLite tables = %v\nwant ent and River tables %v", got, want)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := t.Context()
	for name, cfg := range map[string]database.Config{
		"no url and no path": {},
		"not postgres":       {URL: "mysql://root@localhost/ws"},
		"unreachable":        {URL: "postgres://postgres@127.0.0.1:1/ws?sslmode=disable&connect_timeout=2"},
	} {
		t.Run(name, func(t *testing.T) {
			db, err := database.Open(ctx, cfg)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if strings.Contains(err.Error(), "root@") {
				t.Errorf("error leaks the URL: %v", err)
			}
		})
	}
}

func TestOpenPostgres(t *testing.T) {
	ctx := t.Context()
	db, err := database.Open(ctx, database.Config{
		URL: testdb.RequirePostgres(t), MaxOpenConns: 3, MaxIdleConns: 2,
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if db.Dialect != dialect.Postgres {
		t.Errorf("Dialect = %q, want %q", db.Dialect, dialect.Postgres)
	}
	if n := db.SQL.Stats().MaxOpenConnections; n != 3 {
		t.Errorf("MaxOpenConnections = %d, want 3", n)
	}
	if err := database.EnsureSQLiteSchema(ctx, db); err == nil {
		t.Error("EnsureSQLiteSchema ran on PostgreSQL; it must be migrated with the versioned directory")
	}
}

// Every statement goes in one round trip (lib/pq's binary_parameters, see
// openPool), which sends []byte in binary: bytea must still receive the
// bytes, and ent's JSON values (json.RawMessage) must reach jsonb as text.
func TestOnePassStatementsKeepJSONAndBytes(t *testing.T) {
	db := testdb.NewPostgres(t)
	ctx := t.Context()
	raw := []byte{0, 1, 'x', 0x7b, 0xff}
	var (
		gotJSON, gotType string
		gotBytes         []byte
	)
	err := db.SQL.QueryRowContext(ctx, `SELECT $1::jsonb, jsonb_typeof($1::jsonb), $2::bytea`,
		json.RawMessage(`{"a": [1, "ü"]}`), raw).Scan(&gotJSON, &gotType, &gotBytes)
	if err != nil {
		t.Fatalf("jsonb and bytea parameters: %v", err)
	}
	if gotJSON != `{"a": [1, "ü"]}` || gotType != "object" || !slices.Equal(gotBytes, raw) {
		t.Errorf("round trip: jsonb %s (%s), bytea %v; want the values sent", gotJSON, gotType, gotBytes)
	}
	var isNull bool
	if err := db.SQL.QueryRowContext(ctx, `SELECT $1::jsonb IS NULL`, json.RawMessage(nil)).Scan(&isNull); err != nil || !isNull {
		t.Errorf("a nil json.RawMessage must be SQL NULL: %v %v", isNull, err)
	}
}

// A URL that does not parse is refused without being repeated: it may
// hold a password.
func TestOpenDoesNotRepeatTheURL(t *testing.T) {
	for _, u := range []string{"postgres://app:s3cret-pw@db:badport/ws", "postgres://app:s3cret-pw@[::1/ws"} {
		_, err := database.Open(t.Context(), database.Config{URL: u})
		if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("Open(%q) = %v; want an error that does not show the password", u, err)
		}
	}
}

var errBoom = errors.New("boom")

func TestWithTx(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		ctx := t.Context()
		if _, err := db.SQL.ExecContext(ctx, `CREATE TABLE tx_probe (v integer NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		insert := func(v int) func(tx *ent.Tx) error {
			return func(tx *ent.Tx) error {
				_, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO tx_probe (v) VALUES (%d)`, v))
				return err
			}
		}

		if err := database.WithTx(ctx, db.Ent, insert(1)); err != nil {
			t.Fatalf("WithTx commit: %v", err)
		}
		err := database.WithTx(ctx, db.Ent, func(tx *ent.Tx) error {
			if err := insert(2)(tx); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("WithTx returned %v, want fn's error", err)
		}
		func() {
			defer func() {
				if p := recover(); p != errBoom {
					t.Errorf("recovered %v, want the original panic value", p)
				}
			}()
			_ = database.WithTx(ctx, db.Ent, func(tx *ent.Tx) error {
				if err := insert(3)(tx); err != nil {
					return err
				}
				panic(errBoom)
			})
			t.Error("WithTx swallowed the panic")
		}()

		rows, err := db.SQL.QueryContext(ctx, `SELECT v FROM tx_probe ORDER BY v`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []int
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		if !slices.Equal(got, []int{1}) {
			t.Errorf("rows = %v; want only the committed [1] (error and panic roll back)", got)
		}
		// The pool is usable after a panic (no connection left in a transaction).
		if err := database.WithTx(ctx, db.Ent, insert(4)); err != nil {
			t.Errorf("WithTx after panic: %v", err)
		}
	})
}

func TestPingAndClose(t *testing.T) {
	db := testdb.NewSQLite(t)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := db.Ping(context.Background()); err == nil {
		t.Error("Ping after Close succeeded")
	}
}

// TestSQLiteUpgradeKeepsLinks: a SQLite file from before the link tables
// had ids and a tenant key (a task_labels row of the old shape) is
// upgraded in place by EnsureSQLiteSchema, and its links are kept, each
// with the organization of its task.
func TestSQLiteUpgradeKeepsLinks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := newSQLiteSchema(t)
	sys := testfix.System()
	org := testfix.Org(t, db.Ent, "Acme")
	owner := testfix.User(t, db.Ent, "owner")
	var tk *ent.Task
	var lb *ent.Label
	testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) error {
		p := tx.Project.Create().SetOrganizationID(org.ID).SetKey("UP").SetName("Upgrade").SetOwnerID(owner.ID).SaveX(sys)
		tk = tx.Task.Create().SetOrganizationID(org.ID).SetProjectID(p.ID).SetNumber(1).SetTitle("t").
			SetReporterID(owner.ID).SaveX(sys)
		lb = tx.Label.Create().SetOrganizationID(org.ID).SetProjectID(p.ID).SetName("l").SaveX(sys)
		return nil
	})
	for _, q := range []string{
		`DROP TABLE task_labels`,
		`CREATE TABLE task_labels (task_id uuid NOT NULL, label_id uuid NOT NULL, PRIMARY KEY (task_id, label_id))`,
	} {
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := db.SQL.ExecContext(ctx, `INSERT INTO task_labels VALUES ($1, $2)`, tk.ID, lb.ID); err != nil {
		t.Fatal(err)
	}

	if err := database.EnsureSQLiteSchema(ctx, db); err != nil {
		t.Fatalf("EnsureSQLiteSchema over the old shape: %v", err)
	}
	links, err := db.Ent.TaskLabel.Query().All(sys)
	if err != nil || len(links) != 1 {
		t.Fatalf("links after the upgrade: %v, %v", links, err)
	}
	if l := links[0]; l.TaskID != tk.ID || l.LabelID != lb.ID || l.OrganizationID != org.ID || l.ID.Version() != 7 {
		t.Errorf("upgraded link: %+v, want task %s, label %s, organization %s, a UUIDv7 id", l, tk.ID, lb.ID, org.ID)
	}
	if ids := db.Ent.Task.QueryLabels(tk).IDsX(sys); len(ids) != 1 || ids[0] != lb.ID {
		t.Errorf("the task's labels after the upgrade: %v", ids)
	}
}

// TestSQLiteUpgradeGivesGlobalRowsTheNilOrganization: a security event
// stored with a NULL organization (the column was nullable before) holds
// the nil UUID after EnsureSQLiteSchema, and the rebuild keeps the row.
func TestSQLiteUpgradeGivesGlobalRowsTheNilOrganization(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := newSQLiteSchema(t)
	var create string
	if err := db.SQL.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE name = 'security_audit_logs'`).Scan(&create); err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(create, "`organization_id` uuid NOT NULL", "`organization_id` uuid NULL", 1)
	if old == create {
		t.Fatalf("no NOT NULL organization_id in %s", create)
	}
	id := uuid.Must(uuid.NewV7())
	for _, q := range []string{`DROP TABLE security_audit_logs`, old,
		`INSERT INTO security_audit_logs (id, created_at, event_type, severity, ip, user_agent, request_id)
		 VALUES ('` + id.String() + `', CURRENT_TIMESTAMP, 'auth.login_failed', 'info', '', '', '')`} {
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	if err := database.EnsureSQLiteSchema(ctx, db); err != nil {
		t.Fatalf("EnsureSQLiteSchema over a NULL organization: %v", err)
	}
	ev, err := db.Ent.SecurityAuditLog.Get(testfix.System(), id)
	if err != nil || ev.OrganizationID != uuid.Nil {
		t.Fatalf("event after the upgrade: %+v, %v; want organization %s", ev, err, uuid.Nil)
	}
}

// newSQLiteSchema opens a new SQLite file with today's schema, to be
// reshaped into an earlier version's by the upgrade tests.
func newSQLiteSchema(t *testing.T) *database.DB {
	t.Helper()
	db, err := database.Open(t.Context(), database.Config{SQLitePath: filepath.Join(t.TempDir(), "ws.db"), MaxOpenConns: 1})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := database.EnsureSQLiteSchema(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	return db
}
