package ledger

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/agentcostlog"
	"github.com/worksynapse/worksynapse/ent/project"
	"github.com/worksynapse/worksynapse/ent/sprint"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/authz"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/softdelete"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// MaxRangeDays bounds an analytics query.
const MaxRangeDays = 366

// CostQuery asks for cost analytics of one organization. From and To are
// calendar dates (inclusive) in the organization's time zone.
type CostQuery struct {
	OrganizationID uuid.UUID
	GroupBy        string // organization, agent, user, model, project, task, sprint
	Interval       string // day, week, month
	From, To       time.Time
	Top            int
	// Live computes past days from the calls too instead of the rollup.
	Live bool
}

// Figures are the sums of a set of calls.
type Figures struct {
	Calls, PromptTokens, CompletionTokens, CachedTokens, CostMicros, UnpricedCalls int64
}

func (f *Figures) add(g Figures) {
	f.Calls += g.Calls
	f.PromptTokens += g.PromptTokens
	f.CompletionTokens += g.CompletionTokens
	f.CachedTokens += g.CachedTokens
	f.CostMicros += g.CostMicros
	f.UnpricedCalls += g.UnpricedCalls
}

// CostGroup is one group's totals.
type CostGroup struct {
	Key    string
	Totals Figures
}

// CostPoint is one group's figures in one bucket of the series.
type CostPoint struct {
	Bucket time.Time // first day of the day, ISO week or month (a date at 00:00 UTC)
	Key    string
	Figures
}

// CostReport answers a CostQuery.
type CostReport struct {
	Totals Figures
	Top    []CostGroup
	Series []CostPoint
}

// fact is one day's figures of one group.
type fact struct {
	day time.Time
	key string
	Figures
}

var groupings = map[string]bool{"organization": true, "agent": true, "user": true, "model": true,
	"project": true, "task": true, "sprint": true}

// Costs answers cost analytics of an organization: totals, the top groups
// by cost and a time series. Past days come from the AgentCostLog rollup
// (which carries every grouping's dimension) and today live from the
// calls. The caller needs agent_call:read in the organization (404
// otherwise, so another organization's existence does not leak).
func (l *Ledger) Costs(ctx context.Context, now time.Time, q CostQuery) (*CostReport, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	if err := authz.RequireInOrganization(ctx, q.OrganizationID, "agent_call", viewer.ActionRead, "cost analytics"); err != nil {
		return nil, err
	}
	// The permission was checked above for the whole organization.
	sctx := system(ctx, "cost analytics")
	org, err := l.client.Organization.Get(sctx, q.OrganizationID)
	if err != nil {
		return nil, err
	}
	loc := Location(org)
	n := now.In(loc)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
	var facts []fact
	liveFrom := q.From
	if !q.Live && q.From.Before(today) {
		lastRolled := minTime(q.To, today.AddDate(0, 0, -1))
		if facts, err = rollupFacts(sctx, l.client, q, lastRolled); err != nil {
			return nil, err
		}
		liveFrom = lastRolled.AddDate(0, 0, 1)
	}
	if !liveFrom.After(q.To) {
		live, err := liveFacts(sctx, l.client, q, loc, liveFrom)
		if err != nil {
			return nil, err
		}
		facts = append(facts, live...)
	}
	if err := hideUnreadable(ctx, l.client, q.GroupBy, facts); err != nil {
		return nil, err
	}
	return q.report(facts), nil
}

