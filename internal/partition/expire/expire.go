// Package expire drops the months of a partitioned table past its
// retention (see internal/partition), each with a security event in the
// same transaction. The audit logs have their own, exporting first
// (audit.MonthRetention).
package expire

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Spec says what to expire.
type Spec struct {
	Table string
	// KeepMonths: the current month and this many full months before it
	// stay; 0 keeps every month.
	KeepMonths int
	// Event is the SecurityAuditLog event_type recorded per month.
	Event string
	// Before runs in the month's transaction before the drop (e.g. clears
	// references: a month cannot be detached while rows point into it).
	Before func(ctx context.Context, tx *ent.Tx, p partition.Partition) error
}

// Month is one month dropped.
type Month struct {
	Partition string `json:"partition"`
	Rows      int    `json:"rows"`
}

// Months drops the expired months of spec.Table at now, one transaction
// each.
func Months(ctx context.Context, client *ent.Client, spec Spec, now time.Time) ([]Month, error) {
	// Why a system context: a month holds every organization's rows.
	sctx := viewer.NewSystemContext(ctx, "drop months past retention of "+spec.Table)
	expired, err := partition.Expired(sctx, client, spec.Table, spec.KeepMonths, now)
	if err != nil {
		return nil, fmt.Errorf("expire %s: %w", spec.Table, err)
	}
	var out []Month
	for _, p := range expired {
		var m Month
		err := database.WithTx(sctx, client, func(tx *ent.Tx) (err error) {
			m, err = drop(sctx, tx, spec, p)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("expire %s: drop %s: %w", spec.Table, p.Name, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func drop(ctx context.Context, tx *ent.Tx, spec Spec, p partition.Partition) (Month, error) {
	m := Month{Partition: p.Name}
	// The partition's name comes from the catalog; quoted all the same.
	rows, err := tx.QueryContext(ctx, `SELECT count(*) FROM `+pq.QuoteIdentifier(p.Name))
	if err != nil {
		return m, err
	}
	if rows.Next() {
		err = rows.Scan(&m.Rows)
	}
	if err := errors.Join(err, rows.Close()); err != nil {
		return m, err
	}
	if spec.Before != nil {
		if err := spec.Before(ctx, tx, p); err != nil {
			return m, err
		}
	}
	if err := partition.Drop(ctx, tx, spec.Table, p); err != nil {
		return m, err
	}
	return m, audit.RecordSecurityEvent(ctx, tx, audit.SecurityEvent{Type: spec.Event,
		Details: map[string]any{"table": spec.Table, "partition": p.Name, "rows": m.Rows,
			"first_created_at": partition.TimeOf(p.From), "end_created_at": p.End()}})
}
