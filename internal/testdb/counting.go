package testdb

import (
	"context"
	"database/sql"
	"sync"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/worksynapse/worksynapse/internal/database"
)

// QueryCounter records the SQL statements an ent client sends (in
// transactions too) whose context match accepts, so a test can assert how many queries an operation costs.
type QueryCounter struct {
	match func(context.Context) bool
	mu    sync.Mutex
	stmts []string
}

// CountQueries returns db with an ent client that reports to the
// counter; match selects the statements to count (nil counts all), e.g.
// those of one request while background jobs share the client.
func CountQueries(db *database.DB, match func(context.Context) bool) (*database.DB, *QueryCounter) {
	c := &QueryCounter{match: match}
	counted := db.WithDriver(func(d dialect.Driver) dialect.Driver {
		return countingDriver{Driver: d.(*entsql.Driver), c: c}
	})
	return counted, c
}

// countingDriver records statements at the dialect level outside
// transactions and at the database/sql level inside them. Why not
// dialect.DebugWithContext: its transactions are no *entsql.Tx, so
// ent.Tx.SQLTx (jobs enqueued in the caller's transaction) would fail.
type countingDriver struct {
	*entsql.Driver
	c *QueryCounter
}

func (d countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.c.record(ctx, query)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d countingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.c.record(ctx, query)
	return d.Driver.Query(ctx, query, args, v)
}

func (d countingDriver) Tx(ctx context.Context) (dialect.Tx, error) { return d.BeginTx(ctx, nil) }

func (d countingDriver) BeginTx(ctx context.Context, opts *entsql.TxOptions) (dialect.Tx, error) {
	tx, err := d.Driver.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	etx := tx.(*entsql.Tx)
	conn := etx.Conn // keeps the dialect; only the statements' path changes
	conn.ExecQuerier = countingExecQuerier{ExecQuerier: conn.ExecQuerier, c: d.c}
	return &entsql.Tx{Conn: conn, Tx: etx.Tx}, nil
}

// countingExecQuerier records the statements of a transaction.
type countingExecQuerier struct {
	entsql.ExecQuerier
	c *QueryCounter
}

func (q countingExecQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q.c.record(ctx, query)
	return q.ExecQuerier.ExecContext(ctx, query, args...)
}

func (q countingExecQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q.c.record(ctx, query)
	return q.ExecQuerier.QueryContext(ctx, query, args...)
}

func (c *QueryCounter) record(ctx context.Context, query string) {
	if c.match != nil && !c.match(ctx) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stmts = append(c.stmts, query)
}

// Reset forgets the statements recorded so far.
func (c *QueryCounter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stmts = nil
}

// Statements are the statements recorded since the last Reset.
func (c *QueryCounter) Statements() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.stmts...)
}
