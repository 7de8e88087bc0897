package dbmigrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"
)

// ErrNotCurrent is wrapped by State.Err when the database is not exactly at
// the binary's migration directory: files pending, revisions the binary does
// not know (the database is ahead), or a failed migration left behind.
var ErrNotCurrent = errors.New("the database schema is not current")

// ErrFailedMigration stops `apply` until a person resolved a failed file.
var ErrFailedMigration = errors.New("a migration failed")

// Err describes everything that keeps the database from being exactly at the
// binary's directory, or returns nil. `migrate status` exits non-zero on it.
func (st State) Err() error {
	var problems []string
	if n := len(st.Pending); n > 0 {
		problems = append(problems, fmt.Sprintf("%d pending migration(s): run `worksynapse migrate apply`", n))
	}
	if msg := st.aheadProblem(); msg != "" {
		problems = append(problems, msg)
	}
	for _, r := range st.Failed {
		problems = append(problems, failedProblem(r))
	}
	if err := DriftError(st.Drift); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrNotCurrent, strings.Join(problems, "; "))
}

// ServingErr is the part of Err that makes a running server unready: a
// database ahead of the binary or a failed migration. (Pending files stop
// `serve` from starting instead.)
func (st State) ServingErr() error {
	if msg := st.aheadProblem(); msg != "" {
		return errors.New(msg)
	}
	if len(st.Failed) > 0 {
		return errors.New(failedProblem(st.Failed[0]))
	}
	return nil
}

func (st State) aheadProblem() string {
	if len(st.Ahead) == 0 {
		return ""
	}
	return fmt.Sprintf("the database has revision(s) %s that this binary does not know "+
		"(it was migrated by a newer release): run that release, or restore the schema it expects",
		strings.Join(st.Ahead, ", "))
}

func failedProblem(r *migrate.Revision) string {
	return fmt.Sprintf("migration %s failed (%s) at statement %q: fix the cause, then run "+
		"`worksynapse migrate resolve %s` and apply again", r.Version, r.Error, abbreviate(r.ErrorStmt, 200), r.Version)
}

// abbreviate keeps s readable in one line of an error.
func abbreviate(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// classify fills the Ahead and Failed lists of st from the revisions.
func (st *State) classify(revs []*migrate.Revision, files []migrate.File) {
	known := make(map[string]bool, len(files))
	for _, f := range files {
		known[f.Version()] = true
	}
	for _, r := range revs {
		if r.Error != "" {
			st.Failed = append(st.Failed, r)
		}
		if !known[r.Version] && r.Type != migrate.RevisionTypeBaseline {
			st.Ahead = append(st.Ahead, r.Version)
		}
	}
}

// lockHolder describes the session holding the migration lock, for people
// waiting on it ("unknown" if it cannot be read).
func lockHolder(ctx context.Context, conn ExecQuerier) string {
	var (
		pid           int64
		app, client   string
		started, what string
	)
	err := conn.QueryRowContext(ctx, `SELECT a.pid, coalesce(a.application_name, ''),
  coalesce(host(a.client_addr), 'local socket'), to_char(a.backend_start, 'YYYY-MM-DD"T"HH24:MI:SSOF'), coalesce(a.state, '')
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid::bigint = $1 AND l.objsubid = 1
LIMIT 1`, lockID).Scan(&pid, &app, &client, &started, &what)
	if err != nil {
		return "holder unknown"
	}
	return fmt.Sprintf("held by backend pid %d, application %q, from %s, connected %s, %s", pid, app, client, started, what)
}

// recordFailure writes the revision of a transactional file that failed
// and was rolled back, the way the Atlas CLI records failures: the error,
// the statement and no statements applied. Inside the rolled-back
// transaction Atlas's own record was lost (and its attempt to write it
// produced a second, confusing error, dropped here).
func recordFailure(ctx context.Context, conn ExecQuerier, dir migrate.Dir, f migrate.File, start time.Time, cause error) error {
	rev := &migrate.Revision{
		Version: f.Version(), Description: f.Desc(), Type: migrate.RevisionTypeExecute,
		ExecutedAt: start, ExecutionTime: time.Since(start), OperatorVersion: OperatorVersion,
		Error: cause.Error(),
	}
	var stmtErr *migrate.StmtExecError
	if errors.As(cause, &stmtErr) {
		rev.ErrorStmt, rev.Error = stmtErr.Stmt.Text, stmtErr.Err.Error()
		cause = fmt.Errorf("dbmigrate: apply %s: %w", f.Name(), stmtErr)
	}
	if stmts, err := f.Stmts(); err == nil {
		rev.Total = len(stmts)
	}
	if sum, err := dir.Checksum(); err == nil {
		rev.Hash, _ = sum.SumByName(f.Name())
	}
	ctx = context.WithoutCancel(ctx)
	rrw, err := NewRevisions(ctx, conn)
	if err == nil {
		err = rrw.WriteRevision(ctx, rev)
	}
	if err != nil {
		return errors.Join(cause, fmt.Errorf("dbmigrate: record the failure of %s: %w", f.Name(), err))
	}
	return fmt.Errorf("%w (recorded in %s; rolled back, nothing of it applied)", cause, RevisionTable)
}

// Resolve clears the failure recorded for version after a person fixed its
// cause, so the next apply runs it again. A rolled-back file (nothing
// applied) loses its revision; a partly applied one (`txmode none`) keeps
// its progress and resumes after the statements that succeeded.
func Resolve(ctx context.Context, db *sql.DB, version string) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("dbmigrate: acquire connection: %w", err)
	}
	defer conn.Close()
	unlock, err := lock(ctx, conn, DefaultLockTimeout, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, unlock()) }()
	rrw, err := NewRevisions(ctx, conn)
	if err != nil {
		return err
	}
	rev, err := rrw.ReadRevision(ctx, version)
	if errors.Is(err, migrate.ErrRevisionNotExist) {
		return fmt.Errorf("dbmigrate: no revision %s in %s", version, RevisionTable)
	}
	if err != nil {
		return err
	}
	if rev.Error == "" {
		return fmt.Errorf("dbmigrate: revision %s has no recorded failure", version)
	}
	if rev.Applied == 0 {
		return rrw.DeleteRevision(ctx, version)
	}
	rev.Error, rev.ErrorStmt = "", ""
	return rrw.WriteRevision(ctx, rev)
}
