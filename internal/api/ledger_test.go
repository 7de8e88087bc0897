package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/agentcostrollup"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

type callJSON struct {
	ID         uuid.UUID `json:"id"`
	CostMicros *int64    `json:"cost_micros"`
	Unpriced   bool      `json:"unpriced"`
	Source     string    `json:"source"`
	UserID     uuid.UUID `json:"user_id"`
}

type budgetJSON struct {
	Budgets []struct {
		Budget    string `json:"budget"`
		Limit     int64  `json:"limit_micros"`
		Spent     int64  `json:"spent_micros"`
		Reserved  int64  `json:"reserved_micros"`
		Remaining int64  `json:"remaining_micros"`
	} `json:"budgets"`
}

func TestLedgerAPI(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorkspace(t, db, "root", "alice", "bob", "eve")
		sys := testfix.System()
		testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) error {
			return tx.User.UpdateOneID(w.users["root"]).SetIsSuperuser(true).Exec(sys)
		})
		org := w.createOrg("alice", "ledger-acme")
		w.addMember("alice", org.ID, "bob", "VIEWER")
		w.createOrg("eve", "ledger-other")
		var ag *ent.Agent
		testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) (err error) {
			ag, err = tx.Agent.Create().SetOrganizationID(org.ID).SetName("bot").
				SetProvider(agent.ProviderOpenaiCompatible).SetModel("gpt-x").Save(sys)
			return err
		})

		// The catalog: only the SUPER_ADMIN writes, overlaps are refused, everyone reads.
		price := map[string]any{"provider": "openai_compatible", "model": "gpt-x", "input_micros_per_mtok": 1_000_000,
			"output_micros_per_mtok": 4_000_000, "effective_from": "2026-01-01T00:00:00Z"}
		w.must(403, "alice", "POST", "/model-prices", price, nil)
		w.must(201, "root", "POST", "/model-prices", price, nil)
		w.must(409, "root", "POST", "/model-prices", price, nil)
		var page struct {
			Items []struct {
				Model string `json:"model"`
			} `json:"items"`
		}
		w.must(200, "bob", "GET", "/model-prices?model=gpt-x", nil, &page)
		if len(page.Items) != 1 {
			t.Fatalf("prices: %+v", page)
		}

		// Reporting needs the right to use the agent; retries return the first record.
		now := time.Now().UTC().Format(time.RFC3339)
		call := map[string]any{"agent_id": ag.ID, "client_call_id": "c-1", "provider": "openai_compatible",
			"model": "gpt-x", "prompt_tokens": 1000, "completion_tokens": 250, "status": "success", "started_at": now}
		w.must(403, "bob", "POST", "/agent-calls", call, nil)
		testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) error {
			return tx.AgentUserPermission.Create().SetOrganizationID(org.ID).SetAgentID(ag.ID).
				SetUserID(w.users["bob"]).SetPermission("use").Exec(sys)
		})
		var first, again callJSON
		w.must(201, "bob", "POST", "/agent-calls", call, &first)
		w.must(200, "bob", "POST", "/agent-calls", call, &again)
		if first.ID != again.ID || first.CostMicros == nil || *first.CostMicros != 2000 ||
			first.Source != "reported" || first.UserID != w.users["bob"] {
			t.Fatalf("report: %+v then %+v", first, again)
		}
		unpriced := map[string]any{"agent_id": ag.ID, "client_call_id": "c-2", "provider": "openai_compatible",
			"model": "other-model", "prompt_tokens": 5, "status": "success", "started_at": now}
		var batch struct {
			Created    int `json:"created"`
			Duplicates int `json:"duplicates"`
			Items      []struct {
				Duplicate bool     `json:"duplicate"`
				Call      callJSON `json:"call"`
			} `json:"items"`
		}
		w.must(200, "bob", "POST", "/agent-calls/batch", map[string]any{"calls": []any{call, unpriced}}, &batch)
		if batch.Created != 1 || batch.Duplicates != 1 || !batch.Items[1].Call.Unpriced || batch.Items[1].Call.CostMicros != nil {
			t.Fatalf("batch: %+v", batch)
		}
		if n := db.Ent.AgentCall.Query().Where(agentcall.AgentID(ag.ID)).CountX(sys); n != 2 {
			t.Fatalf("stored calls %d", n)
		}
		delete(call, "agent_id")
		if code, body := w.do("bob", "POST", "/agent-calls", call, nil); code != 422 {
			t.Errorf("no agent id: %d %s", code, body)
		}
		many := make([]any, 501)
		for i := range many {
			many[i] = unpriced
		}
		if code, _ := w.do("bob", "POST", "/agent-calls/batch", map[string]any{"calls": many}, nil); code < 400 || code >= 500 {
			t.Errorf("501 calls: %d", code)
		}

		// Budgets: the organization's monthly limit counts the reported spend.
		w.must(200, "alice", "PUT", fmt.Sprintf("/organizations/%s/budget", org.ID),
			map[string]any{"monthly_budget_micros": 10_000, "daily_budget_micros": nil, "budget_warn_percent": 80}, nil)
		var b budgetJSON
		w.must(200, "alice", "GET", fmt.Sprintf("/agents/%s/budget", ag.ID), nil, &b)
		if len(b.Budgets) != 1 || b.Budgets[0].Budget != "organization:monthly" || b.Budgets[0].Spent != 2000 ||
			b.Budgets[0].Remaining != 8000 {
			t.Errorf("budget: %+v", b)
		}
		w.must(403, "bob", "PUT", fmt.Sprintf("/organizations/%s/budget", org.ID),
			map[string]any{"monthly_budget_micros": 1, "budget_warn_percent": 80}, nil)

		// Analytics: the organization's admin sees its figures; another organization nothing.
		var report struct {
			Totals struct {
				Calls         int64 `json:"calls"`
				CostMicros    int64 `json:"cost_micros"`
				UnpricedCalls int64 `json:"unpriced_calls"`
			} `json:"totals"`
		}
		today := time.Now().UTC().Format(time.DateOnly)
		costs := fmt.Sprintf("/organizations/%s/agent-costs?group_by=model&from=%s&to=%s", org.ID, today, today)
		w.must(200, "alice", "GET", costs, nil, &report)
		if report.Totals.Calls != 2 || report.Totals.CostMicros != 2000 || report.Totals.UnpricedCalls != 1 {
			t.Errorf("report: %+v", report)
		}
		w.must(404, "eve", "GET", costs, nil, nil)
		// A member without agent_call:read (VIEWER) is told what it lacks.
		if code, body := w.do("bob", "GET", costs, nil, http.Header{}); code != 403 || !strings.Contains(string(body), "agent_call:read") {
			t.Errorf("costs as a VIEWER: %d %s", code, body)
		}
		w.must(403, "bob", "GET", fmt.Sprintf("/organizations/%s/budget", org.ID), nil, nil)
		w.must(404, "eve", "GET", fmt.Sprintf("/organizations/%s/budget", org.ID), nil, nil)
		w.must(404, "eve", "GET", fmt.Sprintf("/agents/%s/budget", ag.ID), nil, nil)
		w.must(404, "eve", "POST", "/agent-calls", map[string]any{"agent_id": ag.ID, "client_call_id": "e-1",
			"provider": "openai_compatible", "model": "gpt-x", "status": "success", "started_at": now}, nil)
		if code, _ := w.do("alice", "GET", costs+"&group_by=nope", nil, http.Header{}); code != 400 && code != 422 {
			t.Errorf("bad group_by: %d", code)
		}
	})
}

