package worktracking_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/appusage"
	"github.com/worksynapse/worksynapse/ent/productivitysummary"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/worktracking"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// fixture is an organization in Europe/Berlin with a developer (dev), a
// second member (other) and one project.
type fixture struct {
	t          *testing.T
	db         *database.DB
	org        *ent.Organization
	dev, other *ent.User
	project    *ent.Project
}

func newFixture(t *testing.T, db *database.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, org: testfix.Org(t, db.Ent, "Acme")}
	f.tx(func(tx *ent.Tx) (err error) {
		f.org, err = tx.Organization.UpdateOne(f.org).SetTimeZone("Europe/Berlin").Save(testfix.System())
		return err
	})
	f.dev, f.other = testfix.User(t, db.Ent, "dev"), testfix.User(t, db.Ent, "other")
	testfix.AsRole(t, db.Ent, f.dev, f.org, seed.RoleDeveloper)
	testfix.AsRole(t, db.Ent, f.other, f.org, seed.RoleDeveloper)
	f.tx(func(tx *ent.Tx) (err error) {
		f.project, err = tx.Project.Create().SetOrganizationID(f.org.ID).SetKey("WS").SetName("WS").
			SetOwnerID(f.dev.ID).Save(testfix.System())
		return err
	})
	return f
}

func (f *fixture) tx(fn func(tx *ent.Tx) error) {
	f.t.Helper()
	testfix.Tx(f.t, testfix.System(), f.db.Ent, fn)
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func (f *fixture) usage(user uuid.UUID, id string, cat appusage.Category, from, to string) {
	f.t.Helper()
	f.tx(func(tx *ent.Tx) error {
		return tx.AppUsage.Create().SetOrganizationID(f.org.ID).SetUserID(user).SetClientRecordID(id).
			SetDeviceID("laptop").SetAppName("app").SetCategory(cat).SetStartedAt(at(from)).SetEndedAt(at(to)).
			SetDurationSeconds(int(at(to).Sub(at(from)).Seconds())).Exec(testfix.System())
	})
}

func (f *fixture) idle(user uuid.UUID, id, from, to string) {
	f.t.Helper()
	f.tx(func(tx *ent.Tx) error {
		return tx.IdlePeriod.Create().SetOrganizationID(f.org.ID).SetUserID(user).SetClientRecordID(id).
			SetDeviceID("laptop").SetStartedAt(at(from)).SetEndedAt(at(to)).
			SetDurationSeconds(int(at(to).Sub(at(from)).Seconds())).Exec(testfix.System())
	})
}

func (f *fixture) task(n int, assignee uuid.UUID, status task.Status, completed string) {
	f.t.Helper()
	f.tx(func(tx *ent.Tx) error {
		return tx.Task.Create().SetOrganizationID(f.org.ID).SetProjectID(f.project.ID).SetNumber(n).
			SetTitle("t").SetStatus(status).SetReporterID(f.dev.ID).SetAssigneeID(assignee).
			SetCompletedAt(at(completed)).Exec(testfix.System())
	})
}

func (f *fixture) logged(user uuid.UUID, from, to string) {
	f.t.Helper()
	f.tx(func(tx *ent.Tx) error {
		return tx.WorkLog.Create().SetOrganizationID(f.org.ID).SetUserID(user).SetProjectID(f.project.ID).
			SetStartedAt(at(from)).SetEndedAt(at(to)).SetDurationSeconds(int(at(to).Sub(at(from)).Seconds())).
			Exec(testfix.System())
	})
}

// summary is the comparable content of a rollup row.
type summary struct {
	active, idle, productive, neutral, distracting, tasks, logged int
	categories                                                    map[string]int
}

func (f *fixture) summary(user uuid.UUID, period productivitysummary.Period, start string) summary {
	f.t.Helper()
	s, err := f.db.Ent.ProductivitySummary.Query().Where(productivitysummary.OrganizationID(f.org.ID),
		productivitysummary.UserID(user), productivitysummary.PeriodEQ(period),
		productivitysummary.PeriodStart(at(start+"T00:00:00Z"))).Only(testfix.System())
	if err != nil {
		f.t.Fatalf("%s row %s: %v", period, start, err)
	}
	return summary{s.ActiveSeconds, s.IdleSeconds, s.ProductiveSeconds, s.NeutralSeconds, s.DistractingSeconds,
		s.TasksCompleted, s.TimeLoggedSeconds, worktracking.SummaryTotals(s).Categories}
}

func equal(a, b summary) bool {
	if a.active != b.active || a.idle != b.idle || a.productive != b.productive || a.neutral != b.neutral ||
		a.distracting != b.distracting || a.tasks != b.tasks || a.logged != b.logged || len(a.categories) != len(b.categories) {
		return false
	}
	for k, v := range a.categories {
		if b.categories[k] != v {
			return false
		}
	}
	return true
}

// TestRollupEqualsHandComputedDay builds one Wednesday (2026-03-04) in
// Europe/Berlin (UTC+1: the day is 2026-03-03T23:00Z to 2026-03-04T23:00Z)
// and checks every field of the daily and weekly rows, then that a re-run
// gives the same rows.
func TestRollupEqualsHandComputedDay(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		u := f.dev.ID
		// Usage: a1 productive 08:00-09:00; a2 distracting 08:30-08:45 (started
		// later, so it owns 08:30-08:45); a3 neutral 22:30-23:30 (clipped at the
		// day's end 23:00); a4 uncategorized 10:00-10:10; a5 productive on
		// Thursday (weekly only).
		f.usage(u, "a1", appusage.CategoryProductive, "2026-03-04T08:00:00Z", "2026-03-04T09:00:00Z")
		f.usage(u, "a2", appusage.CategoryDistracting, "2026-03-04T08:30:00Z", "2026-03-04T08:45:00Z")
		f.usage(u, "a3", appusage.CategoryNeutral, "2026-03-04T22:30:00Z", "2026-03-04T23:30:00Z")
		f.usage(u, "a4", appusage.CategoryUncategorized, "2026-03-04T10:00:00Z", "2026-03-04T10:10:00Z")
		f.usage(u, "a5", appusage.CategoryProductive, "2026-03-05T10:00:00Z", "2026-03-05T10:30:00Z")
		// Idle: i1 08:40-08:50 and i2 08:45-08:55 overlap (union 15 min); i3
		// 12:00-12:20 without usage (20 min).
		f.idle(u, "i1", "2026-03-04T08:40:00Z", "2026-03-04T08:50:00Z")
		f.idle(u, "i2", "2026-03-04T08:45:00Z", "2026-03-04T08:55:00Z")
		f.idle(u, "i3", "2026-03-04T12:00:00Z", "2026-03-04T12:20:00Z")
		// Tasks: 1 done today; 2 done 2026-03-03 23:30 Berlin (Tuesday: weekly
		// only); 3 cancelled today (not completed work); 4 done today by other.
		f.task(1, u, task.StatusDone, "2026-03-04T12:00:00Z")
		f.task(2, u, task.StatusDone, "2026-03-03T22:30:00Z")
		f.task(3, u, task.StatusCancelled, "2026-03-04T13:00:00Z")
		f.task(4, f.other.ID, task.StatusDone, "2026-03-04T13:00:00Z")
		// Work logs: 1 h today, 30 min starting 00:30 Berlin today, 1 h on
		// Tuesday 23:00 Berlin (weekly only).
		f.logged(u, "2026-03-04T09:00:00Z", "2026-03-04T10:00:00Z")
		f.logged(u, "2026-03-03T23:30:00Z", "2026-03-04T00:00:00Z")
		f.logged(u, "2026-03-03T22:00:00Z", "2026-03-03T23:00:00Z")

		// Active: productive 08:00-08:30 + 08:55-09:00 (35 min), distracting
		// 08:30-08:40 (10), idle 08:40-08:55, uncategorized 10 min, neutral 30.
		daily := summary{active: 5100, idle: 2100, productive: 2100, neutral: 1800, distracting: 600, tasks: 1, logged: 5400,
			categories: map[string]int{"productive": 2100, "neutral": 1800, "distracting": 600, "uncategorized": 600}}
		// The week (Monday 2026-03-02 Berlin) adds a5 (30 min productive), a3's
		// last 30 minutes (Thursday), task 2 and the Tuesday work log.
		weekly := summary{active: 8700, idle: 2100, productive: 3900, neutral: 3600, distracting: 600, tasks: 2, logged: 9000,
			categories: map[string]int{"productive": 3900, "neutral": 3600, "distracting": 600, "uncategorized": 600}}
		otherDaily := summary{tasks: 1, categories: map[string]int{"productive": 0, "neutral": 0, "distracting": 0, "uncategorized": 0}}

		for run := 1; run <= 2; run++ {
			if err := worktracking.Rollup(context.Background(), db.Ent, at("2026-03-04T12:00:00Z")); err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
			if got := f.summary(u, productivitysummary.PeriodDaily, "2026-03-04"); !equal(got, daily) {
				t.Errorf("run %d daily = %+v, want %+v", run, got, daily)
			}
			if got := f.summary(u, productivitysummary.PeriodWeekly, "2026-03-02"); !equal(got, weekly) {
				t.Errorf("run %d weekly = %+v, want %+v", run, got, weekly)
			}
			if got := f.summary(f.other.ID, productivitysummary.PeriodDaily, "2026-03-04"); !equal(got, otherDaily) {
				t.Errorf("run %d other daily = %+v, want %+v", run, got, otherDaily)
			}
			if n := db.Ent.ProductivitySummary.Query().CountX(testfix.System()); n != 4 {
				t.Errorf("run %d: %d rows, want 4 (daily and weekly of two users, upserted in place)", run, n)
			}
		}
	})
}

