package ledger

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/agentcostlog"
	"github.com/worksynapse/worksynapse/ent/agentcostrollup"
	"github.com/worksynapse/worksynapse/ent/organization"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/softdelete"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// dayRow is one (agent, provider, model, user, task) aggregate of a day's
// calls; the task's project and sprint are added from the task.
type dayRow struct {
	AgentID          uuid.UUID  `json:"agent_id"`
	Provider         string     `json:"provider"`
	Model            string     `json:"model"`
	UserID           *uuid.UUID `json:"user_id"`
	TaskID           *uuid.UUID `json:"task_id"`
	Calls            int64      `json:"calls"`
	PromptTokens     int64      `json:"prompt_tokens"`
	CompletionTokens int64      `json:"completion_tokens"`
	CachedTokens     int64      `json:"cached_tokens"`
	CostMicros       int64      `json:"cost_micros"`
	UnpricedCalls    int64      `json:"unpriced_calls"`
}

// sumAs is an aggregate SUM(expr) that is 0, not NULL, over no rows.
func sumAs(expr, as string) ent.AggregateFunc {
	return func(s *sql.Selector) string {
		return sql.As(fmt.Sprintf("CAST(COALESCE(SUM(%s), 0) AS BIGINT)", expr), as)
	}
}

// RollupDay writes the AgentCostLog rows of calendar day (its date is
// used; each organization's day runs in its own time zone) from the calls,
// one row per agent, provider, model, user and task, with the task's
// project and sprint as they are now. Each organization's day is replaced
// as a whole in one transaction (a group whose calls are gone, or a task
// moved to another sprint, leaves no stale row), so it can be re-run for
// any past day (after late reports or a re-pricing). dialectName is the
// database's: on PostgreSQL a transaction-scoped advisory lock per
// organization and day serializes replicas rolling up the same day (the
// nullable dimensions rule out a unique key to upsert on); SQLite runs one
// writer at a time. It returns the number of rows written.
func RollupDay(ctx context.Context, client *ent.Client, dialectName string, day time.Time) (int, error) {
	// The rollup job covers every organization.
	sctx := viewer.NewSystemContext(ctx, "ledger: daily cost rollup")
	orgs, err := client.Organization.Query().All(sctx)
	if err != nil {
		return 0, fmt.Errorf("ledger: rollup organizations: %w", err)
	}
	date := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	n := 0
	for _, org := range orgs {
		written, err := rollupOrgDay(sctx, client, dialectName, org, date)
		if err != nil {
			return n, err
		}
		n += written
	}
	return n, nil
}

