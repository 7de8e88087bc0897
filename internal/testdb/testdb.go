// Package testdb gives tests a fresh, fully migrated and seeded database
// (system roles and permissions, as `serve` seeds them): embedded SQLite
// always, PostgreSQL when WORKSYNAPSE_TEST_DATABASE_URL points at a server
// (CI always sets it).
//
// PostgreSQL databases are cheap: each test process migrates one template
// database once (through dbmigrate.Apply, like production) and every test
// gets `CREATE DATABASE ... TEMPLATE` of it. Packages that use NewPostgres
// should drop the template at exit:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/seed"
)

// EnvURL names the variable holding the admin URL of the test PostgreSQL
// server, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const EnvURL = "WORKSYNAPSE_TEST_DATABASE_URL"

// RequirePostgres returns the admin URL of the test server, or skips the
// test when it is not configured. A configured but unreachable server makes
// the tests that use it fail, never skip.
func RequirePostgres(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		t.Skip("PostgreSQL tests skipped: " + EnvURL + " is not set")
	}
	return u
}

// templates are the per-process template databases: the migrated schema,
// and a copy of it seeded as `serve` seeds (seedTemplate).
var templates struct {
	bare, seeded templateDB
	adminURL     string
	create       sync.Mutex // serializes CREATE DATABASE ... TEMPLATE
}

// templateDB is one template database, created on first use.
type templateDB struct {
	once    sync.Once
	name    string
	created bool // the database exists and must be dropped
	err     error
}

// NewPostgres returns a fresh database with all migrations applied and the
// system roles seeded, dropped when the test ends (under Main, when the
// package's tests are done: see dropper).
func NewPostgres(t testing.TB) *database.DB { return newPostgres(t, true) }

// NewUnseededPostgres is NewPostgres without the seed, for tests of the
// seed itself and of what counts every audit row.
func NewUnseededPostgres(t testing.TB) *database.DB { return newPostgres(t, false) }

func newPostgres(t testing.TB, seeded bool) *database.DB {
	t.Helper()
	adminURL := RequirePostgres(t)
	ctx := context.Background()
	tpl, err := template(ctx, adminURL, seeded)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	name := "wstest_" + randomHex(8)
	if err := createDatabase(ctx, adminURL, name, tpl); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { drops.drop(t, adminURL, name) })
	// Prepared statements as in production (database.prepared_statements).
	return open(t, database.Config{URL: mustDatabaseURL(t, adminURL, name), PreparedStatements: true})
}

// dropper removes the tests' PostgreSQL databases. DROP DATABASE forces a
// checkpoint (PostgreSQL 15), which writes every dirty page of the server
// while the other tests run; so under Main the databases of finished tests
// are only queued, and dropped together when the package's tests are done,
// where concurrent drops share checkpoints. Without Main (a package that
// does not use it) drops stay synchronous.
type dropper struct {
	underMain atomic.Bool
	mu        sync.Mutex
	queued    []string // names of databases to drop on adminURL's server
	adminURL  string
	errs      []error
}

var drops dropper

// drop drops database name now, or queues it under Main.
func (d *dropper) drop(t testing.TB, adminURL, name string) {
	if !d.underMain.Load() {
		if err := dropDatabase(context.Background(), adminURL, name); err != nil {
			t.Errorf("testdb: %v", err)
		}
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.adminURL = adminURL
	d.queued = append(d.queued, name)
}

// WaitForDrops drops the databases of finished tests now (tests of testdb
// itself check that nothing is left behind).
func WaitForDrops() error { return drops.wait() }

// wait drops the queued databases, a few at a time, and returns the errors
// of every drop so far.
func (d *dropper) wait() error {
	d.mu.Lock()
	names, adminURL := d.queued, d.adminURL
	d.queued = nil
	d.mu.Unlock()
	var wg sync.WaitGroup
	slots := make(chan struct{}, 8) // bounds the admin connections
	for _, name := range names {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			if err := dropDatabase(context.Background(), adminURL, name); err != nil {
				d.mu.Lock()
				d.errs = append(d.errs, err)
				d.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	return errors.Join(d.errs...)
}

// NewSQLite returns a fresh SQLite database under t.TempDir() with the ent
// schema created and the system roles seeded: a copy of the process's
// template file (see sqliteImage).
func NewSQLite(t testing.TB) *database.DB { return newSQLite(t, seededSQLiteImage) }

// NewUnseededSQLite is NewSQLite without the seed.
func NewUnseededSQLite(t testing.TB) *database.DB { return newSQLite(t, sqliteImage) }

func newSQLite(t testing.TB, image func() ([]byte, error)) *database.DB {
	t.Helper()
	img, err := image()
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	path := filepath.Join(t.TempDir(), "test.db")
	if err := os.WriteFile(path, img, 0o600); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return open(t, database.Config{SQLitePath: path})
}

// sqliteImage is the bytes of a SQLite database with the full schema,
// built once per process. Why: creating 68 tables and their indexes costs
// far more than writing the finished file, and every SQLite test needs it.
var (
	sqliteImage       = sync.OnceValues(func() ([]byte, error) { return buildSQLiteImage(false) })
	seededSQLiteImage = sync.OnceValues(func() ([]byte, error) { return buildSQLiteImage(true) })
)

// buildSQLiteImage creates the schema through database.EnsureSQLiteSchema
// (as every test did before) and reads back the file as one consistent
// image: VACUUM INTO writes a complete database without a -wal file.
func buildSQLiteImage(seeded bool) ([]byte, error) {
	dir, err := os.MkdirTemp("", "wstest-sqlite-")
	if err != nil {
		return nil, fmt.Errorf("sqlite template: %w", err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := database.Open(ctx, database.Config{SQLitePath: filepath.Join(dir, "build.db")})
	if err != nil {
		return nil, fmt.Errorf("sqlite template: %w", err)
	}
	defer db.Close()
	if err := database.EnsureSQLiteSchema(ctx, db); err != nil {
		return nil, fmt.Errorf("sqlite template: %w", err)
	}
	if seeded {
		if _, err := seed.Run(ctx, db.Ent); err != nil {
			return nil, fmt.Errorf("sqlite template: seed: %w", err)
		}
	}
	out := filepath.Join(dir, "template.db")
	if _, err := db.SQL.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		return nil, fmt.Errorf("sqlite template: vacuum into: %w", err)
	}
	img, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("sqlite template: %w", err)
	}
	return img, nil
}

// ForEachDialect runs fn as subtest "sqlite" and, when configured,
// "postgres" (skipped otherwise), each on a fresh database.
func ForEachDialect(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, NewSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, NewPostgres(t)) })
}

