package dbmigrate

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"

	"github.com/worksynapse/worksynapse/internal/partition"
)

// OperatorVersion is recorded in atlas_schema_revisions.operator_version
// for the revisions this package applies.
const OperatorVersion = "worksynapse dbmigrate"

// lockID is the PostgreSQL advisory lock held while applying: the key the
// Atlas CLI takes for `atlas migrate apply` (FNV-32 of its lock name), so
// the binary and a DBA's CLI never apply at the same time either.
var lockID = func() int64 {
	h := fnv.New32()
	h.Write([]byte("atlas_migrate_execute"))
	return int64(h.Sum32())
}()

// State is the migration state of a database (the result of Status).
type State struct {
	// Current is the version of the last applied migration ("" if none).
	Current string
	// Applied lists the versions of the applied migrations, oldest first.
	Applied []string
	// Pending lists the files still to apply, in execution order.
	Pending []migrate.File
	// Ahead lists revisions in the database that the directory does not
	// have: a newer release migrated it.
	Ahead []string
	// Failed lists revisions that recorded an error.
	Failed []*migrate.Revision
	// Head is the version of the directory's newest file.
	Head string
	// Drift lists how the live schema differs from what the applied files
	// produce; filled by CheckDrift, not by Status (it inspects the schema).
	Drift []string
}

// Status reports which embedded migrations the database has applied and
// which are pending. It does not change the database.
func Status(ctx context.Context, db *sql.DB) (State, error) {
	dir, err := Dir()
	if err != nil {
		return State{}, err
	}
	return status(ctx, db, dir)
}

// Plan returns the pending migration files (their SQL is f.Bytes()) without
// applying them.
func Plan(ctx context.Context, db *sql.DB) ([]migrate.File, error) {
	st, err := Status(ctx, db)
	return st.Pending, err
}

// Apply runs the pending migrations in order, each file in its own
// transaction (unless it carries `-- atlas:txmode none`), and returns how
// many files it applied. A session advisory lock serializes concurrent
// callers; the later one finds nothing pending. log may be nil.
func Apply(ctx context.Context, db *sql.DB, log *slog.Logger) (int, error) {
	return ApplyWith(ctx, db, ApplyOptions{Log: log})
}

// ApplyOptions tune Apply for the `migrate apply` command.
type ApplyOptions struct {
	// Log receives progress; nil discards it.
	Log *slog.Logger
	// Baseline adopts a database created without these migrations: the
	// files up to and including this version are recorded as applied
	// without running them (Atlas's --baseline). Only on a database with
	// no revisions.
	Baseline string
	// LockTimeout bounds the wait for another applier's lock
	// (DefaultLockTimeout when zero).
	LockTimeout time.Duration
}

// DefaultLockTimeout is how long Apply waits for the migration lock.
const DefaultLockTimeout = 5 * time.Minute

// lockLogEvery is how often a waiting Apply says who holds the lock.
const lockLogEvery = 5 * time.Second

// ApplyWith is Apply with options.
func ApplyWith(ctx context.Context, db *sql.DB, opts ApplyOptions) (int, error) {
	dir, err := Dir()
	if err != nil {
		return 0, err
	}
	return apply(ctx, db, dir, opts)
}

func status(ctx context.Context, db *sql.DB, dir migrate.Dir) (State, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return State{}, fmt.Errorf("dbmigrate: acquire connection: %w", err)
	}
	defer conn.Close()
	rrw, err := NewRevisions(ctx, conn)
	if err != nil {
		return State{}, err
	}
	revs, err := rrw.ReadRevisions(ctx)
	if err != nil {
		return State{}, err
	}
	st := State{}
	for _, r := range revs {
		if r.Applied == r.Total && r.Error == "" {
			st.Applied = append(st.Applied, r.Version)
		}
	}
	if n := len(st.Applied); n > 0 {
		st.Current = st.Applied[n-1]
	}
	files, err := dir.Files()
	if err != nil {
		return st, fmt.Errorf("dbmigrate: read migration directory: %w", err)
	}
	st.classify(revs, files)
	if n := len(files); n > 0 {
		st.Head = files[n-1].Version()
	}
	if len(st.Ahead) > 0 {
		return st, nil // nothing can be pending on a database ahead of us
	}
	st.Pending, err = pendingFiles(ctx, conn, dir, rrw, "")
	return st, err
}

