package worktracking

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"
	_ "time/tzdata" // organizations' IANA zones must resolve on minimal images too

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/appusage"
	"github.com/worksynapse/worksynapse/ent/idleperiod"
	"github.com/worksynapse/worksynapse/ent/productivitysummary"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/ent/worklog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/partition/expire"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// The rollup, precisely. For one user in one organization and one period
// [start, end) (a calendar day, or a Monday-to-Sunday week, in the
// organization's time_zone; an unknown zone counts as UTC):
//
//   - idle_seconds: length of the union of the user's IdlePeriods clipped
//     to the period (overlapping idle spans of two devices count once).
//   - active time: every instant in the period covered by at least one
//     AppUsage span and by no IdlePeriod. At such an instant the category
//     is that of the covering span that started last (the window the user
//     switched to most recently; ties go to the later id), so parallel
//     spans from two devices count once.
//   - productive/neutral/distracting_seconds and category_seconds: active
//     time per category, each truncated to whole seconds; active_seconds
//     is their sum (uncategorized included), so the parts always add up.
//   - tasks_completed: tasks of the organization assigned to the user whose
//     status is done and whose completed_at falls in the period (the task
//     model records completion time, not who completed it; cancelled
//     tasks are not completed work).
//   - time_logged_seconds: sum of duration_seconds of the user's finished
//     WorkLogs in the organization that started in the period.
//
// Deleted tasks and work logs are left out. A row is written for every
// user with data in the period and for every existing row of the period
// (so a re-run after data went away resets it); rows are upserted in
// place, so running the rollup again gives the same rows.

// Rollup recomputes, in every organization, the daily rows of day's
// calendar date (year, month, day as day carries them) and the weekly rows
// of the week containing it.
func Rollup(ctx context.Context, client *ent.Client, day time.Time) error {
	return forEachOrganization(ctx, client, func(ctx context.Context, org *ent.Organization, _ *time.Location) error {
		return rollupOrgDay(ctx, client, org, day)
	})
}

// RollupRecent recomputes yesterday and today as each organization's
// clock shows them at now: the periodic job's entry point (today keeps
// filling up, yesterday gets the records that arrived late).
func RollupRecent(ctx context.Context, client *ent.Client, now time.Time) error {
	return forEachOrganization(ctx, client, func(ctx context.Context, org *ent.Organization, loc *time.Location) error {
		local := now.In(loc)
		if err := rollupOrgDay(ctx, client, org, local.AddDate(0, 0, -1)); err != nil {
			return err
		}
		return rollupOrgDay(ctx, client, org, local)
	})
}

// forEachOrganization runs fn for every organization with its location.
func forEachOrganization(ctx context.Context, client *ent.Client, fn func(context.Context, *ent.Organization, *time.Location) error) error {
	// Why a system context: the rollup job computes every user's rows of
	// every organization; nothing it reads leaves the database.
	ctx = viewer.NewSystemContext(ctx, "worktracking: productivity rollup")
	orgs, err := client.Organization.Query().All(ctx)
	if err != nil {
		return fmt.Errorf("worktracking: rollup: organizations: %w", err)
	}
	for _, org := range orgs {
		if err := fn(ctx, org, location(org.TimeZone)); err != nil {
			return fmt.Errorf("worktracking: rollup of organization %s: %w", org.ID, err)
		}
	}
	return nil
}

// rollupOrgDay recomputes one organization's daily rows of day and weekly
// rows of its week (see the definitions at the top of this file).
func rollupOrgDay(ctx context.Context, client *ent.Client, org *ent.Organization, day time.Time) error {
	date := calendarDate(day)
	monday := date.AddDate(0, 0, -((int(date.Weekday()) + 6) % 7))
	loc := location(org.TimeZone)
	return database.WithTx(ctx, client, func(tx *ent.Tx) error {
		if err := rollupPeriod(ctx, tx, org.ID, loc, productivitysummary.PeriodDaily, date, date.AddDate(0, 0, 1)); err != nil {
			return err
		}
		return rollupPeriod(ctx, tx, org.ID, loc, productivitysummary.PeriodWeekly, monday, monday.AddDate(0, 0, 7))
	})
}