// TestRollupRecentCoversYesterdayAndToday checks the job's entry point
// uses the organization's calendar.
func TestRollupRecentCoversYesterdayAndToday(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		f.logged(f.dev.ID, "2026-03-03T09:00:00Z", "2026-03-03T10:00:00Z")
		f.logged(f.dev.ID, "2026-03-04T09:00:00Z", "2026-03-04T09:30:00Z")
		// 23:30 UTC on the 3rd is already the 4th in Berlin: "yesterday" is the 3rd.
		if err := worktracking.RollupRecent(context.Background(), db.Ent, at("2026-03-03T23:30:00Z")); err != nil {
			t.Fatal(err)
		}
		if got := f.summary(f.dev.ID, productivitysummary.PeriodDaily, "2026-03-03"); got.logged != 3600 {
			t.Errorf("yesterday logged %d, want 3600", got.logged)
		}
		if got := f.summary(f.dev.ID, productivitysummary.PeriodDaily, "2026-03-04"); got.logged != 1800 {
			t.Errorf("today logged %d, want 1800", got.logged)
		}
	})
}

func status(err error) int {
	if p, ok := problem.As(err); ok {
		return p.Status
	}
	return 0
}

// TestOverlapsAllowedByConfig: the same overlapping entry is a 409 by
// default and accepted with worktracking.allow_overlaps.
func TestOverlapsAllowedByConfig(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		ctx := testfix.ViewerOf(t, db.Ent, f.dev)
		entry := func(from, to string) worktracking.EntryInput {
			s, e := at(from), at(to)
			return worktracking.EntryInput{Link: worktracking.Link{ProjectID: &f.project.ID}, StartedAt: &s, EndedAt: &e}
		}
		strict := worktracking.New(db.Ent, db.Dialect, config.WorkTrackingConfig{})
		first, err := strict.Create(ctx, entry("2026-03-04T09:00:00Z", "2026-03-04T10:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = strict.Create(ctx, entry("2026-03-04T09:30:00Z", "2026-03-04T10:30:00Z"))
		if status(err) != http.StatusConflict || !strings.Contains(err.Error(), first.ID.String()) {
			t.Fatalf("overlap: want 409 naming %s, got %v", first.ID, err)
		}
		if _, err := strict.Create(ctx, entry("2026-03-04T10:00:00Z", "2026-03-04T10:30:00Z")); err != nil {
			t.Fatalf("adjacent entry (end == next start) is no overlap: %v", err)
		}
		lax := worktracking.New(db.Ent, db.Dialect, config.WorkTrackingConfig{AllowOverlaps: true})
		if _, err := lax.Create(ctx, entry("2026-03-04T09:30:00Z", "2026-03-04T10:30:00Z")); err != nil {
			t.Fatalf("allow_overlaps: %v", err)
		}
	})
}