// hideUnreadable folds the figures of the projects, tasks or sprints the
// viewer may not read (a private project they are not in) into the group
// without one (key ""), so the ids and totals of another team's private
// work do not show while every total still adds up. Readability is the
// entities' own privacy rules (rule.ProjectPolicy), asked once for all
// the keys; deleted ones still count for whoever could read them.
func hideUnreadable(ctx context.Context, client *ent.Client, groupBy string, facts []fact) error {
	seen := map[uuid.UUID]bool{}
	var ids []uuid.UUID
	for _, f := range facts {
		if id, err := uuid.Parse(f.key); err == nil && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rctx := softdelete.Skip(ctx)
	var readableIDs func(chunk []uuid.UUID) ([]uuid.UUID, error)
	switch groupBy {
	case "project":
		readableIDs = func(c []uuid.UUID) ([]uuid.UUID, error) {
			return client.Project.Query().Where(project.IDIn(c...)).IDs(rctx)
		}
	case "task":
		readableIDs = func(c []uuid.UUID) ([]uuid.UUID, error) { return client.Task.Query().Where(task.IDIn(c...)).IDs(rctx) }
	case "sprint":
		readableIDs = func(c []uuid.UUID) ([]uuid.UUID, error) {
			return client.Sprint.Query().Where(sprint.IDIn(c...)).IDs(rctx)
		}
	default:
		return nil
	}
	ok := make(map[string]bool, len(ids))
	// In chunks: a year of costs by task can name more tasks than
	// PostgreSQL takes bind parameters in one statement (65,535).
	for chunk := range slices.Chunk(ids, readableChunk) {
		readable, err := readableIDs(chunk)
		if err != nil {
			return fmt.Errorf("ledger: readable %ss: %w", groupBy, err)
		}
		for _, id := range readable {
			ok[id.String()] = true
		}
	}
	for i := range facts {
		if facts[i].key != "" && !ok[facts[i].key] {
			facts[i].key = ""
		}
	}
	return nil
}

// readableChunk bounds the ids asked in one visibility query.
const readableChunk = 10_000

func (q *CostQuery) validate() error {
	if q.GroupBy == "" {
		q.GroupBy = "agent"
	}
	if q.Interval == "" {
		q.Interval = "day"
	}
	if q.Top <= 0 {
		q.Top = 10
	}
	q.From = dateOf(q.From)
	q.To = dateOf(q.To)
	switch {
	case !groupings[q.GroupBy]:
		return problem.Validation("group_by must be one of organization, agent, user, model, project, task, sprint")
	case q.Interval != "day" && q.Interval != "week" && q.Interval != "month":
		return problem.Validation("interval must be day, week or month")
	case q.To.Before(q.From):
		return problem.Validation("to is before from")
	case q.To.Sub(q.From) > MaxRangeDays*24*time.Hour:
		return problem.Validation(fmt.Sprintf("the range spans more than %d days", MaxRangeDays))
	}
	return nil
}

func rollupFacts(ctx context.Context, client *ent.Client, q CostQuery, last time.Time) ([]fact, error) {
	rows, err := client.AgentCostLog.Query().Where(agentcostlog.OrganizationID(q.OrganizationID),
		agentcostlog.DayGTE(q.From), agentcostlog.DayLTE(last)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("ledger: analytics rollup: %w", err)
	}
	out := make([]fact, len(rows))
	for i, r := range rows {
		key := r.Model
		switch q.GroupBy {
		case "organization":
			key = r.OrganizationID.String()
		case "agent":
			key = r.AgentID.String()
		case "user":
			key = idString(r.UserID)
		case "project":
			key = idString(r.ProjectID)
		case "task":
			key = idString(r.TaskID)
		case "sprint":
			key = idString(r.SprintID)
		}
		out[i] = fact{day: dateOf(r.Day), key: key, Figures: Figures{Calls: int64(r.Calls),
			PromptTokens: int64(r.PromptTokens), CompletionTokens: int64(r.CompletionTokens),
			CachedTokens: int64(r.CachedTokens), CostMicros: r.CostMicros, UnpricedCalls: int64(r.UnpricedCalls)}}
	}
	return out, nil
}

// liveFacts reads the calls of [from, q.To] (dates in loc), one fact per call.
func liveFacts(ctx context.Context, client *ent.Client, q CostQuery, loc *time.Location, from time.Time) ([]fact, error) {
	start, _ := dayBounds(from, loc)
	_, end := dayBounds(q.To, loc)
	calls, err := client.AgentCall.Query().Where(agentcall.OrganizationID(q.OrganizationID),
		agentcall.StartedAtGTE(start), agentcall.StartedAtLT(end)).
		Select(agentcall.FieldOrganizationID, agentcall.FieldAgentID, agentcall.FieldUserID, agentcall.FieldModel,
			agentcall.FieldTaskID, agentcall.FieldStartedAt, agentcall.FieldPromptTokens, agentcall.FieldCompletionTokens,
			agentcall.FieldCachedTokens, agentcall.FieldCostMicros, agentcall.FieldUnpriced).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("ledger: analytics calls: %w", err)
	}
	var homes map[uuid.UUID]taskHome
	if q.GroupBy == "project" || q.GroupBy == "sprint" {
		var ids []uuid.UUID
		for _, c := range calls {
			if c.TaskID != nil {
				ids = append(ids, *c.TaskID)
			}
		}
		if homes, err = taskHomes(ctx, client, ids); err != nil {
			return nil, err
		}
	}
	out := make([]fact, len(calls))
	for i, c := range calls {
		f := Figures{Calls: 1, PromptTokens: int64(c.PromptTokens), CompletionTokens: int64(c.CompletionTokens),
			CachedTokens: int64(c.CachedTokens)}
		if c.CostMicros != nil {
			f.CostMicros = *c.CostMicros
		}
		if c.Unpriced {
			f.UnpricedCalls = 1
		}
		out[i] = fact{day: dateOf(c.StartedAt.In(loc)), key: callKey(q.GroupBy, c, homes), Figures: f}
	}
	return out, nil
}