func apply(ctx context.Context, db *sql.DB, dir migrate.Dir, opts ApplyOptions) (applied int, err error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("dbmigrate: acquire connection: %w", err)
	}
	defer conn.Close()
	unlock, err := lock(ctx, conn, opts.LockTimeout, log)
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, unlock()) }()
	rrw, err := NewRevisions(ctx, conn)
	if err != nil {
		return 0, err
	}
	if err := refuseUnsafeState(ctx, dir, rrw); err != nil {
		return 0, err
	}
	files, err := pendingFiles(ctx, conn, dir, rrw, opts.Baseline)
	if err != nil {
		return 0, err
	}
	for _, f := range files {
		if err := applyFile(ctx, conn, dir, f, log); err != nil {
			return applied, err
		}
		applied++
	}
	// Still under the lock: the months ahead of partitioned tables exist
	// once apply returns, whatever the migration that partitioned them.
	if _, err := partition.EnsureAll(ctx, conn, time.Now()); err != nil {
		return applied, fmt.Errorf("dbmigrate: %w", err)
	}
	return applied, nil
}

// refuseUnsafeState stops apply on a database that is ahead of the binary
// or holds a failed migration a person has not resolved yet.
func refuseUnsafeState(ctx context.Context, dir migrate.Dir, rrw *Revisions) error {
	revs, err := rrw.ReadRevisions(ctx)
	if err != nil {
		return err
	}
	files, err := dir.Files()
	if err != nil {
		return fmt.Errorf("dbmigrate: read migration directory: %w", err)
	}
	var st State
	st.classify(revs, files)
	if msg := st.aheadProblem(); msg != "" {
		return fmt.Errorf("dbmigrate: %w: %s", ErrNotCurrent, msg)
	}
	if len(st.Failed) > 0 {
		return fmt.Errorf("dbmigrate: %w: %s", ErrFailedMigration, failedProblem(st.Failed[0]))
	}
	return nil
}

// pendingFiles asks Atlas's executor which files are not applied yet.
// baseline, when set, is recorded as applied on a database without
// revisions (see ApplyOptions.Baseline).
func pendingFiles(ctx context.Context, conn ExecQuerier, dir migrate.Dir, rrw *Revisions, baseline string) ([]migrate.File, error) {
	var opts []migrate.ExecutorOption
	if baseline != "" {
		opts = append(opts, migrate.WithBaselineVersion(baseline))
	}
	ex, err := newExecutor(conn, dir, rrw, migrate.NopLogger{}, opts...)
	if err != nil {
		return nil, err
	}
	files, err := ex.Pending(ctx)
	var notClean *migrate.NotCleanError
	switch {
	case errors.Is(err, migrate.ErrNoPendingFiles):
		return nil, nil
	case errors.As(err, &notClean):
		return nil, fmt.Errorf("dbmigrate: the database has tables (%s) but no applied revisions in %s.%s: "+
			"it was created without these migrations. If its schema matches a version of the directory, adopt it "+
			"with `worksynapse migrate apply --baseline VERSION` (files up to VERSION are recorded, not run)",
			notClean.Reason, rrw.schema, RevisionTable)
	case err != nil:
		return nil, fmt.Errorf("dbmigrate: compute pending migrations: %w", err)
	}
	return files, nil
}

