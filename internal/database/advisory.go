package database

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/lib/pq"
)

// AdvisoryKey is the PostgreSQL advisory lock key of a named thing (its
// parts joined by NUL, hashed): two things may share a key, and then only
// wait for each other.
func AdvisoryKey(parts ...string) int64 {
	h := fnv.New64a()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	return int64(h.Sum64())
}

// Execer runs a statement (an ent transaction does).
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// LockXact takes transaction-scoped advisory locks on keys in one
// statement, in key order, so that transactions taking overlapping sets
// never deadlock; shared locks only exclude exclusive ones. PostgreSQL
// only: callers skip it on SQLite, whose single connection never
// interleaves transactions.
func LockXact(ctx context.Context, tx Execer, shared bool, keys ...int64) error {
	if len(keys) == 0 {
		return nil
	}
	sorted := slices.Compact(slices.Sorted(slices.Values(keys)))
	fn := "pg_advisory_xact_lock"
	if shared {
		fn = "pg_advisory_xact_lock_shared"
	}
	if _, err := tx.ExecContext(ctx, `SELECT `+fn+`(k) FROM unnest($1::bigint[]) AS k ORDER BY k`, pq.Array(sorted)); err != nil {
		return fmt.Errorf("database: advisory lock: %w", err)
	}
	return nil
}
