package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// MonthDropEvent is the SecurityAuditLog event_type of a month of
// agent_calls dropped by retention.
const MonthDropEvent = "ledger.calls_month_dropped"

// callReferences are the columns that point at agent_calls (ON DELETE SET
// NULL): a month cannot be detached while rows reference it.
var callReferences = []string{"agent_actions", "agent_messages", "agent_tasks", "budget_reservations"}

// DroppedMonth is one month of calls retention dropped.
type DroppedMonth struct {
	Partition string `json:"partition"`
	Calls     int    `json:"calls"`
}

// DropExpiredMonths drops the months of agent_calls (PostgreSQL
// partitions) older than the current month and keepMonths full months
// before it; keepMonths <= 0 keeps all. Each month goes in one transaction
// with its SecurityAuditLog event: the references to its calls are
// cleared (what ON DELETE SET NULL would do), then the partition is
// detached and dropped. Costs stay in AgentCostLog: the rollup never
// recomputes a day whose calls may be gone (callsDropped).
func DropExpiredMonths(ctx context.Context, client *ent.Client, keepMonths int, now time.Time) ([]DroppedMonth, error) {
	// Why a system context: a month holds every organization's calls.
	sctx := viewer.NewSystemContext(ctx, "ledger: drop months of calls past retention")
	expired, err := partition.Expired(sctx, client, agentcall.Table, keepMonths, now)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	var out []DroppedMonth
	for _, p := range expired {
		var d DroppedMonth
		err := database.WithTx(sctx, client, func(tx *ent.Tx) (err error) {
			d, err = dropMonth(sctx, tx, p)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("ledger: drop %s: %w", p.Name, err)
		}
		out = append(out, d)
	}
	return out, nil
}

func dropMonth(ctx context.Context, tx *ent.Tx, p partition.Partition) (DroppedMonth, error) {
	d := DroppedMonth{Partition: p.Name}
	// The partition's name comes from the catalog; quoted all the same.
	rows, err := tx.QueryContext(ctx, `SELECT count(*) FROM `+pq.QuoteIdentifier(p.Name))
	if err != nil {
		return d, err
	}
	if rows.Next() {
		err = rows.Scan(&d.Calls)
	}
	if err := joinClose(err, rows.Close()); err != nil {
		return d, err
	}
	for _, table := range callReferences {
		if _, err := tx.ExecContext(ctx, `UPDATE `+pq.QuoteIdentifier(table)+
			` SET call_id = NULL WHERE call_id >= $1 AND call_id < $2`, p.From, p.To); err != nil {
			return d, fmt.Errorf("clear %s.call_id: %w", table, err)
		}
	}
	if err := partition.Drop(ctx, tx, agentcall.Table, p); err != nil {
		return d, err
	}
	return d, audit.RecordSecurityEvent(ctx, tx, audit.SecurityEvent{Type: MonthDropEvent,
		Details: map[string]any{"partition": p.Name, "calls": d.Calls,
			"first_created_at": partition.TimeOf(p.From), "end_created_at": p.End()}})
}

func joinClose(err, closeErr error) error {
	if err != nil {
		return err
	}
	return closeErr
}