// rollupPeriod upserts the rows of the period from first to next (dates
// at 00:00 UTC, read as local dates in loc).
func rollupPeriod(ctx context.Context, tx *ent.Tx, org uuid.UUID, loc *time.Location, period productivitysummary.Period, first, next time.Time) error {
	start, end := localMidnight(first, loc), localMidnight(next, loc)
	users, err := usersWithData(ctx, tx, org, period, first, start, end)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, user := range users {
		t, err := computeTotals(ctx, tx, org, user, start, end)
		if err != nil {
			return err
		}
		err = tx.ProductivitySummary.Create().SetOrganizationID(org).SetUserID(user).SetPeriod(period).
			SetPeriodStart(first).SetActiveSeconds(t.Active).SetIdleSeconds(t.Idle).
			SetProductiveSeconds(t.Categories[string(appusage.CategoryProductive)]).
			SetNeutralSeconds(t.Categories[string(appusage.CategoryNeutral)]).
			SetDistractingSeconds(t.Categories[string(appusage.CategoryDistracting)]).
			SetCategorySeconds(t.categoryMap()).SetTasksCompleted(t.TasksCompleted).
			SetTimeLoggedSeconds(t.TimeLogged).SetComputedAt(now).
			OnConflictColumns(productivitysummary.FieldOrganizationID, productivitysummary.FieldUserID,
				productivitysummary.FieldPeriod, productivitysummary.FieldPeriodStart).
			UpdateNewValues().Exec(ctx)
		if err != nil {
			return fmt.Errorf("upsert %s %s of %s: %w", period, first.Format(time.DateOnly), user, err)
		}
	}
	return nil
}

// usersWithData lists (sorted) the users of org with tracker data, logged
// time or completed tasks in [start, end), or an existing row of the period.
func usersWithData(ctx context.Context, tx *ent.Tx, org uuid.UUID, period productivitysummary.Period, first, start, end time.Time) ([]uuid.UUID, error) {
	sources := []scanner{
		tx.AppUsage.Query().Where(appusage.OrganizationID(org), appusage.StartedAtLT(end), appusage.EndedAtGT(start)).
			Unique(true).Select(appusage.FieldUserID),
		tx.IdlePeriod.Query().Where(idleperiod.OrganizationID(org), idleperiod.StartedAtLT(end), idleperiod.EndedAtGT(start)).
			Unique(true).Select(idleperiod.FieldUserID),
		tx.WorkLog.Query().Where(worklog.OrganizationID(org), worklog.StartedAtGTE(start), worklog.StartedAtLT(end)).
			Unique(true).Select(worklog.FieldUserID),
		completedTasks(tx, org, start, end).Where(task.AssigneeIDNotNil()).Unique(true).Select(task.FieldAssigneeID),
		tx.ProductivitySummary.Query().Where(productivitysummary.OrganizationID(org),
			productivitysummary.PeriodEQ(period), productivitysummary.PeriodStart(first)).
			Unique(true).Select(productivitysummary.FieldUserID),
	}
	seen := map[uuid.UUID]bool{}
	for _, src := range sources {
		var ids []uuid.UUID
		if err := src.Scan(ctx, &ids); err != nil {
			return nil, err
		}
		for _, id := range ids {
			seen[id] = true
		}
	}
	users := make([]uuid.UUID, 0, len(seen))
	for id := range seen {
		users = append(users, id)
	}
	slices.SortFunc(users, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	return users, nil
}

// scanner is an ent selection of one column.
type scanner interface {
	Scan(ctx context.Context, v any) error
}

func completedTasks(tx *ent.Tx, org uuid.UUID, start, end time.Time) *ent.TaskQuery {
	return tx.Task.Query().Where(task.OrganizationID(org), task.StatusEQ(task.StatusDone),
		task.CompletedAtGTE(start), task.CompletedAtLT(end))
}

// Totals are one user's figures of one period (see the rollup comment).
type Totals struct {
	Active, Idle, TasksCompleted, TimeLogged int
	// Categories holds active seconds per AppUsage category (all four).
	Categories map[string]int
}

func (t Totals) categoryMap() map[string]any {
	out := make(map[string]any, len(t.Categories))
	for k, v := range t.Categories {
		out[k] = v
	}
	return out
}

// computeTotals reads one user's rows of the period and computes Totals.
func computeTotals(ctx context.Context, tx *ent.Tx, org, user uuid.UUID, start, end time.Time) (Totals, error) {
	usage, err := tx.AppUsage.Query().Where(appusage.OrganizationID(org), appusage.UserID(user),
		appusage.StartedAtLT(end), appusage.EndedAtGT(start)).All(ctx)
	if err != nil {
		return Totals{}, err
	}
	idle, err := tx.IdlePeriod.Query().Where(idleperiod.OrganizationID(org), idleperiod.UserID(user),
		idleperiod.StartedAtLT(end), idleperiod.EndedAtGT(start)).All(ctx)
	if err != nil {
		return Totals{}, err
	}
	done, err := completedTasks(tx, org, start, end).Where(task.AssigneeID(user)).Count(ctx)
	if err != nil {
		return Totals{}, err
	}
	logged, err := tx.WorkLog.Query().Where(worklog.OrganizationID(org), worklog.UserID(user),
		worklog.StartedAtGTE(start), worklog.StartedAtLT(end), worklog.EndedAtNotNil()).
		Select(worklog.FieldDurationSeconds).Ints(ctx)
	if err != nil {
		return Totals{}, err
	}
	t := activity(usage, idle, start, end)
	t.TasksCompleted = done
	for _, d := range logged {
		t.TimeLogged += d
	}
	return t, nil
}

// categories are the AppUsage categories, all present in category_seconds.
var categories = []appusage.Category{
	appusage.CategoryProductive, appusage.CategoryNeutral, appusage.CategoryDistracting, appusage.CategoryUncategorized,
}

// interval is a half-open time span.
type interval struct{ from, to time.Time }

// activity computes the idle and active figures of the rollup comment by
// a sweep over the elementary segments between all span boundaries.
func activity(usage []*ent.AppUsage, idle []*ent.IdlePeriod, start, end time.Time) Totals {
	clip := func(a, b time.Time) (interval, bool) {
		iv := interval{maxTime(a, start), minTime(b, end)}
		return iv, iv.to.After(iv.from)
	}
	var idles []interval
	bounds := []time.Time{}
	for _, p := range idle {
		if iv, ok := clip(p.StartedAt, p.EndedAt); ok {
			idles = append(idles, iv)
			bounds = append(bounds, iv.from, iv.to)
		}
	}
	type span struct {
		interval
		u *ent.AppUsage
	}
	var spans []span
	for _, u := range usage {
		if iv, ok := clip(u.StartedAt, u.EndedAt); ok {
			spans = append(spans, span{iv, u})
			bounds = append(bounds, iv.from, iv.to)
		}
	}
	sort.Slice(bounds, func(i, j int) bool { return bounds[i].Before(bounds[j]) })
	var idleDur time.Duration
	perCat := map[string]time.Duration{}
	for i := 0; i+1 < len(bounds); i++ {
		a, b := bounds[i], bounds[i+1]
		if !b.After(a) {
			continue
		}
		if covered(idles, a) {
			idleDur += b.Sub(a)
			continue
		}
		var top *ent.AppUsage
		for _, s := range spans {
			if !s.from.After(a) && s.to.After(a) && later(s.u, top) {
				top = s.u
			}
		}
		if top != nil {
			perCat[string(top.Category)] += b.Sub(a)
		}
	}
	t := Totals{Idle: int(idleDur / time.Second), Categories: map[string]int{}}
	for _, c := range categories {
		secs := int(perCat[string(c)] / time.Second)
		t.Categories[string(c)] = secs
		t.Active += secs
	}
	return t
}

// covered reports whether instant at lies in one of ivs.
func covered(ivs []interval, at time.Time) bool {
	for _, iv := range ivs {
		if !iv.from.After(at) && iv.to.After(at) {
			return true
		}
	}
	return false
}

// later reports whether u started after cur (ties: the greater id).
func later(u, cur *ent.AppUsage) bool {
	if cur == nil {
		return true
	}
	if !u.StartedAt.Equal(cur.StartedAt) {
		return u.StartedAt.After(cur.StartedAt)
	}
	return slices.Compare(u.ID[:], cur.ID[:]) > 0
}

// calendarDate is t's year, month and day at 00:00 UTC (how the rows
// store period_start).
func calendarDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// localMidnight is the instant (UTC) where date begins in loc.
func localMidnight(date time.Time, loc *time.Location) time.Time {
	y, m, d := date.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc).UTC()
}

