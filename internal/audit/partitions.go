package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/auditseal"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// MonthRetention drops whole months of the audit tables (PostgreSQL
// partitions, see internal/partition) once they are older than the
// table's retention in months. Before a month goes it must be sealed to
// its end, and every row of it is exported (fsynced) to one JSONL file
// under Dir, named like Retention's exports so Verify still proves the
// dropped rows through their seals; the drop and its RetentionEvent commit
// together. An organization's shorter audit_retention_days is Retention's
// matter (row by row, inside the months kept).
type MonthRetention struct {
	Client *gen.Client
	Dir    string
	// Months is the retention of each table in months (0 keeps all).
	Months map[auditseal.LogTable]int
	// Sealer, when set, seals pending rows first.
	Sealer *Sealer
	// Now is the clock (tests move it forward); nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// MonthRetentionFromConfig builds the MonthRetention of cfg.
func MonthRetentionFromConfig(client *gen.Client, cfg *config.Config, log *slog.Logger) (*MonthRetention, error) {
	s, err := SealerFromConfig(client, cfg, log)
	if err != nil {
		return nil, err
	}
	return &MonthRetention{Client: client, Dir: cfg.Audit.RetentionDir, Sealer: s, Log: log,
		Months: map[auditseal.LogTable]int{
			auditseal.LogTableActivityLog:      cfg.Audit.ActivityLogRetentionMonths,
			auditseal.LogTableSecurityAuditLog: cfg.Audit.SecurityLogRetentionMonths,
		}}, nil
}

// DroppedMonth is one partition MonthRetention dropped.
type DroppedMonth struct {
	Table     string `json:"table"`
	Partition string `json:"partition"`
	Rows      int    `json:"rows"`
	File      string `json:"file,omitempty"`
}

// Run drops the expired months of both tables. A month not yet sealed to
// its end is kept (and logged) until a later run.
func (r *MonthRetention) Run(ctx context.Context) ([]DroppedMonth, error) {
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	if r.Sealer != nil {
		if _, err := r.Sealer.SealPending(ctx); err != nil {
			return nil, err
		}
	}
	// Why a system context: a month holds every organization's rows.
	ctx = viewer.NewSystemContext(ctx, "audit month retention")
	var out []DroppedMonth
	for _, t := range tables {
		expired, err := partition.Expired(ctx, r.Client, t.sqlTable, r.Months[t.name], now)
		if err != nil {
			return out, fmt.Errorf("audit month retention: %w", err)
		}
		for _, p := range expired {
			d, done, err := r.dropMonth(ctx, t, p)
			if err != nil {
				return out, err
			}
			if done {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// dropMonth exports and drops partition p of t; done is false when p still
// has rows after the last seal.
func (r *MonthRetention) dropMonth(ctx context.Context, t logTable, p partition.Partition) (DroppedMonth, bool, error) {
	d := DroppedMonth{Table: t.sqlTable, Partition: p.Name}
	if sealed, err := r.sealedToEnd(ctx, t, p); err != nil || !sealed {
		if err == nil && r.Log != nil {
			r.Log.WarnContext(ctx, "audit month past retention kept: rows after the last seal", "partition", p.Name)
		}
		return d, false, err
	}
	export, err := r.export(ctx, t, p)
	if err != nil {
		return d, false, err
	}
	d.Rows, d.File = export.rows, export.file
	err = withTx(ctx, r.Client, func(tx *gen.Tx) error {
		if err := partition.Drop(ctx, tx, t.sqlTable, p); err != nil {
			return err
		}
		return RecordSecurityEvent(ctx, tx, SecurityEvent{Type: RetentionEvent, Details: map[string]any{
			"log_table": string(t.name), "partition": p.Name, "rows": export.rows, "file": export.file,
			"file_sha256": export.sha256, "first_row_id": export.first, "last_row_id": export.last,
		}})
	})
	if err != nil {
		return d, false, fmt.Errorf("audit month retention: drop %s: %w", p.Name, err)
	}
	if r.Log != nil {
		r.Log.InfoContext(ctx, "audit month past retention dropped", "partition", p.Name, "rows", d.Rows, "file", d.File)
	}
	return d, true, nil
}

// sealedToEnd reports whether no row of p lies after the table's last
// seal: such a row could still be sealed, and a dropped one never would.
func (r *MonthRetention) sealedToEnd(ctx context.Context, t logTable, p partition.Partition) (bool, error) {
	after := uuid.Nil
	last, err := lastSeal(ctx, r.Client, t.name)
	if err != nil {
		return false, err
	}
	if last != nil {
		after = last.LastRowID
	}
	if bytes.Compare(after[:], p.From[:]) < 0 && p.From != uuid.Nil {
		after = prevID(p.From)
	}
	rows, err := t.rows(ctx, r.Client, rowFilter{After: after, Before: p.To, Limit: 1})
	return len(rows) == 0, err
}

// monthExport describes the export file of one month.
type monthExport struct {
	rows         int
	file, sha256 string
	first, last  uuid.UUID
}

// export writes every row of p, in id order, to one fsynced file named
// <first>_<last>_<month>.jsonl under Dir/<table> (none for an empty month).
func (r *MonthRetention) export(ctx context.Context, t logTable, p partition.Partition) (monthExport, error) {
	var e monthExport
	if r.Dir == "" {
		return e, errors.New("audit month retention: no export directory (audit.retention_dir)")
	}
	label := strings.TrimPrefix(p.Name, t.sqlTable+"_") // "y2026m12" or "legacy": no "_", see parseExportName
	sum := sha256.New()
	err := writeSynced(filepath.Join(r.Dir, string(t.name)), func(w io.Writer) error {
		return r.copyRows(ctx, t, p, io.MultiWriter(w, sum), &e)
	}, func() string {
		if e.rows == 0 {
			return ""
		}
		return exportFileName(e.first, e.last, label)
	})
	if err != nil {
		return e, fmt.Errorf("audit month retention: export %s: %w", p.Name, err)
	}
	if e.rows > 0 {
		e.file = filepath.Join(string(t.name), exportFileName(e.first, e.last, label))
		e.sha256 = hex.EncodeToString(sum.Sum(nil))
	}
	return e, nil
}

// copyRows writes p's rows to w batch by batch.
func (r *MonthRetention) copyRows(ctx context.Context, t logTable, p partition.Partition, w io.Writer, e *monthExport) error {
	bw := bufio.NewWriter(w)
	after := uuid.Nil
	if p.From != uuid.Nil {
		after = prevID(p.From)
	}
	for {
		rows, err := t.rows(ctx, r.Client, rowFilter{After: after, Before: p.To, Limit: DefaultSealBatch})
		if err != nil || len(rows) == 0 {
			return joinFlush(err, bw)
		}
		if e.rows == 0 {
			e.first = rows[0].ID
		}
		for _, row := range rows {
			bw.Write(row.Line)
			bw.WriteByte('\n')
		}
		e.rows += len(rows)
		after = rows[len(rows)-1].ID
		e.last = after
	}
}

func joinFlush(err error, bw *bufio.Writer) error {
	if err != nil {
		return err
	}
	return bw.Flush()
}

// exportFileName names a month's export like Retention's per-organization
// ones (<first>_<last>_<label>.jsonl), which Verify reads back.
func exportFileName(first, last uuid.UUID, label string) string {
	return fmt.Sprintf("%s_%s_%s.jsonl", first, last, label)
}
