package testdb_test

import (
	"database/sql"
	"os"
	"regexp"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/worksynapse/worksynapse/ent/role"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestNewSQLiteHasSchema(t *testing.T) {
	db := testdb.NewSQLite(t)
	if db.Dialect != dialect.SQLite {
		t.Fatalf("Dialect = %q", db.Dialect)
	}
	var n int
	if err := db.SQL.QueryRowContext(t.Context(),
		`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("NewSQLite created no tables")
	}
}

// TestNewSQLiteIsFresh checks that the copies of the template are
// independent: a table made in one is not in the next.
func TestNewSQLiteIsFresh(t *testing.T) {
	for range 2 {
		db := testdb.NewSQLite(t)
		if _, err := db.SQL.ExecContext(t.Context(), `CREATE TABLE fresh_probe (id int)`); err != nil {
			t.Fatalf("database is not fresh: %v", err)
		}
		if err := database.EnsureSQLiteSchema(t.Context(), db); err != nil {
			t.Errorf("the copy is not the schema EnsureSQLiteSchema makes: %v", err)
		}
	}
}

func TestNewPostgresIsMigratedFreshAndDropped(t *testing.T) {
	admin := openAdmin(t)
	var (
		names []string
		mu    sync.Mutex
	)
	for _, name := range []string{"first", "second"} {
		t.Run(name, func(t *testing.T) {
			db := testdb.NewPostgres(t)
			ctx := t.Context()
			st, err := dbmigrate.Status(ctx, db.SQL)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Pending) != 0 || st.Current == "" {
				t.Errorf("Status = current %q, %d pending; want fully migrated", st.Current, len(st.Pending))
			}
			// Each test gets its own database: the previous one's table is not here.
			if _, err := db.SQL.ExecContext(ctx, `CREATE TABLE fresh_probe (id int)`); err != nil {
				t.Errorf("database is not fresh: %v", err)
			}
			var dbName string
			if err := db.SQL.QueryRowContext(ctx, `SELECT current_database()`).Scan(&dbName); err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`^[a-z0-9_]+$`).MatchString(dbName) {
				t.Errorf("database name %q is not lower-case", dbName)
			}
			mu.Lock()
			names = append(names, dbName)
			mu.Unlock()
		})
	}
	if len(names) != 2 || names[0] == names[1] {
		t.Fatalf("databases %v; want two distinct", names)
	}
	if err := testdb.WaitForDrops(); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		var exists bool
		if err := admin.QueryRowContext(t.Context(), `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, n).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if exists {
			t.Errorf("database %s was not dropped after its test", n)
		}
	}
}

func TestForEachDialect(t *testing.T) {
	var ran []string
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		ran = append(ran, db.Dialect)
		if err := db.Ping(t.Context()); err != nil {
			t.Error(err)
		}
	})
	want := 1
	if os.Getenv(testdb.EnvURL) != "" {
		want = 2
	}
	if len(ran) != want {
		t.Errorf("ran on %v; want %d dialects", ran, want)
	}
}

// Test databases come seeded as `serve` seeds them (system roles with
// their permissions), unless a test asks for an unseeded one.
func TestDatabasesComeSeededUnlessAsked(t *testing.T) {
	count := func(t *testing.T, db *database.DB) (roles, grants int) {
		t.Helper()
		// Why: system roles have no organization; only the system reads them all.
		ctx := viewer.NewSystemContext(t.Context(), "test: count the seeded roles")
		roles = db.Ent.Role.Query().Where(role.IsSystem(true)).CountX(ctx)
		grants = db.Ent.RolePermission.Query().CountX(ctx)
		return roles, grants
	}
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		want, err := seed.Run(t.Context(), testdb.NewUnseededSQLite(t).Ent)
		if err != nil {
			t.Fatal(err)
		}
		if roles, grants := count(t, db); roles != want.Roles || grants != want.Grants || roles == 0 {
			t.Errorf("seeded database: %d roles, %d grants; seed.Run creates %d and %d", roles, grants, want.Roles, want.Grants)
		}
	})
	testdb.ForEachDialectUnseeded(t, func(t *testing.T, db *database.DB) {
		if roles, grants := count(t, db); roles != 0 || grants != 0 {
			t.Errorf("unseeded database: %d roles, %d grants", roles, grants)
		}
	})
}

func openAdmin(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", testdb.RequirePostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
