// Package partition keeps PostgreSQL's high-volume log tables in monthly
// range partitions on their UUIDv7 id: it creates the months ahead of time
// and drops whole months once they are past retention, so expiring a month
// costs a DROP TABLE instead of deleting its rows one by one.
//
// A UUIDv7 starts with its creation time in milliseconds, so the month
// [m, m+1) is the id range [Bound(m), Bound(m+1)) and the single-column
// primary key stays valid (it contains the partition key). The migration
// that partitioned a table attached the old table as <table>_legacy, the
// partition of every id before the month after the migration ran.
//
// SQLite (the embedded default) keeps plain tables; callers check the
// dialect before using this package.
package partition

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"
)

// Tables are the tables migrations partitioned by month (RANGE on id).
var Tables = []string{"activity_logs", "agent_calls", "app_usages", "idle_periods", "security_audit_logs"}

// MonthsAhead is how many months after the current one have their
// partition created in advance: a row whose month has no partition cannot
// be stored, so this is how long the partitions.maintain job may fail (or
// no process start) before writes to these tables fail.
const MonthsAhead = 3

// Execer runs statements: *sql.DB, *sql.Conn, *sql.Tx and an ent
// transaction all do.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Beginner starts transactions (*sql.DB and *sql.Conn).
type Beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// Partition is one partition of a table: its rows are those with
// From <= id < To.
type Partition struct {
	Name string
	// From is uuid.Nil for MINVALUE (the legacy partition).
	From uuid.UUID
	// To is uuid.Max for MAXVALUE (never created by this package).
	To uuid.UUID
}

// End is the first instant after the partition's rows.
func (p Partition) End() time.Time { return TimeOf(p.To) }

// MonthStart returns the first instant of t's month in UTC.
func MonthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// Bound returns the smallest UUIDv7 of t's millisecond: ids created before
// t sort below it, ids created at or after t sort at or above it.
func Bound(t time.Time) uuid.UUID {
	var u uuid.UUID
	ms := uint64(t.UnixMilli())
	for i := 0; i < 6; i++ {
		u[i] = byte(ms >> (8 * (5 - i)))
	}
	return u
}

// TimeOf returns the creation millisecond a UUIDv7 (or a Bound) carries.
func TimeOf(id uuid.UUID) time.Time {
	var ms int64
	for i := 0; i < 6; i++ {
		ms = ms<<8 | int64(id[i])
	}
	return time.UnixMilli(ms).UTC()
}

// IsPartitioned reports whether table (in the current schema) is a
// partitioned table.
func IsPartitioned(ctx context.Context, q Execer, table string) (bool, error) {
	var ok bool
	err := scanRow(ctx, q, `SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass($1))`,
		[]any{pq.QuoteIdentifier(table)}, &ok)
	if err != nil {
		return false, fmt.Errorf("partition: is %s partitioned: %w", table, err)
	}
	return ok, nil
}

// scanRow scans the one row query returns into dest (Execer has no
// QueryRowContext: an ent transaction is one too).
func scanRow(ctx context.Context, q Execer, query string, args []any, dest ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		return errors.Join(rows.Err(), sql.ErrNoRows)
	}
	return errors.Join(rows.Scan(dest...), rows.Err())
}

// rangeBound parses pg_get_expr of a partition's bound.
var rangeBound = regexp.MustCompile(`^FOR VALUES FROM \((MINVALUE|'[0-9a-f-]{36}')\) TO \((MAXVALUE|'[0-9a-f-]{36}')\)$`)

// List returns the partitions of table in id order.
func List(ctx context.Context, q Execer, table string) ([]Partition, error) {
	var out []Partition
	err := eachPartition(ctx, q, table, func(name, bound string) error {
		p, err := parse(name, bound)
		out = append(out, p)
		return err
	})
	sortByFrom(out)
	return out, err
}

