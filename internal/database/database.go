// Package database opens the product's SQL database: PostgreSQL when a URL
// is configured, otherwise an embedded SQLite file (pure Go, no cgo). It
// hands out both the *sql.DB and the ent client over it.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq"  // "postgres" database/sql driver
	_ "modernc.org/sqlite" // "sqlite" database/sql driver

	"github.com/worksynapse/worksynapse/ent"
	_ "github.com/worksynapse/worksynapse/ent/runtime" // ent hooks and policies
	"github.com/worksynapse/worksynapse/internal/riverschema"
	"github.com/worksynapse/worksynapse/internal/sessioncache"
	"github.com/worksynapse/worksynapse/internal/textguard"
)

// Config says which database to open. The caller maps its configuration
// onto it.
type Config struct {
	// URL is a postgres:// URL; empty selects embedded SQLite at SQLitePath.
	// It may point at a transaction-mode pooler such as PgBouncer.
	URL string
	// DirectURL reaches PostgreSQL without a transaction-mode pooler, for
	// what needs a session of its own: migrations (a session advisory
	// lock) and the stream's LISTEN. Empty means URL.
	DirectURL string
	// SQLitePath is the SQLite database file (its directory is created).
	SQLitePath string
	// Pool settings for PostgreSQL; zero keeps database/sql's default.
	// SQLite always uses a single connection.
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	// PreparedStatements sends ent's statements outside transactions as
	// prepared statements (PostgreSQL; see preparedDriver). Ignored when
	// DirectURL is set: URL is then a transaction-mode pooler.
	PreparedStatements bool
}

// DB is an open database.
type DB struct {
	SQL *sql.DB
	// Dialect is dialect.Postgres ("postgres") or dialect.SQLite ("sqlite3").
	Dialect string
	Ent     *ent.Client
	// Session is the pool for work that keeps session state across
	// statements (migrations and their advisory lock): the direct
	// connection when one is configured, otherwise SQL itself.
	Session *sql.DB
	// SessionURL is the URL behind Session (empty on SQLite): the
	// shared LISTEN connection (Notifications) uses it.
	SessionURL string
	listen     *Notifications
}

// sqlitePragmas are applied to every SQLite connection: enforce foreign
// keys, WAL for concurrent readers, and wait (not fail) on a locked file.
const sqlitePragmas = "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)"

// Open connects to the configured database and checks that it answers.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	var (
		db  *DB
		err error
	)
	if cfg.URL != "" {
		db, err = openPostgres(cfg)
	} else {
		db, err = openSQLite(cfg.SQLitePath)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.Session != db.SQL {
		if err := db.Session.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("database: ping the direct connection (database.direct_url): %w", err)
		}
	}
	return db, nil
}

func openPostgres(cfg Config) (*DB, error) {
	if !strings.HasPrefix(cfg.URL, "postgres://") && !strings.HasPrefix(cfg.URL, "postgresql://") {
		return nil, errors.New("database: the database URL must start with postgres:// or postgresql://")
	}
	sqlDB, err := openPool(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.MaxOpenConns > 0 {
		sqlDB.SetMaxOpenConns(cfg.MaxOpenConns)
	}
	if cfg.MaxIdleConns > 0 {
		sqlDB.SetMaxIdleConns(cfg.MaxIdleConns)
	}
	if cfg.ConnMaxLifetime > 0 {
		sqlDB.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	}
	db := newDB(sqlDB, dialect.Postgres)
	db.Session, db.SessionURL = sqlDB, cfg.URL
	if cfg.DirectURL != "" && cfg.DirectURL != cfg.URL {
		direct, err := openPool(cfg.DirectURL)
		if err != nil {
			sqlDB.Close()
			return nil, err
		}
		// Migrations and the occasional status check: a few connections.
		direct.SetMaxOpenConns(4)
		direct.SetMaxIdleConns(1)
		db.Session, db.SessionURL = direct, cfg.DirectURL
	}
	db.listen = newNotifications(db.SessionURL)
	if cfg.PreparedStatements && db.SessionURL == cfg.URL {
		pd := newPreparedDriver(dialect.Postgres, sqlDB)
		db.Ent = newClient(pd)
		go pd.stmts.verify(db.listen)
	}
	return db, nil
}

func openSQLite(path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("database: no database URL and no SQLite path configured")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("database: sqlite path %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("database: create sqlite directory: %w", err)
	}
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: sqlitePragmas}).String()
	sqlDB, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("database: open sqlite %s: %w", abs, err)
	}
	// One connection: SQLite has a single writer, and queuing in the pool
	// avoids SQLITE_BUSY between our own connections.
	sqlDB.SetMaxOpenConns(1)
	sqlDB.SetMaxIdleConns(1)
	sqlDB.SetConnMaxLifetime(0)
	db := newDB(sqlDB, dialect.SQLite)
	db.Session = sqlDB
	return db, nil
}

