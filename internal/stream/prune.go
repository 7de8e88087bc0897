package stream

import (
	"context"
	"fmt"
	"time"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/streamevent"
	"github.com/worksynapse/worksynapse/ent/streamticket"
)

// PruneEvents deletes events created before olderThan (and stream tickets
// that expired before it) and returns how many events it deleted. The
// newest event is always kept: streams compare a client's Last-Event-ID
// with the oldest kept id to detect a gap (and send resync), which an
// empty table could not show. ctx must be a system context (a River job's).
func PruneEvents(ctx context.Context, client *ent.Client, olderThan time.Time) (int, error) {
	newest, err := client.StreamEvent.Query().Order(ent.Desc(streamevent.FieldID)).Limit(1).IDs(ctx)
	if err != nil || len(newest) == 0 {
		return 0, err
	}
	n, err := client.StreamEvent.Delete().Where(streamevent.CreatedAtLT(olderThan), streamevent.IDLT(newest[0])).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream: prune events: %w", err)
	}
	if _, err := client.StreamTicket.Delete().Where(streamticket.ExpiresAtLT(olderThan)).Exec(ctx); err != nil {
		return n, fmt.Errorf("stream: prune tickets: %w", err)
	}
	return n, nil
}
