package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/partition/expire"
)

// MonthDropEvent is the SecurityAuditLog event_type of a month of
// agent_calls dropped by retention.
const MonthDropEvent = "ledger.calls_month_dropped"

// callReferences are the tables whose call_id points at agent_calls (ON
// DELETE SET NULL): a month cannot be detached while rows reference it.
var callReferences = []string{"agent_actions", "agent_messages", "agent_tasks", "budget_reservations"}

// DropExpiredMonths drops the months of agent_calls (PostgreSQL
// partitions) older than the current month and keepMonths full months
// before it; keepMonths <= 0 keeps all. In each month's transaction the
// references to its calls are cleared first (what ON DELETE SET NULL would
// do). Costs stay in AgentCostLog: the rollup never recomputes a day whose
// calls may be gone (callsDropped).
func DropExpiredMonths(ctx context.Context, client *ent.Client, keepMonths int, now time.Time) ([]expire.Month, error) {
	return expire.Months(ctx, client, expire.Spec{
		Table: agentcall.Table, KeepMonths: keepMonths, Event: MonthDropEvent, Before: clearCallReferences,
	}, now)
}

func clearCallReferences(ctx context.Context, tx *ent.Tx, p partition.Partition) error {
	for _, table := range callReferences {
		if _, err := tx.ExecContext(ctx, `UPDATE `+pq.QuoteIdentifier(table)+
			` SET call_id = NULL WHERE call_id >= $1 AND call_id < $2`, p.From, p.To); err != nil {
			return fmt.Errorf("clear %s.call_id: %w", table, err)
		}
	}
	return nil
}