func newDB(sqlDB *sql.DB, d string) *DB {
	return &DB{SQL: sqlDB, Dialect: d, Ent: newClient(entsql.OpenDB(d, sqlDB))}
}

func newClient(drv dialect.Driver) *ent.Client {
	client := ent.NewClient(ent.Driver(drv))
	// Client-wide hooks apply to every entity, in transactions too.
	client.Use(textguard.Hook())
	if drv.Dialect() == dialect.Postgres {
		// Every replica's session cache hears of the changes it depends
		// on, whatever process makes them (the CLI too).
		sessioncache.Register(client)
	}
	return client
}

// WithDriver returns a DB over the same pool whose ent client sends its
// statements through wrap(driver), e.g. to count them in tests. Closing
// either DB closes the shared pool.
func (db *DB) WithDriver(wrap func(dialect.Driver) dialect.Driver) *DB {
	return &DB{SQL: db.SQL, Dialect: db.Dialect, Ent: newClient(wrap(entsql.OpenDB(db.Dialect, db.SQL))),
		Session: db.Session, SessionURL: db.SessionURL, listen: db.listen}
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.SQL.PingContext(ctx); err != nil {
		return fmt.Errorf("database: ping %s: %w", db.Dialect, err)
	}
	return nil
}

// Close closes the ent client and the connection pools.
func (db *DB) Close() error {
	err := errors.Join(db.listen.close(), db.Ent.Close())
	if db.Session != nil && db.Session != db.SQL {
		err = errors.Join(err, db.Session.Close())
	}
	if err != nil {
		return fmt.Errorf("database: close: %w", err)
	}
	return nil
}

// EnsureSQLiteSchema creates or extends the SQLite schema from the ent
// schema (ent auto-migration). PostgreSQL is only ever migrated through the
// versioned directory (package dbmigrate), so it is refused here.
func EnsureSQLiteSchema(ctx context.Context, db *DB) error {
	if db.Dialect != dialect.SQLite {
		return fmt.Errorf("database: EnsureSQLiteSchema on %s: use the versioned migrations", db.Dialect)
	}
	if err := upgradeSQLite(ctx, db.SQL); err != nil {
		return err
	}
	if err := db.Ent.Schema.Create(ctx); err != nil {
		return fmt.Errorf("database: create sqlite schema: %w", err)
	}
	if err := riverschema.MigrateSQLite(ctx, db.SQL); err != nil {
		return err
	}
	return nil
}

// WithTx runs fn in a transaction of client: it commits when fn returns
// nil and rolls back when fn fails or panics (the panic is re-raised). fn's
// error is returned as is (joined with a rollback failure, if any).
func WithTx(ctx context.Context, client *ent.Client, fn func(tx *ent.Tx) error) error {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("database: begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return errors.Join(err, fmt.Errorf("database: rollback: %w", rerr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("database: commit: %w", err)
	}
	return nil
}

// InTx is WithTx for a transaction that produces a value: fn's result is
// returned once the transaction has committed.
func InTx[T any](ctx context.Context, client *ent.Client, fn func(tx *ent.Tx) (T, error)) (T, error) {
	var out T
	err := WithTx(ctx, client, func(tx *ent.Tx) (err error) {
		out, err = fn(tx)
		return err
	})
	return out, err
}
