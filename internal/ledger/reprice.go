package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// RepriceResult counts what a re-pricing run did.
type RepriceResult struct {
	Examined, Changed, Unpriced int
}

const repricePage = 1000

// Reprice recomputes the cost of every call started in [from, to) with the
// price rows as they are now (after a correction), page by page, each page
// in one transaction. Only calls whose cost, price row or unpriced flag
// changes are written, so a second run changes nothing (idempotent). The
// days of changed calls whose rollup already ran are marked dirty in the
// page's transaction, so the next cost.rollup run re-aggregates them with
// the new costs. The run is audited with its counts in the SecurityAuditLog.
func Reprice(ctx context.Context, client *ent.Client, dialectName string, from, to time.Time) (RepriceResult, error) {
	// Re-pricing is platform maintenance over every organization.
	sctx := viewer.NewSystemContext(ctx, "ledger: reprice calls")
	var (
		res   RepriceResult
		after uuid.UUID
	)
	book := priceBook{}
	for {
		calls, err := client.AgentCall.Query().Where(agentcall.StartedAtGTE(from), agentcall.StartedAtLT(to),
			agentcall.IDGT(after)).Order(ent.Asc(agentcall.FieldID)).Limit(repricePage).All(sctx)
		if err != nil {
			return res, fmt.Errorf("ledger: reprice: %w", err)
		}
		if len(calls) == 0 {
			break
		}
		after = calls[len(calls)-1].ID
		if err := book.fill(sctx, client, calls); err != nil {
			return res, err
		}
		if err := database.WithTx(sctx, client, func(tx *ent.Tx) error {
			return repricePageTx(sctx, tx, dialectName, book, calls, &res)
		}); err != nil {
			return res, err
		}
	}
	err := database.WithTx(sctx, client, func(tx *ent.Tx) error {
		return audit.RecordSecurityEvent(sctx, tx, audit.SecurityEvent{Type: "prices.repriced", Details: map[string]any{
			"from": from.UTC().Format(time.RFC3339), "to": to.UTC().Format(time.RFC3339),
			"examined": res.Examined, "changed": res.Changed, "unpriced": res.Unpriced,
		}})
	})
	return res, err
}

func repricePageTx(ctx context.Context, tx *ent.Tx, dialectName string, book priceBook, calls []*ent.AgentCall, res *RepriceResult) error {
	changed := map[uuid.UUID][]time.Time{}
	for _, c := range calls {
		res.Examined++
		p := book.at(string(c.Provider), c.Model, c.StartedAt)
		if p == nil {
			res.Unpriced++
		}
		if !repriceNeeded(c, p) {
			continue
		}
		u := tx.AgentCall.UpdateOneID(c.ID)
		applyPrice(u.Mutation(), p, Usage{int64(c.PromptTokens), int64(c.CompletionTokens), int64(c.CachedTokens)})
		if p == nil {
			u.ClearModelPriceID()
		}
		if err := u.Exec(ctx); err != nil {
			return fmt.Errorf("ledger: reprice call %s: %w", c.ID, err)
		}
		res.Changed++
		changed[c.OrganizationID] = append(changed[c.OrganizationID], c.StartedAt)
	}
	if len(changed) == 0 {
		return nil
	}
	return markRolledDaysDirty(ctx, tx, dialectName, changed)
}

// repriceNeeded reports whether c's stored pricing differs from price p.
func repriceNeeded(c *ent.AgentCall, p *ent.ModelPrice) bool {
	if p == nil {
		return !c.Unpriced || c.CostMicros != nil || c.ModelPriceID != nil
	}
	cost := Cost(p, Usage{int64(c.PromptTokens), int64(c.CompletionTokens), int64(c.CachedTokens)})
	return c.Unpriced || c.CostMicros == nil || *c.CostMicros != cost || c.ModelPriceID == nil || *c.ModelPriceID != p.ID
}

// fill loads the prices of the calls' models not loaded yet.
func (b priceBook) fill(ctx context.Context, client *ent.Client, calls []*ent.AgentCall) error {
	keys := map[[2]string]bool{}
	for _, c := range calls {
		k := [2]string{string(c.Provider), c.Model}
		if _, ok := b[k]; !ok {
			keys[k] = true
		}
	}
	more, err := loadPrices(ctx, client, keys)
	for k, v := range more {
		b[k] = v
	}
	return err
}
