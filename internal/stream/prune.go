package stream

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/streamevent"
	"github.com/worksynapse/worksynapse/ent/streamticket"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/partition"
)

// PruneEvents removes events created before olderThan (and stream tickets
// that expired before it) and returns how many events it removed. On
// PostgreSQL events go a partition at a time (internal/partition's
// blocks of ids), never row by row, so an event may outlive olderThan by
// the time its block takes to fill; SQLite deletes the rows. The newest
// event is always kept: streams compare a client's Last-Event-ID with the
// oldest kept id to detect a gap (and send resync), which an empty table
// could not show. ctx must be a system context (a River job's).
func PruneEvents(ctx context.Context, db *database.DB, olderThan time.Time) (int, error) {
	n, err := pruneEvents(ctx, db, olderThan)
	if err != nil {
		return 0, fmt.Errorf("stream: prune events: %w", err)
	}
	if _, err := db.Ent.StreamTicket.Delete().Where(streamticket.ExpiresAtLT(olderThan)).Exec(ctx); err != nil {
		return n, fmt.Errorf("stream: prune tickets: %w", err)
	}
	return n, nil
}

func pruneEvents(ctx context.Context, db *database.DB, olderThan time.Time) (int, error) {
	if db.Dialect == dialect.Postgres {
		// The blocks ahead are topped up here too: this job runs hourly,
		// partitions.maintain only every few hours, and a busy stream
		// uses ids faster than the logs use months.
		if _, err := partition.EnsureBlocks(ctx, db.SQL); err != nil {
			return 0, err
		}
		n, err := partition.DropExpiredBlocks(ctx, db.SQL, olderThan)
		return int(n), err
	}
	newest, err := db.Ent.StreamEvent.Query().Order(ent.Desc(streamevent.FieldID)).Limit(1).IDs(ctx)
	if err != nil || len(newest) == 0 {
		return 0, err
	}
	return db.Ent.StreamEvent.Delete().Where(streamevent.CreatedAtLT(olderThan), streamevent.IDLT(newest[0])).Exec(ctx)
}