// ForEachDialectUnseeded is ForEachDialect on unseeded databases.
func ForEachDialectUnseeded(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, NewUnseededSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, NewUnseededPostgres(t)) })
}

// Main runs the tests of a package, drops their databases, and then the
// template databases. A failed drop fails the run: databases must not pile
// up on the server.
func Main(m *testing.M) {
	drops.underMain.Store(true)
	code := m.Run()
	if err := errors.Join(drops.wait(), dropTemplates()); err != nil {
		fmt.Fprintln(os.Stderr, "testdb:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func open(t testing.TB, cfg database.Config) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// template returns the name of the process's migrated (and, if seeded,
// seeded) template database, creating it on first use.
func template(ctx context.Context, adminURL string, seeded bool) (string, error) {
	templates.bare.once.Do(func() {
		templates.adminURL = adminURL
		templates.bare.name = fmt.Sprintf("wstpl_%d_%s", os.Getpid(), randomHex(4))
		templates.bare.err = migrateTemplate(ctx, adminURL, templates.bare.name)
	})
	if !seeded || templates.bare.err != nil {
		return templates.bare.name, templates.bare.err
	}
	templates.seeded.once.Do(func() {
		name := templates.bare.name + "_seeded"
		if err := createDatabase(ctx, adminURL, name, templates.bare.name); err != nil {
			templates.seeded.err = err
			return
		}
		templates.seeded.name, templates.seeded.created = name, true
		templates.seeded.err = seedTemplate(ctx, database.Config{URL: mustURL(adminURL, name)})
	})
	return templates.seeded.name, templates.seeded.err
}

func migrateTemplate(ctx context.Context, adminURL, name string) error {
	u, err := databaseURL(adminURL, name)
	if err != nil {
		return err
	}
	if err := createDatabase(ctx, adminURL, name, ""); err != nil {
		return err
	}
	templates.bare.created = true
	db, err := sql.Open("postgres", u)
	if err != nil {
		return fmt.Errorf("open template %s: %w", name, err)
	}
	defer db.Close() // a template must have no open sessions when copied
	if _, err := dbmigrate.Apply(ctx, db, nil); err != nil {
		return fmt.Errorf("migrate template %s: %w", name, err)
	}
	return nil
}

// seedTemplate runs seed.Run (system roles and permissions) on a template,
// as `serve` does on every start. Why in the template: seeding writes a few
// hundred audited rows, which cost each test more than the rest of its
// setup; on a seeded database seed.Run only reads, so tests that call it
// (testfix.Seed) still may.
func seedTemplate(ctx context.Context, cfg database.Config) error {
	db, err := database.Open(ctx, cfg)
	if err != nil {
		return fmt.Errorf("seed template: %w", err)
	}
	defer db.Close()
	if _, err := seed.Run(ctx, db.Ent); err != nil {
		return fmt.Errorf("seed template: %w", err)
	}
	return nil
}

func dropTemplates() error {
	var errs []error
	for _, tpl := range []*templateDB{&templates.seeded, &templates.bare} {
		if tpl.created {
			errs = append(errs, dropDatabase(context.Background(), templates.adminURL, tpl.name))
		}
	}
	return errors.Join(errs...)
}

// createDatabase runs CREATE DATABASE name [TEMPLATE tpl] on the server.
func createDatabase(ctx context.Context, adminURL, name, tpl string) error {
	stmt := "CREATE DATABASE " + pq.QuoteIdentifier(name)
	if tpl != "" {
		stmt += " TEMPLATE " + pq.QuoteIdentifier(tpl)
		templates.create.Lock()
		defer templates.create.Unlock()
	}
	if err := adminExec(ctx, adminURL, stmt); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func dropDatabase(ctx context.Context, adminURL, name string) error {
	if err := adminExec(ctx, adminURL, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// adminExec runs one statement on the admin database.
func adminExec(ctx context.Context, adminURL, stmt string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	db, err := sql.Open("postgres", adminURL)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

// databaseURL is adminURL pointed at database name.
func databaseURL(adminURL, name string) (string, error) {
	u, err := url.Parse(adminURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("%s must be a postgres:// URL", EnvURL)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// mustURL is databaseURL for an adminURL already checked by a caller.
func mustURL(adminURL, name string) string {
	u, _ := databaseURL(adminURL, name)
	return u
}

func mustDatabaseURL(t testing.TB, adminURL, name string) string {
	t.Helper()
	u, err := databaseURL(adminURL, name)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return u
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
