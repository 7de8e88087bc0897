package partition_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// TestStreamEventsArePartitionedByIDBlocks: after `migrate apply`
// stream_events is split into blocks of BlockSize ids, BlocksAhead of them
// ahead of the sequence; EnsureBlocks follows the sequence, and
// DropExpiredBlocks drops whole old blocks, never the newest event's.
func TestStreamEventsArePartitionedByIDBlocks(t *testing.T) {
	t.Parallel()
	db := testdb.NewUnseededPostgres(t)
	ctx := t.Context()
	blocks, err := partition.ListBlocks(ctx, db.SQL)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != partition.BlocksAhead+1 || blocks[0].Name != "stream_events_legacy" || blocks[0].To != partition.BlockSize {
		t.Fatalf("blocks after apply: %+v", blocks)
	}
	for i, b := range blocks[1:] {
		if want := (partition.Block{Name: fmt.Sprintf("stream_events_b%d", i+1),
			From: int64(i+1) * partition.BlockSize, To: int64(i+2) * partition.BlockSize}); b != want {
			t.Errorf("block %d = %+v, want %+v", i+1, b, want)
		}
	}

	insert := func(age time.Duration) int64 {
		t.Helper()
		var id int64
		err := db.SQL.QueryRowContext(ctx, `INSERT INTO stream_events (created_at, organization_id, type, payload)
			VALUES ($1, $2, 'test', '{}') RETURNING id`, time.Now().Add(-age), uuid.New()).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	if first := insert(48 * time.Hour); first != 1 {
		t.Fatalf("first event id %d, want 1", first)
	}
	// Three blocks later (a busy day), nothing is missing ahead.
	if _, err := db.SQL.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('stream_events', 'id'), $1)`,
		3*partition.BlockSize); err != nil {
		t.Fatal(err)
	}
	newest := insert(0)
	created, err := partition.EnsureBlocks(ctx, db.SQL)
	if err != nil || len(created) != 3 {
		t.Fatalf("EnsureBlocks created %v (%v), want the 3 blocks the sequence moved past", created, err)
	}
	if ahead, ok, err := partition.BlocksAheadOf(ctx, db.SQL); err != nil || !ok || ahead != (partition.BlocksAhead+4)*partition.BlockSize-1-newest {
		t.Errorf("BlocksAheadOf = %d, %v, %v", ahead, ok, err)
	}

	// The old event's block and the empty ones after it go; the newest
	// event's block stays, whatever its age.
	n, err := partition.DropExpiredBlocks(ctx, db.SQL, time.Now().Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("DropExpiredBlocks = %d, %v; want the one old event", n, err)
	}
	blocks, err = partition.ListBlocks(ctx, db.SQL)
	if err != nil || blocks[0].Name != "stream_events_b3" {
		t.Fatalf("blocks after the drop: %+v, %v", blocks, err)
	}
	var kept int64
	if err := db.SQL.QueryRowContext(ctx, `SELECT min(id) FROM stream_events`).Scan(&kept); err != nil || kept != newest {
		t.Errorf("oldest kept event %d (%v), want the newest, %d", kept, err, newest)
	}
	if n, err := partition.DropExpiredBlocks(ctx, db.SQL, time.Now().Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("second DropExpiredBlocks = %d, %v; want nothing", n, err)
	}
}
