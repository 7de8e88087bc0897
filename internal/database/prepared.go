package database

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"
)

// maxPrepared bounds the statements kept prepared, on each pooled
// connection of the server too (PgBouncer's max_prepared_statements
// defaults to the same): ent's statements are few and fixed per
// operation, but an IN list's length changes the text, and past the bound
// a statement simply runs unprepared.
const maxPrepared = 200

// preparedDriver sends the statements ent runs outside transactions as
// prepared statements, each parsed and planned once per connection
// instead of on every call (database.prepared_statements). Transactions
// keep ent's own driver. Named prepared statements need a session of
// their own on the server: PostgreSQL itself, or PgBouncer 1.21 or later
// with max_prepared_statements set; an older transaction-mode pooler must
// leave this off.
type preparedDriver struct {
	*entsql.Driver // transactions, Close, Dialect, raw ExecContext
	conn           entsql.Conn
	stmts          *statements
}

// verify turns preparing on once a notification sent through the pool is
// heard on a LISTEN over the same URL (see statements.verified); a
// transaction-mode pooler delivers nothing, and preparing stays off.
func (s *statements) verify(n *Notifications) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if heard, err := n.HearsItself(ctx, s.db); err == nil && heard {
		s.mu.Lock()
		s.verified = true
		s.mu.Unlock()
	}
}

func newPreparedDriver(d string, db *sql.DB) *preparedDriver {
	st := &statements{db: db, byText: map[string]*sql.Stmt{}}
	return &preparedDriver{Driver: entsql.OpenDB(d, db), conn: entsql.Conn{ExecQuerier: st}, stmts: st}
}

// Exec runs an ent statement outside a transaction, prepared.
func (d *preparedDriver) Exec(ctx context.Context, query string, args, v any) error {
	return d.conn.Exec(ctx, query, args, v)
}

// Query runs an ent query outside a transaction, prepared.
func (d *preparedDriver) Query(ctx context.Context, query string, args, v any) error {
	return d.conn.Query(ctx, query, args, v)
}

// Close closes the prepared statements and the pool.
func (d *preparedDriver) Close() error {
	return errors.Join(d.stmts.close(), d.Driver.Close())
}

// statements is a bounded set of prepared statements by text; it is an
// entsql.ExecQuerier.
type statements struct {
	db     *sql.DB
	mu     sync.Mutex
	byText map[string]*sql.Stmt
	// verified: database.url keeps a session per connection (a LISTEN
	// through it hears its own NOTIFY), so no transaction-mode pooler can
	// run one client's statement on another's server connection, where
	// lib/pq's statement names ("1", "2", …) would collide.
	verified bool
	off      bool // a pooler lost a statement: everything runs unprepared
}

func (s *statements) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := s.prepared(ctx, query); st != nil {
		res, err := st.ExecContext(ctx, args...)
		if !s.unusable(query, err) {
			return res, err
		}
	}
	return s.db.ExecContext(ctx, query, args...)
}

func (s *statements) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := s.prepared(ctx, query); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		if !s.unusable(query, err) {
			return rows, err
		}
	}
	return s.db.QueryContext(ctx, query, args...)
}

// unusable reports whether err says the prepared statement cannot serve
// (the caller then runs the query unprepared) and stops using it: a
// transaction-mode pooler sent the statement to a server connection that
// never prepared it (26000: every statement is given up), or a migration
// changed a table under it (0A000, "cached plan must not change result
// type": prepared again on next use).
func (s *statements) unusable(query string, err error) bool {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch pqErr.Code {
	case "26000": // invalid_sql_statement_name
		if !s.off {
			slog.Warn("database: a prepared statement went missing (a transaction-mode pooler in database.url?); " +
				"statements run unprepared from now on. Set database.direct_url to PostgreSQL itself, or " +
				"database.prepared_statements to false")
		}
		s.off = true
		for _, st := range s.byText {
			_ = st.Close()
		}
		clear(s.byText)
		return true
	case "0A000": // feature_not_supported
		if st, ok := s.byText[query]; ok {
			_ = st.Close()
			delete(s.byText, query)
		}
		return true
	}
	return false
}

// prepared returns query's prepared statement, preparing it on first use;
// nil (run it unprepared) once the set is full or when preparing fails.
func (s *statements) prepared(ctx context.Context, query string) *sql.Stmt {
	s.mu.Lock()
	st, ok := s.byText[query]
	full := !s.verified || s.off || len(s.byText) >= maxPrepared
	s.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.byText[query]; ok || s.off { // prepared concurrently, or given up
		_ = st.Close()
		return prev
	}
	s.byText[query] = st
	return st
}

func (s *statements) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	for _, st := range s.byText {
		err = errors.Join(err, st.Close())
	}
	clear(s.byText)
	return err
}