// RollupDirty re-runs the rollup of every organization's day that received
// calls after it was rolled up (marked dirty by the ingest, see
// markRolledDaysDirty), so late reports reach analytics without an
// operator, and returns how many days it re-ran. The cost.rollup job runs
// it after the recent days.
func RollupDirty(ctx context.Context, client *ent.Client, dialectName string) (int, error) {
	sctx := viewer.NewSystemContext(ctx, "ledger: re-run dirty cost rollups")
	dirty, err := client.AgentCostRollup.Query().Where(agentcostrollup.Dirty(true)).
		WithOrganization().Order(agentcostrollup.ByDay()).All(sctx)
	if err != nil {
		return 0, fmt.Errorf("ledger: dirty rollups: %w", err)
	}
	n := 0
	for _, d := range dirty {
		org := d.Edges.Organization
		if org == nil {
			continue // a deleted organization has no analytics to fix
		}
		date := time.Date(d.Day.Year(), d.Day.Month(), d.Day.Day(), 0, 0, 0, 0, time.UTC)
		if _, err := rollupOrgDay(sctx, client, dialectName, org, date); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// rollupOrgDay replaces org's AgentCostLog rows of date in one
// transaction and records the day as rolled up and clean. sctx is a system
// context.
func rollupOrgDay(sctx context.Context, client *ent.Client, dialectName string, org *ent.Organization, date time.Time) (int, error) {
	written := 0
	err := database.WithTx(sctx, client, func(tx *ent.Tx) error {
		if dialectName == dialect.Postgres {
			if err := database.LockXact(sctx, tx, false, rollupLockKey(org.ID, date)); err != nil {
				return fmt.Errorf("ledger: rollup lock: %w", err)
			}
		}
		dropped, err := callsDropped(sctx, tx, dialectName, date)
		if err != nil {
			return err
		}
		if dropped {
			// The rollup is all that is left of the day: keep it.
			return markRolledUp(sctx, tx, org.ID, date)
		}
		// Aggregated after the lock: a replica that waited reads every
		// call the one before it saw, so the last writer is never staler;
		// and an ingest holding the lock shared has committed its calls.
		rows, err := aggregateDay(sctx, tx.Client(), org, date)
		if err != nil {
			return err
		}
		if _, err := tx.AgentCostLog.Delete().Where(agentcostlog.OrganizationID(org.ID),
			agentcostlog.DayEQ(date)).Exec(sctx); err != nil {
			return fmt.Errorf("ledger: clear rollup %s: %w", date.Format(time.DateOnly), err)
		}
		written = len(rows)
		if err := insertDay(sctx, tx, org.ID, date, rows); err != nil {
			return err
		}
		return markRolledUp(sctx, tx, org.ID, date)
	})
	return written, err
}

// callsDropped reports whether calls of date may be gone: retention
// dropped the agent_calls months up to a day after it (see
// DropExpiredMonths). Calls are partitioned by when they were stored,
// which is never before the day they started.
func callsDropped(ctx context.Context, tx *ent.Tx, dialectName string, date time.Time) (bool, error) {
	if dialectName != dialect.Postgres {
		return false, nil
	}
	oldest, err := partition.OldestKept(ctx, tx, agentcall.Table)
	if err != nil {
		return false, fmt.Errorf("ledger: oldest kept calls: %w", err)
	}
	return date.Before(oldest), nil
}

// markRolledUp records, in the rollup's transaction, that org's date is
// rolled up with every call committed before the rollup's lock: clean.
func markRolledUp(sctx context.Context, tx *ent.Tx, org uuid.UUID, date time.Time) error {
	err := tx.AgentCostRollup.Create().SetOrganizationID(org).SetDay(date).SetRolledUpAt(time.Now()).SetDirty(false).
		OnConflictColumns(agentcostrollup.FieldOrganizationID, agentcostrollup.FieldDay).
		Update(func(u *ent.AgentCostRollupUpsert) { u.UpdateRolledUpAt().UpdateDirty() }).
		Exec(sctx)
	if err != nil {
		return fmt.Errorf("ledger: mark rollup %s: %w", date.Format(time.DateOnly), err)
	}
	return nil
}

// markRolledDaysDirty runs in the transaction that stores calls (starts:
// their started_at by organization) and marks dirty those of their days
// (in the organization's time zone) whose rollup has already run, so the
// next cost.rollup run re-runs them (RollupDirty); a day not rolled up yet
// needs nothing. On PostgreSQL each day's rollup lock is taken shared
// first: a rollup of the day either committed before, and its row is
// marked here, or waits for this transaction and then aggregates these
// calls. Either way no call is left out of analytics.
func markRolledDaysDirty(sctx context.Context, tx *ent.Tx, dialectName string, starts map[uuid.UUID][]time.Time) error {
	ids := make([]uuid.UUID, 0, len(starts))
	for id := range starts {
		ids = append(ids, id)
	}
	orgs, err := tx.Organization.Query().Where(organization.IDIn(ids...)).All(sctx)
	if err != nil {
		return fmt.Errorf("ledger: organizations of calls: %w", err)
	}
	for _, org := range orgs {
		days := callDays(starts[org.ID], Location(org))
		if dialectName == dialect.Postgres {
			keys := make([]int64, len(days))
			for i, d := range days {
				keys[i] = rollupLockKey(org.ID, d)
			}
			if err := database.LockXact(sctx, tx, true, keys...); err != nil {
				return fmt.Errorf("ledger: rollup lock (shared): %w", err)
			}
		}
		err := tx.AgentCostRollup.Update().Where(agentcostrollup.OrganizationID(org.ID),
			agentcostrollup.DayIn(days...), agentcostrollup.Dirty(false)).SetDirty(true).Exec(sctx)
		if err != nil {
			return fmt.Errorf("ledger: mark rolled-up days dirty: %w", err)
		}
	}
	return nil
}

// callDays are the distinct calendar dates (as AgentCostLog.day) of the
// instants in loc, in order.
func callDays(starts []time.Time, loc *time.Location) []time.Time {
	seen := map[time.Time]bool{}
	var days []time.Time
	for _, t := range starts {
		l := t.In(loc)
		d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
		if !seen[d] {
			seen[d] = true
			days = append(days, d)
		}
	}
	slices.SortFunc(days, time.Time.Compare)
	return days
}

// rollupLockKey is the advisory lock of one organization's day.
func rollupLockKey(org uuid.UUID, date time.Time) int64 {
	return database.AdvisoryKey("agent_cost_log", org.String(), date.Format(time.DateOnly))
}

func aggregateDay(ctx context.Context, client *ent.Client, org *ent.Organization, date time.Time) ([]dayRow, error) {
	start, end := dayBounds(date, Location(org))
	var rows []dayRow
	err := client.AgentCall.Query().Where(agentcall.OrganizationID(org.ID),
		agentcall.StartedAtGTE(start), agentcall.StartedAtLT(end)).
		GroupBy(agentcall.FieldAgentID, agentcall.FieldProvider, agentcall.FieldModel,
			agentcall.FieldUserID, agentcall.FieldTaskID).
		Aggregate(ent.As(ent.Count(), "calls"), sumAs("prompt_tokens", "prompt_tokens"),
			sumAs("completion_tokens", "completion_tokens"), sumAs("cached_tokens", "cached_tokens"),
			sumAs("cost_micros", "cost_micros"), sumAs("CASE WHEN unpriced THEN 1 ELSE 0 END", "unpriced_calls")).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("ledger: aggregate day %s: %w", date.Format(time.DateOnly), err)
	}
	return rows, nil
}

func insertDay(ctx context.Context, tx *ent.Tx, org uuid.UUID, date time.Time, rows []dayRow) error {
	if len(rows) == 0 {
		return nil
	}
	var taskIDs []uuid.UUID
	for _, r := range rows {
		if r.TaskID != nil {
			taskIDs = append(taskIDs, *r.TaskID)
		}
	}
	homes, err := taskHomes(ctx, tx.Client(), taskIDs)
	if err != nil {
		return err
	}
	builders := make([]*ent.AgentCostLogCreate, len(rows))
	for i, r := range rows {
		b := tx.AgentCostLog.Create().SetOrganizationID(org).SetDay(date).SetAgentID(r.AgentID).
			SetProvider(agentcostlog.Provider(r.Provider)).SetModel(r.Model).
			SetNillableUserID(r.UserID).SetNillableTaskID(r.TaskID).SetCalls(int(r.Calls)).
			SetPromptTokens(int(r.PromptTokens)).SetCompletionTokens(int(r.CompletionTokens)).
			SetCachedTokens(int(r.CachedTokens)).SetCostMicros(r.CostMicros).SetUnpricedCalls(int(r.UnpricedCalls))
		if r.TaskID != nil {
			h := homes[*r.TaskID]
			b.SetNillableProjectID(h.project).SetNillableSprintID(h.sprint)
		}
		builders[i] = b
	}
	// Bulk inserts are chunked below PostgreSQL's 65,535 bind parameters.
	const chunk = 2000
	for i := 0; i < len(builders); i += chunk {
		if err := tx.AgentCostLog.CreateBulk(builders[i:min(i+chunk, len(builders))]...).Exec(ctx); err != nil {
			return fmt.Errorf("ledger: write rollup %s: %w", date.Format(time.DateOnly), err)
		}
	}
	return nil
}

// taskHome is where a task lives: its project and sprint.
type taskHome struct{ project, sprint *uuid.UUID }

// taskHomes maps tasks to their project and sprint, deleted tasks
// included: their calls were spent on that project all the same.
func taskHomes(ctx context.Context, client *ent.Client, ids []uuid.UUID) (map[uuid.UUID]taskHome, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ts, err := client.Task.Query().Where(task.IDIn(ids...)).
		Select(task.FieldID, task.FieldProjectID, task.FieldSprintID).All(softdelete.Skip(ctx))
	if err != nil {
		return nil, fmt.Errorf("ledger: tasks of calls: %w", err)
	}
	out := make(map[uuid.UUID]taskHome, len(ts))
	for _, t := range ts {
		out[t.ID] = taskHome{project: &t.ProjectID, sprint: t.SprintID}
	}
	return out, nil
}

// dayBounds is the instant range of calendar date (its Y-M-D) in loc.
func dayBounds(date time.Time, loc *time.Location) (time.Time, time.Time) {
	start := time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 0, 1)
}