// TestIngestClockSkew: within the tolerance a future record is clamped to
// the server clock; beyond it, or ending before it starts, it is rejected
// alone.
func TestIngestClockSkew(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		ctx := testfix.ViewerOf(t, db.Ent, f.dev)
		svc := worktracking.New(db.Ent, db.Dialect, config.WorkTrackingConfig{ClockSkewTolerance: 5 * time.Minute})
		now := time.Now().UTC()
		span := func(id string, from, to time.Time) worktracking.Span {
			return worktracking.Span{ClientRecordID: id, DeviceID: "laptop", StartedAt: from, EndedAt: to}
		}
		res, err := svc.IngestIdlePeriods(ctx, f.org.ID, []worktracking.Span{
			span("ok", now.Add(-time.Hour), now.Add(-50*time.Minute)),
			span("skewed", now.Add(-time.Minute), now.Add(2*time.Minute)),
			span("future", now.Add(time.Hour), now.Add(2*time.Hour)),
			span("backwards", now.Add(-time.Hour), now.Add(-2*time.Hour)),
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Inserted != 2 || res.Rejected != 2 || len(res.Errors) != 2 || res.Errors[0].Index != 2 || res.Errors[1].Index != 3 {
			t.Fatalf("result %+v: want 2 inserted, records 2 and 3 rejected", res)
		}
		page, err := svc.MyIdlePeriods(ctx, worktracking.RawFilter{}, pagination.Params{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Items {
			if p.ClientRecordID == "skewed" && p.EndedAt.After(time.Now()) {
				t.Errorf("skewed record ends %s, after the server clock", p.EndedAt)
			}
		}
		if len(page.Items) != 2 {
			t.Errorf("%d stored, want 2", len(page.Items))
		}
		_, err = svc.IngestIdlePeriods(ctx, f.org.ID, make([]worktracking.Span, worktracking.MaxBatch+1))
		if status(err) != http.StatusUnprocessableEntity {
			t.Errorf("oversized batch: want 422, got %v", err)
		}
		var p *problem.Problem
		if !errors.As(err, &p) {
			t.Errorf("oversized batch error is not a problem: %v", err)
		}
	})
}

// TestConcurrentEntriesCannotOverlap: of several identical entries
// created at once, one wins and the others are 409s (the per-user lock on
// PostgreSQL; SQLite serializes writers).
func TestConcurrentEntriesCannotOverlap(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		ctx := testfix.ViewerOf(t, db.Ent, f.dev)
		svc := worktracking.New(db.Ent, db.Dialect, config.WorkTrackingConfig{})
		s, e := at("2026-03-04T09:00:00Z"), at("2026-03-04T10:00:00Z")
		const n = 5
		errs := make(chan error, n)
		for range n {
			go func() {
				_, err := svc.Create(ctx, worktracking.EntryInput{Link: worktracking.Link{ProjectID: &f.project.ID}, StartedAt: &s, EndedAt: &e})
				errs <- err
			}()
		}
		var ok, conflicts int
		for range n {
			switch err := <-errs; {
			case err == nil:
				ok++
			case status(err) == http.StatusConflict:
				conflicts++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 || conflicts != n-1 {
			t.Fatalf("%d created, %d conflicts; want 1 and %d", ok, conflicts, n-1)
		}
	})
}

// TestConcurrentRetriesStoreOnce: a tracker's batch sent several times at
// once (a retry racing its original) stores each record once, and every
// record is counted as inserted by exactly one of the requests (the span
// tables have no unique index on PostgreSQL, where they are partitioned:
// a lock per user does the job).
func TestConcurrentRetriesStoreOnce(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		ctx := testfix.ViewerOf(t, db.Ent, f.dev)
		svc := worktracking.New(db.Ent, db.Dialect, config.WorkTrackingConfig{})
		now := time.Now().UTC()
		var batch []worktracking.AppUsageRecord
		for i := range 20 {
			batch = append(batch, worktracking.AppUsageRecord{AppName: "editor", Span: worktracking.Span{
				ClientRecordID: fmt.Sprintf("r%d", i), DeviceID: "laptop",
				StartedAt: now.Add(-time.Duration(i+2) * time.Minute), EndedAt: now.Add(-time.Duration(i+1) * time.Minute)}})
		}
		const n = 6
		results := make(chan worktracking.IngestResult, n)
		errs := make(chan error, n)
		for range n {
			go func() {
				res, err := svc.IngestAppUsage(ctx, f.org.ID, batch)
				results <- res
				errs <- err
			}()
		}
		inserted, duplicates := 0, 0
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
			res := <-results
			inserted += res.Inserted
			duplicates += res.Duplicates
		}
		stored, err := db.Ent.AppUsage.Query().Count(testfix.System())
		if err != nil {
			t.Fatal(err)
		}
		if stored != len(batch) || inserted != len(batch) || duplicates != (n-1)*len(batch) {
			t.Errorf("stored %d, inserted %d, duplicates %d; want %d, %d, %d",
				stored, inserted, duplicates, len(batch), len(batch), (n-1)*len(batch))
		}
	})
}