// applyFile executes f and records its revision, both inside one
// transaction unless the file opts out with `-- atlas:txmode none`.
func applyFile(ctx context.Context, conn *sql.Conn, dir migrate.Dir, f migrate.File, log *slog.Logger) error {
	start := time.Now()
	if !inTransaction(f) {
		if err := execute(ctx, conn, dir, f, log); err != nil {
			return err
		}
		log.Info("applied migration", "file", f.Name(), "duration", time.Since(start))
		return nil
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("dbmigrate: %s: begin transaction: %w", f.Name(), err)
	}
	if err := execute(ctx, tx, dir, f, log); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return errors.Join(err, fmt.Errorf("dbmigrate: %s: rollback: %w", f.Name(), rerr))
		}
		return recordFailure(ctx, conn, dir, f, start, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("dbmigrate: %s: commit: %w", f.Name(), err)
	}
	log.Info("applied migration", "file", f.Name(), "duration", time.Since(start))
	return nil
}

// execute runs the statements of f on conn with Atlas's executor, which
// writes the revision through the same connection or transaction.
func execute(ctx context.Context, conn ExecQuerier, dir migrate.Dir, f migrate.File, log *slog.Logger) error {
	rrw, err := NewRevisions(ctx, conn)
	if err != nil {
		return err
	}
	ex, err := newExecutor(conn, dir, rrw, slogLogger{log})
	if err != nil {
		return err
	}
	if err := ex.Execute(ctx, f); err != nil {
		return fmt.Errorf("dbmigrate: apply %s: %w", f.Name(), err)
	}
	return nil
}

func newExecutor(conn ExecQuerier, dir migrate.Dir, rrw *Revisions, log migrate.Logger, opts ...migrate.ExecutorOption) (*migrate.Executor, error) {
	drv, err := postgres.Open(conn)
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: open atlas postgres driver: %w", err)
	}
	opts = append(opts, migrate.WithLogger(log), migrate.WithOperatorVersion(OperatorVersion))
	ex, err := migrate.NewExecutor(drv, dir, rrw, opts...)
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: create executor: %w", err)
	}
	return ex, nil
}

// inTransaction reports whether f runs in a transaction: the default,
// unless the file says `-- atlas:txmode none` (e.g. CREATE INDEX CONCURRENTLY).
func inTransaction(f migrate.File) bool {
	lf, ok := f.(*migrate.LocalFile)
	if !ok {
		return true
	}
	ds := lf.Directive("txmode")
	return len(ds) == 0 || ds[0] != "none"
}

// lock takes the session advisory lock on conn, waiting for other appliers
// up to timeout and saying every few seconds who holds it.
func lock(ctx context.Context, conn *sql.Conn, timeout time.Duration, log *slog.Logger) (unlock func() error, err error) {
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	start := time.Now()
	lastLog := start
	for {
		var taken bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", lockID).Scan(&taken); err != nil {
			return nil, fmt.Errorf("dbmigrate: take migration lock: %w", err)
		}
		if taken {
			break
		}
		waited := time.Since(start)
		if waited >= timeout {
			return nil, fmt.Errorf("dbmigrate: another migration holds the lock (%s); gave up after %s: "+
				"wait for it to finish or stop it, then apply again", lockHolder(ctx, conn), waited.Round(time.Second))
		}
		if time.Since(lastLog) >= lockLogEvery {
			log.Warn("waiting for the migration lock", "holder", lockHolder(ctx, conn), "waited", waited.Round(time.Second), "timeout", timeout)
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("dbmigrate: wait for migration lock: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	return func() error {
		var released bool
		err := conn.QueryRowContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockID).Scan(&released)
		if err == nil && released {
			return nil
		}
		// Never return a session that may still hold the lock to the pool.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		if err == nil {
			err = errors.New("lock was not held")
		}
		return fmt.Errorf("dbmigrate: release migration lock: %w", err)
	}, nil
}

// slogLogger reports Atlas executor events to slog.
type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Log(e migrate.LogEntry) {
	switch e := e.(type) {
	case migrate.LogFile:
		l.log.Info("applying migration", "file", e.File.Name(), "skip_statements", e.Skip)
	case migrate.LogStmt:
		l.log.Debug("migration statement", "sql", e.SQL)
	case migrate.LogError:
		l.log.Error("migration failed", "sql", e.SQL, "error", e.Error)
	}
}