func callKey(groupBy string, c *ent.AgentCall, homes map[uuid.UUID]taskHome) string {
	switch groupBy {
	case "organization":
		return c.OrganizationID.String()
	case "agent":
		return c.AgentID.String()
	case "user":
		return idString(c.UserID)
	case "model":
		return c.Model
	case "task":
		return idString(c.TaskID)
	}
	if c.TaskID == nil {
		return ""
	}
	h := homes[*c.TaskID]
	if groupBy == "sprint" {
		return idString(h.sprint)
	}
	return idString(h.project)
}

func idString(id *uuid.UUID) string {
	if id == nil {
		return ""
	}
	return id.String()
}

// report folds the facts into totals, top groups and the series.
func (q CostQuery) report(facts []fact) *CostReport {
	r := &CostReport{}
	groups := map[string]*Figures{}
	points := map[[2]string]*CostPoint{}
	for _, f := range facts {
		r.Totals.add(f.Figures)
		if groups[f.key] == nil {
			groups[f.key] = &Figures{}
		}
		groups[f.key].add(f.Figures)
		b := bucket(f.day, q.Interval)
		k := [2]string{b.Format(time.DateOnly), f.key}
		if points[k] == nil {
			points[k] = &CostPoint{Bucket: b, Key: f.key}
		}
		points[k].add(f.Figures)
	}
	for k, g := range groups {
		r.Top = append(r.Top, CostGroup{Key: k, Totals: *g})
	}
	sort.Slice(r.Top, func(i, j int) bool {
		if r.Top[i].Totals.CostMicros != r.Top[j].Totals.CostMicros {
			return r.Top[i].Totals.CostMicros > r.Top[j].Totals.CostMicros
		}
		return r.Top[i].Key < r.Top[j].Key
	})
	r.Top = r.Top[:min(len(r.Top), q.Top)]
	for _, p := range points {
		r.Series = append(r.Series, *p)
	}
	sort.Slice(r.Series, func(i, j int) bool {
		if !r.Series[i].Bucket.Equal(r.Series[j].Bucket) {
			return r.Series[i].Bucket.Before(r.Series[j].Bucket)
		}
		return r.Series[i].Key < r.Series[j].Key
	})
	return r
}

// bucket is the first day of day's interval (ISO weeks start on Monday).
func bucket(day time.Time, interval string) time.Time {
	switch interval {
	case "week":
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	case "month":
		return time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return day
}

// dateOf is t's calendar date (in t's location) at 00:00 UTC.
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