// TestRawMonthsPastRetentionAreDropped: months of raw tracker records past
// worktracking.raw_retention_months leave as whole partitions with a
// security event each; the summaries stay, and recomputing a dropped day
// is refused instead of zeroing them.
func TestRawMonthsPastRetentionAreDropped(t *testing.T) {
	db := testdb.NewPostgres(t)
	f := newFixture(t, db)
	ctx := testfix.ViewerOf(t, db.Ent, f.dev)
	sys := testfix.System()
	svc := worktracking.New(db.Ent, db.Dialect, config.WorkTrackingConfig{})
	now := time.Now().UTC()
	rec := worktracking.AppUsageRecord{AppName: "editor", Span: worktracking.Span{ClientRecordID: "r1", DeviceID: "laptop",
		StartedAt: now.Add(-3 * time.Minute), EndedAt: now.Add(-time.Minute)}}
	if _, err := svc.IngestAppUsage(ctx, f.org.ID, []worktracking.AppUsageRecord{rec}); err != nil {
		t.Fatal(err)
	}
	if err := worktracking.Rollup(sys, db.Ent, now); err != nil {
		t.Fatal(err)
	}
	summaries := func() int {
		n, err := db.Ent.ProductivitySummary.Query().Count(sys)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := summaries()
	if before == 0 {
		t.Fatal("no summary before the drop")
	}
	if err := worktracking.CheckRawKept(sys, db.Ent, db.Dialect, now); err != nil {
		t.Fatalf("CheckRawKept before any drop: %v", err)
	}

	later := partition.MonthStart(now).AddDate(0, 3, 5) // keeping one month, this month is due
	got, err := worktracking.DropExpiredRawMonths(sys, db.Ent, 1, later)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	rows := 0
	for _, m := range got {
		names = append(names, m.Partition)
		rows += m.Rows
	}
	if !slices.Contains(names, "app_usages_legacy") || !slices.Contains(names, "idle_periods_legacy") || rows != 1 {
		t.Fatalf("dropped %+v, want both legacy partitions and 1 row", got)
	}
	if n, _ := db.Ent.AppUsage.Query().Count(sys); n != 0 {
		t.Errorf("%d app usage rows left", n)
	}
	if n, _ := db.Ent.SecurityAuditLog.Query().Where(securityauditlog.EventTypeEQ(worktracking.RawMonthDropEvent)).Count(sys); n != len(got) {
		t.Errorf("%d drop events, want %d", n, len(got))
	}
	if err := worktracking.CheckRawKept(sys, db.Ent, db.Dialect, now); err == nil || !strings.Contains(err.Error(), "raw_retention_months") {
		t.Errorf("CheckRawKept of a dropped day: %v", err)
	}
	if after := summaries(); after != before {
		t.Errorf("summaries after the drop: %d, want %d", after, before)
	}
}
