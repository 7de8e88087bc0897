package ledger

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/agentcostlog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// dayRow is one (agent, provider, model) aggregate of a day's calls.
type dayRow struct {
	AgentID          uuid.UUID `json:"agent_id"`
	Provider         string    `json:"provider"`
	Model            string    `json:"model"`
	Calls            int64     `json:"calls"`
	PromptTokens     int64     `json:"prompt_tokens"`
	CompletionTokens int64     `json:"completion_tokens"`
	CachedTokens     int64     `json:"cached_tokens"`
	CostMicros       int64     `json:"cost_micros"`
	UnpricedCalls    int64     `json:"unpriced_calls"`
}

// sumAs is an aggregate SUM(expr) that is 0, not NULL, over no rows.
func sumAs(expr, as string) ent.AggregateFunc {
	return func(s *sql.Selector) string {
		return sql.As(fmt.Sprintf("CAST(COALESCE(SUM(%s), 0) AS BIGINT)", expr), as)
	}
}

// RollupDay writes the AgentCostLog rows of calendar day (its date is
// used; each organization's day runs in its own time zone) from the calls:
// an upsert on (agent, day, provider, model), so it can be re-run for any
// past day (after late reports or a re-pricing) and two replicas running it
// at once write the same figures. It returns the number of rows written.
func RollupDay(ctx context.Context, client *ent.Client, day time.Time) (int, error) {
	// The rollup job covers every organization.
	sctx := viewer.NewSystemContext(ctx, "ledger: daily cost rollup")
	orgs, err := client.Organization.Query().All(sctx)
	if err != nil {
		return 0, fmt.Errorf("ledger: rollup organizations: %w", err)
	}
	date := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	n := 0
	for _, org := range orgs {
		rows, err := aggregateDay(sctx, client, org, date)
		if err != nil {
			return n, err
		}
		if len(rows) == 0 {
			continue
		}
		err = database.WithTx(sctx, client, func(tx *ent.Tx) error {
			return upsertDay(sctx, tx, org.ID, date, rows)
		})
		if err != nil {
			return n, err
		}
		n += len(rows)
	}
	return n, nil
}

func aggregateDay(ctx context.Context, client *ent.Client, org *ent.Organization, date time.Time) ([]dayRow, error) {
	start, end := dayBounds(date, Location(org))
	var rows []dayRow
	err := client.AgentCall.Query().Where(agentcall.OrganizationID(org.ID),
		agentcall.StartedAtGTE(start), agentcall.StartedAtLT(end)).
		GroupBy(agentcall.FieldAgentID, agentcall.FieldProvider, agentcall.FieldModel).
		Aggregate(ent.As(ent.Count(), "calls"), sumAs("prompt_tokens", "prompt_tokens"),
			sumAs("completion_tokens", "completion_tokens"), sumAs("cached_tokens", "cached_tokens"),
			sumAs("cost_micros", "cost_micros"), sumAs("CASE WHEN unpriced THEN 1 ELSE 0 END", "unpriced_calls")).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("ledger: aggregate day %s: %w", date.Format(time.DateOnly), err)
	}
	return rows, nil
}

func upsertDay(ctx context.Context, tx *ent.Tx, org uuid.UUID, date time.Time, rows []dayRow) error {
	builders := make([]*ent.AgentCostLogCreate, len(rows))
	for i, r := range rows {
		builders[i] = tx.AgentCostLog.Create().SetOrganizationID(org).SetDay(date).SetAgentID(r.AgentID).
			SetProvider(agentcostlog.Provider(r.Provider)).SetModel(r.Model).SetCalls(int(r.Calls)).
			SetPromptTokens(int(r.PromptTokens)).SetCompletionTokens(int(r.CompletionTokens)).
			SetCachedTokens(int(r.CachedTokens)).SetCostMicros(r.CostMicros).SetUnpricedCalls(int(r.UnpricedCalls))
	}
	err := tx.AgentCostLog.CreateBulk(builders...).OnConflictColumns(agentcostlog.FieldAgentID,
		agentcostlog.FieldDay, agentcostlog.FieldProvider, agentcostlog.FieldModel).UpdateNewValues().Exec(ctx)
	if err != nil {
		return fmt.Errorf("ledger: upsert rollup %s: %w", date.Format(time.DateOnly), err)
	}
	return nil
}

// dayBounds is the instant range of calendar date (its Y-M-D) in loc.
func dayBounds(date time.Time, loc *time.Location) (time.Time, time.Time) {
	start := time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 0, 1)
}