// location resolves an organization's IANA zone; an invalid one is UTC.
func location(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil && name != "" {
		return loc
	}
	return time.UTC
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// RawMonthDropEvent is the SecurityAuditLog event_type of a month of raw
// tracker records dropped by worktracking.raw_retention_months.
const RawMonthDropEvent = "worktracking.raw_month_dropped"

// DropExpiredRawMonths drops the months of app_usages and idle_periods
// (PostgreSQL partitions) older than the current month and keepMonths full
// months before it; keepMonths <= 0 keeps all. Summaries stay: see
// CheckRawKept.
func DropExpiredRawMonths(ctx context.Context, client *ent.Client, keepMonths int, now time.Time) ([]expire.Month, error) {
	var out []expire.Month
	for _, table := range []string{appusage.Table, idleperiod.Table} {
		got, err := expire.Months(ctx, client, expire.Spec{Table: table, KeepMonths: keepMonths, Event: RawMonthDropEvent}, now)
		out = append(out, got...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// CheckRawKept refuses to recompute the summaries of a day whose raw
// records retention may have dropped: the summaries are all that is left
// of it, and a rollup would zero them. (Records are partitioned by when
// they were stored, never before the day they describe.)
func CheckRawKept(ctx context.Context, client *ent.Client, dialectName string, day time.Time) error {
	if dialectName != dialect.Postgres {
		return nil
	}
	for _, table := range []string{appusage.Table, idleperiod.Table} {
		oldest, err := partition.OldestKept(ctx, client, table)
		if err != nil {
			return fmt.Errorf("worktracking: oldest kept %s: %w", table, err)
		}
		if calendarDate(day).Before(oldest) {
			return fmt.Errorf("worktracking: the raw records of %s were dropped by worktracking.raw_retention_months "+
				"(kept from %s); its summaries are kept as they are", day.Format(time.DateOnly), oldest.Format(time.DateOnly))
		}
	}
	return nil
}
