package ledger

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/agentmessage"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Purged counts what PurgeCaptures removed.
type Purged struct{ Calls, Messages int }

// PurgeCaptures enforces each organization's llm_capture_retention_days:
// the captured prompts and responses of older LLM calls, and the text of
// older session messages, are removed; the calls themselves (tokens,
// cost, status, findings) stay for analytics and audit. Each
// organization's purge and its security event commit together.
// Idempotent; the periodic job "llm.capture_purge" runs it.
func PurgeCaptures(ctx context.Context, client *ent.Client, dialect string, now time.Time) (Purged, error) {
	// Why a system context: retention spans every organization.
	sys := viewer.NewSystemContext(ctx, "LLM capture retention")
	orgs, err := client.Organization.Query().All(sys)
	if err != nil {
		return Purged{}, fmt.Errorf("ledger: purge captures: %w", err)
	}
	var total Purged
	for _, org := range orgs {
		cutoff := now.Add(-time.Duration(org.LlmCaptureRetentionDays) * 24 * time.Hour)
		err := database.WithTx(sys, client, func(tx *ent.Tx) error {
			p, err := purgeOrg(sys, tx, dialect, org.ID, cutoff)
			if err != nil || p == (Purged{}) {
				return err
			}
			total.Calls += p.Calls
			total.Messages += p.Messages
			return audit.RecordSecurityEvent(sys, tx, audit.SecurityEvent{Type: "llm.capture_purged", Org: org.ID,
				Details: map[string]any{"calls": p.Calls, "messages": p.Messages, "before": cutoff.UTC().Format(time.RFC3339),
					"retention_days": org.LlmCaptureRetentionDays}})
		})
		if err != nil {
			return total, fmt.Errorf("ledger: purge captures of %s: %w", org.ID, err)
		}
	}
	return total, nil
}

// purgeOrg clears the captured text of one organization's rows older
// than cutoff. The columns are immutable in ent (nothing else may rewrite
// a record), so retention writes them with a builder statement.
func purgeOrg(ctx context.Context, tx *ent.Tx, dialect string, org uuid.UUID, cutoff time.Time) (Purged, error) {
	calls := sql.Dialect(dialect).Update(agentcall.Table).
		Set(agentcall.FieldRequestMessages, nil).Set(agentcall.FieldResponse, nil).
		Where(sql.And(sql.EQ(agentcall.FieldOrganizationID, org), sql.LT(agentcall.FieldCreatedAt, cutoff),
			sql.Or(sql.NotNull(agentcall.FieldRequestMessages), sql.NotNull(agentcall.FieldResponse))))
	msgs := sql.Dialect(dialect).Update(agentmessage.Table).
		Set(agentmessage.FieldContent, nil).Set(agentmessage.FieldToolCalls, nil).
		Where(sql.And(sql.EQ(agentmessage.FieldOrganizationID, org), sql.LT(agentmessage.FieldCreatedAt, cutoff),
			sql.Or(sql.NotNull(agentmessage.FieldContent), sql.NotNull(agentmessage.FieldToolCalls))))
	var p Purged
	for _, u := range []struct {
		q *sql.UpdateBuilder
		n *int
	}{{calls, &p.Calls}, {msgs, &p.Messages}} {
		query, args := u.q.Query()
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return Purged{}, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return Purged{}, err
		}
		*u.n = int(n)
	}
	return p, nil
}
