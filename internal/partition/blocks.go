package partition

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/lib/pq"
)

// The stream's outbox, stream_events, is partitioned differently from the
// logs: its id is a bigint from an identity sequence (the SSE event id a
// client resumes from, which must stay gap-free so a stream can tell a
// pruned range from a quiet one), so it cannot be split by time. It is
// split into blocks of BlockSize consecutive ids instead. Blocks are
// created ahead of the sequence (BlocksAhead of them) and a block is
// dropped whole once every event in it is older than the stream's
// retention, except the block holding the newest event, which streams
// read to know where the kept events end.

// BlockTable is the table partitioned by id blocks.
const BlockTable = "stream_events"

// BlockSize is how many event ids one partition holds.
const BlockSize int64 = 1 << 16

// BlocksAhead is how many blocks past the one the sequence is in exist in
// advance: an event whose id has no block cannot be stored, so this is
// how many events (about a million) may be written before the hourly
// stream.prune job, partitions.maintain or a process start must run
// again.
const BlocksAhead = 16

// Block is one partition of BlockTable: ids From <= id < To.
type Block struct {
	Name string
	// From is math.MinInt64 for MINVALUE (the legacy partition).
	From, To int64
}

// blockBound parses pg_get_expr of a bigint range partition's bound.
var blockBound = regexp.MustCompile(`^FOR VALUES FROM \((MINVALUE|'?-?[0-9]+'?)\) TO \((MAXVALUE|'?-?[0-9]+'?)\)$`)

// ListBlocks returns the partitions of BlockTable in id order.
func ListBlocks(ctx context.Context, q Execer) ([]Block, error) {
	var out []Block
	err := eachPartition(ctx, q, BlockTable, func(name, bound string) error {
		m := blockBound.FindStringSubmatch(bound)
		if m == nil {
			return fmt.Errorf("partition: %s: unexpected bound %q (not a range on a bigint)", name, bound)
		}
		out = append(out, Block{Name: name, From: boundValue(m[1], math.MinInt64), To: boundValue(m[2], math.MaxInt64)})
		return nil
	})
	slices.SortFunc(out, func(a, b Block) int { return cmp.Compare(a.From, b.From) })
	return out, err
}

// boundValue is a parsed bound; unbounded (MINVALUE/MAXVALUE) gives def.
func boundValue(s string, def int64) int64 {
	v, err := strconv.ParseInt(trimQuotes(s), 10, 64)
	if err != nil {
		return def
	}
	return v
}

func trimQuotes(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return s[1 : len(s)-1]
	}
	return s
}

// lastEventID is the sequence's position: the last id handed out (0
// before the first event).
func lastEventID(ctx context.Context, q Execer) (int64, error) {
	var last int64
	err := scanRow(ctx, q, `SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence($1, 'id')::regclass), 0)`,
		[]any{pq.QuoteIdentifier(BlockTable)}, &last)
	if err != nil {
		return 0, fmt.Errorf("partition: stream event sequence: %w", err)
	}
	return last, nil
}

// blockEnd is the end of the block holding id: the next multiple of
// BlockSize above it.
func blockEnd(id int64) int64 { return (id/BlockSize + 1) * BlockSize }

// EnsureBlocks creates the blocks from the end of the last partition up to
// BlocksAhead blocks past the sequence's block, and returns their names.
// The first block it creates may be short, so that later ones start at
// multiples of BlockSize. It does nothing when BlockTable is not
// partitioned.
func EnsureBlocks(ctx context.Context, db Beginner) (created []string, err error) {
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		if ok, err := IsPartitioned(ctx, tx, BlockTable); err != nil || !ok {
			return err
		}
		blocks, err := ListBlocks(ctx, tx)
		if err != nil || len(blocks) == 0 {
			return err
		}
		last, err := lastEventID(ctx, tx)
		if err != nil {
			return err
		}
		target := blockEnd(last) + BlocksAhead*BlockSize
		for from := blocks[len(blocks)-1].To; from < target; from = blockEnd(from) {
			name := fmt.Sprintf("%s_b%d", BlockTable, from/BlockSize)
			stmt := fmt.Sprintf(`CREATE TABLE %s PARTITION OF %s FOR VALUES FROM (%d) TO (%d)`,
				pq.QuoteIdentifier(name), pq.QuoteIdentifier(BlockTable), from, blockEnd(from))
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("partition: create %s: %w", name, err)
			}
			created = append(created, name)
		}
		return nil
	})
	return created, err
}

// BlocksAheadOf reports how many ids can still be handed out before the
// sequence runs past the last partition (ok is false when BlockTable is
// not partitioned).
func BlocksAheadOf(ctx context.Context, q Execer) (ids int64, ok bool, err error) {
	if ok, err := IsPartitioned(ctx, q, BlockTable); err != nil || !ok {
		return 0, false, err
	}
	blocks, err := ListBlocks(ctx, q)
	if err != nil || len(blocks) == 0 {
		return 0, true, err
	}
	last, err := lastEventID(ctx, q)
	if err != nil {
		return 0, true, err
	}
	return max(0, blocks[len(blocks)-1].To-1-last), true, nil
}

// DropExpiredBlocks drops, in one transaction, the oldest blocks whose
// every event was created before olderThan, stopping at the first block
// that is not (or holds the newest event); it returns how many events went
// with them. Empty blocks below the newest event go too.
func DropExpiredBlocks(ctx context.Context, db Beginner, olderThan time.Time) (dropped int64, err error) {
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		if ok, err := IsPartitioned(ctx, tx, BlockTable); err != nil || !ok {
			return err
		}
		blocks, err := ListBlocks(ctx, tx)
		if err != nil {
			return err
		}
		newest, err := newestEventID(ctx, tx)
		if err != nil {
			return err
		}
		for _, b := range blocks {
			if b.To > newest {
				break // the newest event's block and those after it stay
			}
			n, expired, err := blockExpired(ctx, tx, b, olderThan)
			if err != nil {
				return err
			}
			if !expired {
				break // blocks are in id order, and ids in creation order
			}
			if err := Drop(ctx, tx, BlockTable, Partition{Name: b.Name}); err != nil {
				return err
			}
			dropped += n
		}
		return nil
	})
	return dropped, err
}

// newestEventID is the id of the newest stored event (0 for none).
func newestEventID(ctx context.Context, q Execer) (int64, error) {
	var id int64
	if err := scanRow(ctx, q, `SELECT COALESCE(max(id), 0) FROM `+pq.QuoteIdentifier(BlockTable), nil, &id); err != nil {
		return 0, fmt.Errorf("partition: newest stream event: %w", err)
	}
	return id, nil
}

// blockExpired counts b's events and reports whether none was created at
// or after olderThan.
func blockExpired(ctx context.Context, q Execer, b Block, olderThan time.Time) (n int64, expired bool, err error) {
	err = scanRow(ctx, q, `SELECT count(*), COALESCE(max(created_at) < $1, true) FROM `+pq.QuoteIdentifier(b.Name),
		[]any{olderThan}, &n, &expired)
	if err != nil {
		return 0, false, fmt.Errorf("partition: age of %s: %w", b.Name, err)
	}
	return n, expired, nil
}
