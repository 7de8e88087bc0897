package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/agentcostlog"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

func (e env) reported(id string, at time.Time) ledger.ReportedCall {
	return ledger.ReportedCall{AgentID: e.agent.ID, ClientCallID: id, Provider: "openai_compatible", Model: "gpt-x",
		PromptTokens: 1000, CompletionTokens: 250, Status: agentcall.StatusSuccess, StartedAt: at}
}

func TestReportIsIdempotent(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		ctx := testfix.System()
		at := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
		first, err := e.l.Report(ctx, []ledger.ReportedCall{e.reported("a", at), e.reported("b", at), e.reported("a", at)})
		if err != nil {
			t.Fatal(err)
		}
		// 1000*1 + 250*4 = 2000 micro-USD.
		if first[0].Duplicate || first[1].Duplicate || !first[2].Duplicate || first[2].Call.ID != first[0].Call.ID ||
			*first[0].Call.CostMicros != 2000 || first[0].Call.Source != agentcall.SourceReported {
			t.Fatalf("first report: %+v", first)
		}
		// A retry of the whole batch returns the same rows and writes none.
		again, err := e.l.Report(ctx, []ledger.ReportedCall{e.reported("b", at), e.reported("a", at)})
		if err != nil || !again[0].Duplicate || again[0].Call.ID != first[1].Call.ID || again[1].Call.ID != first[0].Call.ID {
			t.Fatalf("retry: %v %+v", err, again)
		}
		// Concurrent retries of one call (PostgreSQL runs them truly in parallel).
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.l.Report(ctx, []ledger.ReportedCall{e.reported("c", at)})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := db.Ent.AgentCall.Query().Count(ctx); n != 3 {
			t.Errorf("stored calls %d, want 3", n)
		}
	})
}

func TestReportNeedsUsePermission(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		member := testfix.User(t, db.Ent, "member")
		mctx := testfix.AsRole(t, db.Ent, member, e.org, seed.RoleViewer)
		stranger := testfix.User(t, db.Ent, "stranger")
		at := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
		_, err := e.l.Report(mctx, []ledger.ReportedCall{e.reported("x", at)})
		if p, ok := problem.As(err); !ok || p.Status != 403 {
			t.Errorf("member without use: %v", err)
		}
		_, err = e.l.Report(testfix.ViewerOf(t, db.Ent, stranger), []ledger.ReportedCall{e.reported("x", at)})
		if p, ok := problem.As(err); !ok || p.Status != 404 {
			t.Errorf("stranger: %v", err)
		}
		testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) error {
			return tx.AgentUserPermission.Create().SetOrganizationID(e.org.ID).SetAgentID(e.agent.ID).
				SetUserID(member.ID).SetPermission("use").Exec(testfix.System())
		})
		res, err := e.l.Report(testfix.ViewerOf(t, db.Ent, member), []ledger.ReportedCall{e.reported("x", at)})
		if err != nil || *res[0].Call.UserID != member.ID {
			t.Errorf("member with use: %v", err)
		}
	})
}

func TestRepriceIsIdempotentAndAudited(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		ctx := testfix.System()
		at := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
		r := e.reported("a", at)
		r.Model = "new-model"
		if _, err := e.l.Report(ctx, []ledger.ReportedCall{e.reported("p", at), r}); err != nil {
			t.Fatal(err)
		}
		// Correct gpt-x (input $2) and price new-model.
		old, _ := db.Ent.ModelPrice.Query().Only(ctx)
		if _, err := ledger.New(db.Ent, db.Dialect).ReplacePrice(ctx, old.ID, ledger.PriceInput{Provider: "openai_compatible",
			Model: "gpt-x", InputMicrosPerMtok: 2_000_000, OutputMicrosPerMtok: 4_000_000, EffectiveFrom: jan}); err != nil {
			t.Fatal(err)
		}
		mustPrice(t, db, ledger.PriceInput{Provider: "openai_compatible", Model: "new-model",
			InputMicrosPerMtok: 1_000_000, OutputMicrosPerMtok: 1_000_000, EffectiveFrom: jan})
		from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		res, err := ledger.Reprice(ctx, db.Ent, db.Dialect, from, to)
		if err != nil || res.Examined != 2 || res.Changed != 2 || res.Unpriced != 0 {
			t.Fatalf("reprice: %+v %v", res, err)
		}
		// 1000*2 + 250*4 = 3000; new-model 1250*1 = 1250.
		for _, c := range db.Ent.AgentCall.Query().AllX(ctx) {
			want := map[string]int64{"gpt-x": 3000, "new-model": 1250}[c.Model]
			if c.CostMicros == nil || *c.CostMicros != want || c.Unpriced {
				t.Errorf("%s: cost %v", c.Model, c.CostMicros)
			}
		}
		res, err = ledger.Reprice(ctx, db.Ent, db.Dialect, from, to)
		if err != nil || res.Changed != 0 || res.Examined != 2 {
			t.Errorf("second reprice: %+v %v", res, err)
		}
		if n, _ := db.Ent.SecurityAuditLog.Query().Where(securityauditlog.EventType("prices.repriced")).Count(ctx); n != 2 {
			t.Errorf("reprice events %d", n)
		}
	})
}