// TestReportedUnpricedCallUnderABudget: a reported call already happened,
// so an unpriced one is stored (cost null, unpriced) whatever the budget;
// under a budget it is flagged with a budget.model_unpriced security
// event, once (a retry writes nothing), and without a budget not at all.
func TestReportedUnpricedCallUnderABudget(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorkspace(t, db, "alice")
		sys := testfix.System()
		org := w.createOrg("alice", "unpriced-acme")
		var budgeted, free *ent.Agent
		testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) error {
			budgeted = tx.Agent.Create().SetOrganizationID(org.ID).SetName("budgeted").SetMonthlyBudgetMicros(1_000_000).
				SetProvider(agent.ProviderOpenaiCompatible).SetModel("gpt-x").SaveX(sys)
			free = tx.Agent.Create().SetOrganizationID(org.ID).SetName("free").
				SetProvider(agent.ProviderOpenaiCompatible).SetModel("gpt-x").SaveX(sys)
			return nil
		})
		report := func(ag *ent.Agent, status int) callJSON {
			var c callJSON
			w.must(status, "alice", "POST", "/agent-calls", map[string]any{"agent_id": ag.ID, "client_call_id": "u-1",
				"provider": "openai_compatible", "model": "no-price-model", "prompt_tokens": 100, "status": "success",
				"started_at": time.Now().UTC().Format(time.RFC3339)}, &c)
			if !c.Unpriced || c.CostMicros != nil {
				t.Fatalf("stored call %+v", c)
			}
			return c
		}
		events := func(ag *ent.Agent) []*ent.SecurityAuditLog {
			return db.Ent.SecurityAuditLog.Query().Where(securityauditlog.EventType("budget.model_unpriced"),
				securityauditlog.AgentID(ag.ID)).AllX(sys)
		}
		first := report(budgeted, http.StatusCreated)
		if again := report(budgeted, http.StatusOK); again.ID != first.ID {
			t.Fatalf("retry stored another call")
		}
		ev := events(budgeted)
		if len(ev) != 1 || ev[0].Details["reported_calls"] != float64(1) || ev[0].Details["denied"] != false ||
			fmt.Sprint(ev[0].Details["budgets"]) != "[agent:monthly]" {
			t.Fatalf("events %+v", ev)
		}
		report(free, http.StatusCreated)
		if ev := events(free); len(ev) != 0 {
			t.Fatalf("an agent without budget was flagged: %+v", ev)
		}
	})
}