// eachPartition calls fn with the name and bound (pg_get_expr of its
// relpartbound) of every partition of table.
func eachPartition(ctx context.Context, q Execer, table string, fn func(name, bound string) error) error {
	rows, err := q.QueryContext(ctx, `
		SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)
		FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = to_regclass($1)`, pq.QuoteIdentifier(table))
	if err != nil {
		return fmt.Errorf("partition: list partitions of %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, bound string
		if err := rows.Scan(&name, &bound); err != nil {
			return fmt.Errorf("partition: list partitions of %s: %w", table, err)
		}
		if err := fn(name, bound); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("partition: list partitions of %s: %w", table, err)
	}
	return nil
}

func parse(name, bound string) (Partition, error) {
	m := rangeBound.FindStringSubmatch(bound)
	if m == nil {
		return Partition{}, fmt.Errorf("partition: %s: unexpected bound %q (not a range on a uuid)", name, bound)
	}
	p := Partition{Name: name, From: uuid.Nil, To: uuid.Max}
	if m[1] != "MINVALUE" {
		p.From = uuid.MustParse(m[1][1 : len(m[1])-1])
	}
	if m[2] != "MAXVALUE" {
		p.To = uuid.MustParse(m[2][1 : len(m[2])-1])
	}
	return p, nil
}

func sortByFrom(ps []Partition) {
	slices.SortFunc(ps, func(a, b Partition) int { return bytes.Compare(a.From[:], b.From[:]) })
}

// covering returns the partition holding id, if any.
func covering(ps []Partition, id uuid.UUID) (Partition, bool) {
	for _, p := range ps {
		if bytes.Compare(p.From[:], id[:]) <= 0 && bytes.Compare(id[:], p.To[:]) < 0 {
			return p, true
		}
	}
	return Partition{}, false
}

// monthName names the partition of the month starting at m.
func monthName(table string, m time.Time) string {
	return fmt.Sprintf("%s_y%04dm%02d", table, m.Year(), int(m.Month()))
}

// lockKey serializes the processes that create and drop partitions (a
// replica's job and a `migrate apply`, say): concurrent CREATE ... PARTITION
// OF statements for the same month would otherwise race.
const lockKey = 0x7061727469 // "parti"

// setLockTimeout bounds, for the rest of the transaction, the wait for the
// table lock that creating or detaching a partition takes: while it waits,
// every write to the table queues behind it, so a long transaction on the
// table makes the maintenance give up (and retry on its next run) rather
// than stall the table's writers.
const setLockTimeout = `SET LOCAL lock_timeout = '5s'`

// Ensure creates the partitions of the current month and the MonthsAhead
// months after it that table lacks, and returns their names. A month
// already (partly) covered by a partition, the legacy one say, is left as
// it is. It does nothing when table is not partitioned.
func Ensure(ctx context.Context, db Beginner, table string, now time.Time) (created []string, err error) {
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		if ok, err := IsPartitioned(ctx, tx, table); err != nil || !ok {
			return err
		}
		parts, err := List(ctx, tx, table)
		if err != nil {
			return err
		}
		start := MonthStart(now)
		for i := 0; i <= MonthsAhead; i++ {
			m := start.AddDate(0, i, 0)
			from, to := Bound(m), Bound(m.AddDate(0, 1, 0))
			if _, ok := covering(parts, from); ok {
				continue
			}
			to = clip(parts, from, to)
			if err := create(ctx, tx, table, monthName(table, m), from, to); err != nil {
				return err
			}
			parts = append(parts, Partition{Name: monthName(table, m), From: from, To: to})
			sortByFrom(parts)
			created = append(created, monthName(table, m))
		}
		return nil
	})
	return created, err
}

// clip ends a new partition where the next existing one starts, so a
// partition created by hand for part of a month never makes Ensure fail.
func clip(ps []Partition, from, to uuid.UUID) uuid.UUID {
	for _, p := range ps {
		if bytes.Compare(p.From[:], from[:]) > 0 && bytes.Compare(p.From[:], to[:]) < 0 {
			return p.From
		}
	}
	return to
}

// create adds the partition [from, to) to table. DDL takes no parameters:
// the identifiers are quoted and the bounds are UUIDs this package formats.
func create(ctx context.Context, tx *sql.Tx, table, name string, from, to uuid.UUID) error {
	stmt := fmt.Sprintf(`CREATE TABLE %s PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')`,
		pq.QuoteIdentifier(name), pq.QuoteIdentifier(table), from, to)
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("partition: create %s: %w", name, err)
	}
	return nil
}