// TestRepriceMarksRolledUpDaysDirty (issue 15 follow-up): re-pricing
// calls of a day whose rollup already ran marks that day dirty, so the
// next cost.rollup run (RollupDirty) re-aggregates it with the new costs;
// days without changed calls stay clean.
func TestRepriceMarksRolledUpDaysDirty(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		ctx := testfix.System()
		at := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
		if _, err := e.l.Report(ctx, []ledger.ReportedCall{e.reported("p", at)}); err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
		for _, d := range []time.Time{day, day.AddDate(0, 0, 1)} {
			if _, err := ledger.RollupDay(ctx, db.Ent, db.Dialect, d); err != nil {
				t.Fatal(err)
			}
		}
		rolledCost := func() int64 {
			var total int64
			for _, r := range db.Ent.AgentCostLog.Query().Where(agentcostlog.DayEQ(day)).AllX(ctx) {
				total += r.CostMicros
			}
			return total
		}
		before := rolledCost()
		old, _ := db.Ent.ModelPrice.Query().Only(ctx)
		if _, err := ledger.New(db.Ent, db.Dialect).ReplacePrice(ctx, old.ID, ledger.PriceInput{Provider: "openai_compatible",
			Model: "gpt-x", InputMicrosPerMtok: 2_000_000, OutputMicrosPerMtok: 4_000_000, EffectiveFrom: jan}); err != nil {
			t.Fatal(err)
		}
		from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		if res, err := ledger.Reprice(ctx, db.Ent, db.Dialect, from, to); err != nil || res.Changed != 1 {
			t.Fatalf("reprice: %+v %v", res, err)
		}
		for _, r := range db.Ent.AgentCostRollup.Query().AllX(ctx) {
			if want := r.Day.Equal(day); r.Dirty != want {
				t.Errorf("rollup of %s: dirty %v, want %v", r.Day.Format(time.DateOnly), r.Dirty, want)
			}
		}
		if n, err := ledger.RollupDirty(ctx, db.Ent, db.Dialect); err != nil || n != 1 {
			t.Fatalf("dirty rollups re-run: %d %v", n, err)
		}
		// 1000*2 + 250*4 = 3000 micro-dollars after the correction.
		if after := rolledCost(); after != 3000 || after == before {
			t.Errorf("rolled-up cost %d before, %d after the re-run", before, after)
		}
	})
}