// TestLateReportedCallReachesAnalytics: a call reported for a past day
// whose rollup already ran marks that day dirty, and the scheduled
// cost.rollup run (no day argument: yesterday, today and dirty days)
// re-runs it, so the day's analytics include the call without an operator.
func TestLateReportedCallReachesAnalytics(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorkspace(t, db, "root", "alice")
		sys := testfix.System()
		testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) error {
			return tx.User.UpdateOneID(w.users["root"]).SetIsSuperuser(true).Exec(sys)
		})
		org := w.createOrg("alice", "late-acme")
		var ag *ent.Agent
		testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) (err error) {
			ag, err = tx.Agent.Create().SetOrganizationID(org.ID).SetName("bot").
				SetProvider(agent.ProviderOpenaiCompatible).SetModel("gpt-x").Save(sys)
			return err
		})
		w.must(201, "root", "POST", "/model-prices", map[string]any{"provider": "openai_compatible", "model": "gpt-x",
			"input_micros_per_mtok": 1_000_000, "output_micros_per_mtok": 4_000_000, "effective_from": "2026-01-01T00:00:00Z"}, nil)
		day := time.Now().UTC().AddDate(0, 0, -3)
		report := func(id string) {
			t.Helper()
			w.must(201, "alice", "POST", "/agent-calls", map[string]any{"agent_id": ag.ID, "client_call_id": id,
				"provider": "openai_compatible", "model": "gpt-x", "prompt_tokens": 1000, "completion_tokens": 250,
				"status": "success", "started_at": time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, time.UTC).Format(time.RFC3339)}, nil)
		}
		runJob := func(p map[string]string) {
			t.Helper()
			id, err := w.s.App.Jobs.RunTask(t.Context(), "cost.rollup", p)
			if err != nil {
				t.Fatal(err)
			}
			job, err := w.s.App.Jobs.Wait(t.Context(), id)
			if err != nil || job.State != "completed" {
				t.Fatalf("cost.rollup: %v %+v", err, job)
			}
		}
		costs := func() (calls, micros int64) {
			t.Helper()
			var r struct {
				Totals struct {
					Calls      int64 `json:"calls"`
					CostMicros int64 `json:"cost_micros"`
				} `json:"totals"`
			}
			d := day.Format(time.DateOnly)
			w.must(200, "alice", "GET", fmt.Sprintf("/organizations/%s/agent-costs?group_by=agent&from=%s&to=%s", org.ID, d, d), nil, &r)
			return r.Totals.Calls, r.Totals.CostMicros
		}

		report("early")
		runJob(map[string]string{"day": day.Format(time.DateOnly)})
		if calls, micros := costs(); calls != 1 || micros != 2000 {
			t.Fatalf("after the day's rollup: %d calls, %d micros", calls, micros)
		}
		report("late") // the day was rolled up already
		runJob(nil)    // what the schedule enqueues
		if calls, micros := costs(); calls != 2 || micros != 4000 {
			t.Fatalf("the scheduled rollup left out the late call: %d calls, %d micros", calls, micros)
		}
		if n := db.Ent.AgentCostRollup.Query().Where(agentcostrollup.Dirty(true)).CountX(sys); n != 0 {
			t.Fatalf("%d days still dirty after the scheduled run", n)
		}
	})
}
