package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/auditseal"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// RetentionEvent is the SecurityAuditLog event_type retention records for
// every batch it exports and deletes.
const RetentionEvent = "audit.retention_purge"

// Retention deletes each organization's ActivityLog and SecurityAuditLog
// rows older than its audit_retention_days, but only rows a seal covers,
// and only after exporting them (fsynced) to a JSONL file under Dir, one
// canonical row per line, so Verify still proves the purged rows through
// their seals. Every batch is recorded as a RetentionEvent in the same
// transaction as its delete. Rows without an organization are kept.
// Idempotent: a re-run finds nothing more to delete, and a batch whose
// delete failed after its export is exported again to the same file name.
type Retention struct {
	Client *gen.Client
	// Dir receives <table>/<first>_<last>_<org>.jsonl (audit.retention_dir).
	Dir string
	// Sealer, when set, seals pending rows first, so due rows are not
	// held back for lack of a seal until the next run.
	Sealer *Sealer
	// BatchSize bounds the rows of one export file and delete; 0 means
	// DefaultSealBatch.
	BatchSize int
	// Now is the clock (tests move it forward); nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// RetentionResult counts what a run did.
type RetentionResult struct {
	Rows  int      `json:"rows"`
	Files []string `json:"files"`
}

// Run applies retention to every organization and both tables.
func (r *Retention) Run(ctx context.Context) (RetentionResult, error) {
	var res RetentionResult
	if r.Dir == "" {
		return res, errors.New("audit retention: no export directory (audit.retention_dir)")
	}
	if r.Sealer != nil {
		if _, err := r.Sealer.SealPending(ctx); err != nil {
			return res, err
		}
	}
	// Why a system context: retention reads and deletes audit rows of
	// every organization (the delete additionally needs WithRetentionPurge).
	ctx = viewer.NewSystemContext(ctx, "audit retention")
	orgs, err := r.Client.Organization.Query().All(ctx)
	if err != nil {
		return res, fmt.Errorf("audit retention: list organizations: %w", err)
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	for _, org := range orgs {
		cutoff := now().Add(-time.Duration(org.AuditRetentionDays) * 24 * time.Hour)
		for _, t := range tables {
			if err := r.purge(ctx, t, org.ID, cutoff, &res); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// purge exports and deletes, batch by batch, the sealed rows of org in t
// created before cutoff.
func (r *Retention) purge(ctx context.Context, t logTable, org uuid.UUID, cutoff time.Time, res *RetentionResult) error {
	last, err := lastSeal(ctx, r.Client, t.name)
	if err != nil || last == nil {
		return err
	}
	batch := r.BatchSize
	if batch <= 0 {
		batch = DefaultSealBatch
	}
	for after := uuid.Nil; ; {
		rows, err := t.rows(ctx, r.Client, rowFilter{
			After: after, Before: nextID(last.LastRowID), Org: &org, CreatedBefore: cutoff, Limit: batch,
		})
		if err != nil || len(rows) == 0 {
			return err
		}
		after = rows[len(rows)-1].ID
		sealed, seals, err := r.sealedOnly(ctx, t, rows)
		if err != nil {
			return err
		}
		if len(sealed) == 0 {
			continue
		}
		file, n, err := r.exportAndDelete(ctx, t, org, sealed, seals)
		if err != nil {
			return err
		}
		if n > 0 {
			res.Rows += n
			res.Files = append(res.Files, file)
		}
	}
}

// sealedOnly keeps the rows inside some seal's range (rows that committed
// late between two seals are never sealed, so never purged) and returns
// the seals involved.
func (r *Retention) sealedOnly(ctx context.Context, t logTable, rows []row) ([]row, []*gen.AuditSeal, error) {
	first, last := rows[0].ID, rows[len(rows)-1].ID
	seals, err := r.Client.AuditSeal.Query().
		Where(auditseal.LogTableEQ(t.name), auditseal.LastRowIDGTE(first), auditseal.FirstRowIDLTE(last)).
		Order(auditseal.BySeq()).All(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("audit retention: read seals: %w", err)
	}
	var (
		out  []row
		used []*gen.AuditSeal
		i    int
	)
	for _, row := range rows {
		for i < len(seals) && bytes.Compare(seals[i].LastRowID[:], row.ID[:]) < 0 {
			i++
		}
		if i == len(seals) || bytes.Compare(seals[i].FirstRowID[:], row.ID[:]) > 0 {
			continue
		}
		out = append(out, row)
		if len(used) == 0 || used[len(used)-1] != seals[i] {
			used = append(used, seals[i])
		}
	}
	return out, used, nil
}

// errNothingDeleted rolls back a batch another run already deleted.
var errNothingDeleted = errors.New("nothing deleted")

// exportAndDelete writes the rows to their export file (fsynced) and only
// then deletes them and records the purge, in one transaction.
func (r *Retention) exportAndDelete(ctx context.Context, t logTable, org uuid.UUID, rows []row, seals []*gen.AuditSeal) (string, int, error) {
	var buf bytes.Buffer
	ids := make([]uuid.UUID, len(rows))
	for i, row := range rows {
		buf.Write(row.Line)
		buf.WriteByte('\n')
		ids[i] = row.ID
	}
	name := exportName(rows[0].ID, rows[len(rows)-1].ID, org)
	path := filepath.Join(r.Dir, string(t.name), name)
	if err := writeFileSync(path, buf.Bytes()); err != nil {
		return "", 0, fmt.Errorf("audit retention: export %s: %w", name, err)
	}
	sum := sha256.Sum256(buf.Bytes())
	var n int
	err := withTx(ctx, r.Client, func(tx *gen.Tx) (err error) {
		if n, err = t.delete(rule.WithRetentionPurge(ctx), tx, ids); err != nil {
			return fmt.Errorf("audit retention: delete: %w", err)
		}
		if n == 0 {
			return errNothingDeleted
		}
		return RecordSecurityEvent(ctx, tx, SecurityEvent{Type: RetentionEvent, Org: org,
			Details: map[string]any{
				"log_table": string(t.name), "rows": n, "file": filepath.Join(string(t.name), name),
				"file_sha256":  hex.EncodeToString(sum[:]),
				"first_row_id": rows[0].ID, "last_row_id": rows[len(rows)-1].ID,
				"first_seal_seq": seals[0].Seq, "last_seal_seq": seals[len(seals)-1].Seq,
			}})
	})
	if errors.Is(err, errNothingDeleted) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, err
	}
	if r.Log != nil {
		r.Log.Info("audit retention purged rows", "table", t.name, "organization_id", org, "rows", n, "file", path)
	}
	return path, n, nil
}

// RetentionFromConfig builds the Retention of the configuration, sealing
// first with SealerFromConfig.
func RetentionFromConfig(client *gen.Client, cfg *config.Config, log *slog.Logger) (*Retention, error) {
	s, err := SealerFromConfig(client, cfg, log)
	if err != nil {
		return nil, err
	}
	return &Retention{Client: client, Dir: cfg.Audit.RetentionDir, Sealer: s, Log: log}, nil
}