func TestRollupEqualsLiveAndPrivacy(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		ctx := testfix.System()
		now := e.l.Now() // 2026-03-10 12:00 UTC
		var calls []ledger.ReportedCall
		for i := range 12 {
			c := e.reported(fmt.Sprintf("r%d", i), now.AddDate(0, 0, -(i%4)).Add(-time.Hour))
			if i%5 == 0 {
				c.Model = "unpriced-model"
			}
			calls = append(calls, c)
		}
		if _, err := e.l.Report(ctx, calls); err != nil {
			t.Fatal(err)
		}
		for d := 1; d <= 3; d++ {
			for range 2 { // re-running a day changes nothing
				if _, err := ledger.RollupDay(ctx, db.Ent, db.Dialect, now.AddDate(0, 0, -d)); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Two replicas rolling up the same day at once write the same rows.
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := ledger.RollupDay(ctx, db.Ent, db.Dialect, now.AddDate(0, 0, -1)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n, _ := db.Ent.AgentCostLog.Query().Where(agentcostlog.ModelEQ("gpt-x")).Count(ctx); n != 3 {
			t.Errorf("rollup rows %d, want 3", n)
		}
		q := ledger.CostQuery{OrganizationID: e.org.ID, GroupBy: "agent", Interval: "day",
			From: now.AddDate(0, 0, -5), To: now}
		rolled, err := ledger.New(db.Ent, db.Dialect).Costs(ctx, now, q)
		if err != nil {
			t.Fatal(err)
		}
		q.Live = true
		live, _ := ledger.New(db.Ent, db.Dialect).Costs(ctx, now, q)
		if rolled.Totals != live.Totals || len(rolled.Series) != len(live.Series) || len(rolled.Series) != 4 {
			t.Fatalf("rollup %+v != live %+v", rolled, live)
		}
		// 12 calls, 3 unpriced; 9 priced at 2000.
		if live.Totals.Calls != 12 || live.Totals.UnpricedCalls != 3 || live.Totals.CostMicros != 18000 {
			t.Errorf("totals %+v", live.Totals)
		}
		for i := range live.Series {
			if live.Series[i] != rolled.Series[i] {
				t.Errorf("point %d: %+v vs %+v", i, live.Series[i], rolled.Series[i])
			}
		}
		month, _ := ledger.New(db.Ent, db.Dialect).Costs(ctx, now, ledger.CostQuery{OrganizationID: e.org.ID, GroupBy: "model",
			Interval: "month", From: now.AddDate(0, 0, -5), To: now, Top: 1})
		if len(month.Top) != 1 || month.Top[0].Key != "gpt-x" || len(month.Series) != 2 {
			t.Errorf("by model per month: %+v", month)
		}
		// Calls on Sat 7, Sun 8, Mon 9 and Tue 10 March fall into the ISO weeks of Mon 2 and Mon 9 March.
		week, _ := ledger.New(db.Ent, db.Dialect).Costs(ctx, now, ledger.CostQuery{OrganizationID: e.org.ID, Interval: "week",
			From: now.AddDate(0, 0, -5), To: now})
		if len(week.Series) != 2 || week.Series[0].Bucket.Day() != 2 || week.Series[1].Bucket.Day() != 9 ||
			week.Series[0].Calls+week.Series[1].Calls != 12 {
			t.Errorf("weekly series: %+v", week.Series)
		}
		// Another organization's admin sees nothing of it.
		other := testfix.Org(t, db.Ent, "Other")
		actx := testfix.AsRole(t, db.Ent, testfix.User(t, db.Ent, "admin"), other, seed.RoleAdmin)
		if _, err := ledger.New(db.Ent, db.Dialect).Costs(actx, now, q); !isStatus(err, 404) {
			t.Errorf("other org analytics: %v", err)
		}
		if _, err := e.l.AgentBudget(actx, e.agent.ID); !ent.IsNotFound(err) {
			t.Errorf("other org budget: %v", err)
		}
		if n, _ := db.Ent.AgentCall.Query().Count(actx); n != 0 {
			t.Errorf("other org sees %d calls", n)
		}
		if n, _ := db.Ent.AgentCostLog.Query().Count(actx); n != 0 {
			t.Errorf("other org sees %d rollup rows", n)
		}
		_ = context.Background
	})
}

func isStatus(err error, status int) bool {
	var p *problem.Problem
	return errors.As(err, &p) && p.Status == status
}

// TestPastDaysAnswerFromTheRollupForEveryGrouping: the rollup carries user,
// task, project and sprint, so those groupings equal the live figures and,
// once the past calls are gone, still answer past days from AgentCostLog
// while today stays live.
func TestPastDaysAnswerFromTheRollupForEveryGrouping(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		ctx := testfix.System()
		now := e.l.Now() // 2026-03-10 12:00 UTC
		member := testfix.User(t, db.Ent, "member")
		mctx := testfix.AsRole(t, db.Ent, member, e.org, seed.RoleViewer)
		var tk *ent.Task
		testfix.Tx(t, ctx, db.Ent, func(tx *ent.Tx) error {
			tx.AgentUserPermission.Create().SetOrganizationID(e.org.ID).SetAgentID(e.agent.ID).
				SetUserID(member.ID).SetPermission("use").ExecX(ctx)
			p := tx.Project.Create().SetOrganizationID(e.org.ID).SetKey("AI").SetName("AI").SetOwnerID(member.ID).SaveX(ctx)
			sp := tx.Sprint.Create().SetOrganizationID(e.org.ID).SetProjectID(p.ID).SetName("S1").SaveX(ctx)
			tk = tx.Task.Create().SetOrganizationID(e.org.ID).SetProjectID(p.ID).SetNumber(1).SetTitle("Work").
				SetReporterID(member.ID).SetSprintID(sp.ID).SaveX(ctx)
			return nil
		})
		// past-model costs what gpt-x does; its calls are deleted below.
		mustPrice(t, db, ledger.PriceInput{Provider: "openai_compatible", Model: "past-model",
			InputMicrosPerMtok: 1_000_000, OutputMicrosPerMtok: 4_000_000, EffectiveFrom: jan})
		// Two days ago and yesterday: 2 calls for the task by the member, 1
		// by the agent's key without a task; today: one more for the task.
		var calls []ledger.ReportedCall
		for d := 2; d >= 1; d-- {
			for i := range 2 {
				c := e.reported(fmt.Sprintf("d%d-%d", d, i), now.AddDate(0, 0, -d))
				c.Model, c.TaskID = "past-model", &tk.ID
				calls = append(calls, c)
			}
		}
		today := e.reported("today", now.Add(-time.Hour))
		today.TaskID = &tk.ID
		if _, err := e.l.Report(mctx, append(calls, today)); err != nil {
			t.Fatal(err)
		}
		keyless := e.reported("keyless", now.AddDate(0, 0, -1))
		keyless.Model = "past-model"
		if _, err := e.l.Report(ctx, []ledger.ReportedCall{keyless}); err != nil {
			t.Fatal(err)
		}
		for d := 1; d <= 2; d++ {
			for range 2 { // re-running a day writes the same rows
				if _, err := ledger.RollupDay(ctx, db.Ent, db.Dialect, now.AddDate(0, 0, -d)); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Day -2: (member, task); day -1: (member, task) and (no user, no task).
		if n := db.Ent.AgentCostLog.Query().CountX(ctx); n != 3 {
			t.Fatalf("rollup rows %d, want 3", n)
		}
		costs := func(groupBy string, live bool) *ledger.CostReport {
			t.Helper()
			r, err := ledger.New(db.Ent, db.Dialect).Costs(ctx, now, ledger.CostQuery{OrganizationID: e.org.ID, GroupBy: groupBy,
				From: now.AddDate(0, 0, -2), To: now, Live: live})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		want := map[string]string{"user": member.ID.String(), "task": tk.ID.String(),
			"project": tk.ProjectID.String(), "sprint": tk.SprintID.String()}
		for g, key := range want {
			rolled, live := costs(g, false), costs(g, true)
			if rolled.Totals != live.Totals || len(rolled.Top) != 2 || fmt.Sprint(rolled.Top) != fmt.Sprint(live.Top) ||
				fmt.Sprint(rolled.Series) != fmt.Sprint(live.Series) {
				t.Fatalf("%s: rollup %+v != live %+v", g, rolled, live)
			}
			// 5 calls of 2000 micro-USD for the key, the keyless one under "".
			if rolled.Top[0].Key != key || rolled.Top[0].Totals.Calls != 5 || rolled.Top[0].Totals.CostMicros != 10000 ||
				rolled.Top[1].Key != "" || rolled.Top[1].Totals.Calls != 1 {
				t.Errorf("%s: top %+v", g, rolled.Top)
			}
		}
		// The past calls vanish from the raw table: past days still answer
		// from the rollup, today live, while a live-only query loses them.
		if _, err := db.SQL.ExecContext(ctx, "DELETE FROM agent_calls WHERE model = 'past-model'"); err != nil {
			t.Fatal(err)
		}
		for _, g := range []string{"user", "project"} {
			rolled, live := costs(g, false), costs(g, true)
			if rolled.Totals.Calls != 6 || rolled.Top[0].Key != want[g] || rolled.Top[0].Totals.Calls != 5 || len(rolled.Series) != 4 {
				t.Errorf("%s after the raw calls went: %+v", g, rolled)
			}
			if live.Totals.Calls != 1 {
				t.Errorf("%s live: %+v", g, live.Totals)
			}
		}
	})
}