// EnsureAll runs Ensure on every partitioned table, and EnsureBlocks.
func EnsureAll(ctx context.Context, db Beginner, now time.Time) ([]string, error) {
	var all []string
	for _, t := range Tables {
		created, err := Ensure(ctx, db, t, now)
		if err != nil {
			return all, err
		}
		all = append(all, created...)
	}
	created, err := EnsureBlocks(ctx, db)
	return append(all, created...), err
}

// Expired returns the partitions of table whose every row was created
// before the month keepMonths months before now's (so the current month
// and the keepMonths full months before it are kept). keepMonths <= 0
// keeps everything.
func Expired(ctx context.Context, q Execer, table string, keepMonths int, now time.Time) ([]Partition, error) {
	if keepMonths <= 0 {
		return nil, nil
	}
	if ok, err := IsPartitioned(ctx, q, table); err != nil || !ok {
		return nil, err
	}
	parts, err := List(ctx, q, table)
	if err != nil {
		return nil, err
	}
	cutoff := Bound(MonthStart(now).AddDate(0, -keepMonths, 0))
	var out []Partition
	for _, p := range parts {
		if bytes.Compare(p.To[:], cutoff[:]) <= 0 {
			out = append(out, p)
		}
	}
	return out, nil
}

// Drop detaches and drops partition p of table inside the caller's
// transaction tx, so whatever records the drop commits with it. It takes
// the maintenance lock (until tx ends) and a short ACCESS EXCLUSIVE lock on
// table while it detaches.
func Drop(ctx context.Context, tx Execer, table string, p Partition) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
		return fmt.Errorf("partition: lock: %w", err)
	}
	if _, err := tx.ExecContext(ctx, setLockTimeout); err != nil {
		return fmt.Errorf("partition: lock timeout: %w", err)
	}
	stmts := []string{
		fmt.Sprintf(`ALTER TABLE %s DETACH PARTITION %s`, pq.QuoteIdentifier(table), pq.QuoteIdentifier(p.Name)),
		fmt.Sprintf(`DROP TABLE %s`, pq.QuoteIdentifier(p.Name)),
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("partition: drop %s: %w", p.Name, err)
		}
	}
	return nil
}

// inTx runs fn in a transaction holding the maintenance lock.
func inTx(ctx context.Context, db Beginner, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("partition: begin: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
		return errors.Join(fmt.Errorf("partition: lock: %w", err), tx.Rollback())
	}
	if _, err := tx.ExecContext(ctx, setLockTimeout); err != nil {
		return errors.Join(fmt.Errorf("partition: lock timeout: %w", err), tx.Rollback())
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("partition: commit: %w", err)
	}
	return nil
}

// CoveredUntil returns the instant up to which table's partitions hold
// every row created from now on without a gap (zero when now's own month
// has no partition: writes to table fail). ok is false when table is not
// partitioned.
func CoveredUntil(ctx context.Context, q Execer, table string, now time.Time) (until time.Time, ok bool, err error) {
	if ok, err := IsPartitioned(ctx, q, table); err != nil || !ok {
		return time.Time{}, false, err
	}
	parts, err := List(ctx, q, table)
	if err != nil {
		return time.Time{}, true, err
	}
	at := Bound(now)
	for {
		p, found := covering(parts, at)
		if !found {
			break
		}
		at = p.To
		if p.To == uuid.Max {
			break
		}
	}
	if at == Bound(now) {
		return time.Time{}, true, nil
	}
	return TimeOf(at), true, nil
}

// OldestKept returns the first creation instant table still holds in full:
// the start of its first partition (zero when that is the legacy
// partition, which has no lower bound). Rows created before it were
// dropped by retention.
func OldestKept(ctx context.Context, q Execer, table string) (time.Time, error) {
	if ok, err := IsPartitioned(ctx, q, table); err != nil || !ok {
		return time.Time{}, err
	}
	parts, err := List(ctx, q, table)
	if err != nil || len(parts) == 0 || parts[0].From == uuid.Nil {
		return time.Time{}, err
	}
	return TimeOf(parts[0].From), nil
}
