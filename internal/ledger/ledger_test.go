package ledger_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/budgetreservation"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func ptr[T any](v T) *T { return &v }

// env is an organization with one agent and a price for gpt-x.
type env struct {
	db    *database.DB
	org   *ent.Organization
	agent *ent.Agent
	l     *ledger.Ledger
}

var jan = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newEnv(t testing.TB, db *database.DB) env {
	t.Helper()
	org := testfix.Org(t, db.Ent, "Acme")
	var ag *ent.Agent
	testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) (err error) {
		ag, err = tx.Agent.Create().SetOrganizationID(org.ID).SetName("bot").
			SetProvider(agent.ProviderOpenaiCompatible).SetModel("gpt-x").Save(testfix.System())
		return err
	})
	// $1 per 1M input, $4 per 1M output, $0.5 cached.
	mustPrice(t, db, ledger.PriceInput{Provider: "openai_compatible", Model: "gpt-x", InputMicrosPerMtok: 1_000_000,
		OutputMicrosPerMtok: 4_000_000, CachedInputMicrosPerMtok: ptr(int64(500_000)), EffectiveFrom: jan})
	l := ledger.New(db.Ent, db.Dialect)
	l.Now = func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) }
	return env{db: db, org: org, agent: ag, l: l}
}

func mustPrice(t testing.TB, db *database.DB, in ledger.PriceInput) *ent.ModelPrice {
	t.Helper()
	p, err := ledger.New(db.Ent, db.Dialect).CreatePrice(testfix.System(), in)
	if err != nil {
		t.Fatalf("create price: %v", err)
	}
	return p
}

func (e env) req(prompt, maxTokens int) ledger.CallRequest {
	return ledger.CallRequest{OrganizationID: e.org.ID, AgentID: e.agent.ID, Provider: "openai_compatible",
		Model: "gpt-x", PromptTokensEstimate: prompt, MaxTokens: maxTokens}
}

func setAgentBudget(t *testing.T, e env, monthly, daily *int64) {
	t.Helper()
	testfix.Tx(t, testfix.System(), e.db.Ent, func(tx *ent.Tx) error {
		return tx.Agent.UpdateOneID(e.agent.ID).SetNillableMonthlyBudgetMicros(monthly).
			SetNillableDailyBudgetMicros(daily).Exec(testfix.System())
	})
}

func TestCostTable(t *testing.T) {
	p := &ent.ModelPrice{InputMicrosPerMtok: 150_000, OutputMicrosPerMtok: 600_000, CachedInputMicrosPerMtok: ptr(int64(75_000))}
	cases := []struct {
		name string
		u    ledger.Usage
		want int64
	}{
		// 1000*0.15 + 0 = 150 micro-USD exactly.
		{"input only", ledger.Usage{Prompt: 1000}, 150},
		// 1200*0.15 + 300*0.6 = 180 + 180 = 360.
		{"input and output", ledger.Usage{Prompt: 1200, Completion: 300}, 360},
		// (1000-400)*0.15 + 400*0.075 + 10*0.6 = 90 + 30 + 6 = 126.
		{"cached", ledger.Usage{Prompt: 1000, Cached: 400, Completion: 10}, 126},
		// 3*0.15 = 0.45 rounds down to 0; 4*0.15 = 0.6 rounds up to 1.
		{"round down", ledger.Usage{Prompt: 3}, 0},
		{"round up", ledger.Usage{Prompt: 4}, 1},
		// 10*0.15 = 1.5: exactly half rounds up to 2.
		{"half up", ledger.Usage{Prompt: 10}, 2},
		// 2e9*1e9 overflows int64 in a naive product: 2e9 tokens at $1000/1M = $2,000,000 = 2e12 micro.
		{"no overflow", ledger.Usage{Completion: 2_000_000_000}, 1_200_000_000},
	}
	for _, c := range cases {
		if got := ledger.Cost(p, c.u); got != c.want {
			t.Errorf("%s: Cost = %d, want %d", c.name, got, c.want)
		}
	}
	big := &ent.ModelPrice{InputMicrosPerMtok: 1_000_000_000, OutputMicrosPerMtok: 1_000_000_000}
	if got := ledger.Cost(big, ledger.Usage{Prompt: 2_000_000_000}); got != 2_000_000_000_000 {
		t.Errorf("large: Cost = %d", got)
	}
}

func TestRecordPricesWithRowInForceAndMidMonthChange(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		ctx := testfix.System()
		// Close the January price on Mar 15 and start a new one: $2 input, $8 output, no cached price.
		mid := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
		first, err := db.Ent.ModelPrice.Query().Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ledger.New(db.Ent, db.Dialect).ReplacePrice(ctx, first.ID, ledger.PriceInput{Provider: "openai_compatible",
			Model: "gpt-x", InputMicrosPerMtok: 1_000_000, OutputMicrosPerMtok: 4_000_000,
			CachedInputMicrosPerMtok: ptr(int64(500_000)), EffectiveFrom: jan, EffectiveTo: &mid}); err != nil {
			t.Fatal(err)
		}
		second := mustPrice(t, db, ledger.PriceInput{Provider: "openai_compatible", Model: "gpt-x",
			InputMicrosPerMtok: 2_000_000, OutputMicrosPerMtok: 8_000_000, EffectiveFrom: mid})
		// Overlap with the open second row: 409.
		if _, err := ledger.New(db.Ent, db.Dialect).CreatePrice(ctx, ledger.PriceInput{Provider: "openai_compatible", Model: "gpt-x",
			InputMicrosPerMtok: 1, OutputMicrosPerMtok: 1, EffectiveFrom: mid.AddDate(0, 1, 0)}); err == nil {
			t.Fatal("overlapping price accepted")
		}
		record := func(at time.Time, u ledger.Usage) *ent.AgentCall {
			c, err := e.l.Record(ctx, e.req(0, 0), nil, ledger.CallResult{Status: agentcall.StatusSuccess,
				PromptTokens: int(u.Prompt), CompletionTokens: int(u.Completion), CachedTokens: int(u.Cached), StartedAt: at})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		// Mar 10: 1000 in (200 cached) + 500 out = 800*1 + 200*0.5 + 500*4 = 800+100+2000 = 2900.
		a := record(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), ledger.Usage{Prompt: 1000, Cached: 200, Completion: 500})
		// Mar 20: same usage at the new price, cached at the input price: 1000*2 + 500*8 = 6000.
		b := record(time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), ledger.Usage{Prompt: 1000, Cached: 200, Completion: 500})
		if a.CostMicros == nil || *a.CostMicros != 2900 || *a.ModelPriceID != first.ID {
			t.Errorf("before change: cost %v price %v", a.CostMicros, a.ModelPriceID)
		}
		if b.CostMicros == nil || *b.CostMicros != 6000 || *b.ModelPriceID != second.ID {
			t.Errorf("after change: cost %v price %v", b.CostMicros, b.ModelPriceID)
		}
		// An unknown model: cost null and flagged, never 0.
		r := e.req(0, 0)
		r.Model = "unknown-model"
		c, err := e.l.Record(ctx, r, nil, ledger.CallResult{Status: agentcall.StatusSuccess, PromptTokens: 10, StartedAt: jan})
		if err != nil {
			t.Fatal(err)
		}
		if c.CostMicros != nil || !c.Unpriced || c.ModelPriceID != nil {
			t.Errorf("unpriced call: cost %v unpriced %v", c.CostMicros, c.Unpriced)
		}
	})
}

func TestReserveSettleAndDeny(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		ctx := testfix.System()
		// Worst case of 1000 prompt + 1000 max = 1000 + 4000 = 5000 micro-USD.
		setAgentBudget(t, e, ptr(int64(12_000)), nil)
		res, err := e.l.Reserve(ctx, e.req(1000, 1000))
		if err != nil || res == nil || res.AmountMicros != 5000 {
			t.Fatalf("reserve: %v %+v", err, res)
		}
		// 5000 reserved: a second hold fits (10000), a third does not (15000).
		res2, err := e.l.Reserve(ctx, e.req(1000, 1000))
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.l.Reserve(ctx, e.req(1000, 1000))
		var be *ledger.BudgetError
		if !errors.Is(err, ledger.ErrBudgetExceeded) || !errors.As(err, &be) || be.Budget != "agent:monthly" ||
			be.Limit != 12000 || be.Reserved != 10000 || be.Requested != 5000 {
			t.Fatalf("third reserve: %v %+v", err, be)
		}
		// Settling with the real cost (1000 in + 100 out = 1400) frees the rest of the hold.
		call, err := e.l.Record(ctx, e.req(1000, 1000), res, ledger.CallResult{Status: agentcall.StatusSuccess,
			PromptTokens: 1000, CompletionTokens: 100, StartedAt: e.l.Now()})
		if err != nil || *call.CostMicros != 1400 {
			t.Fatalf("record: %v", err)
		}
		got, _ := db.Ent.BudgetReservation.Get(ctx, res.ID)
		if got.Status != budgetreservation.StatusSettled || *got.CallID != call.ID {
			t.Errorf("reservation after record: %s", got.Status)
		}
		st, err := e.l.AgentBudget(ctx, e.agent.ID)
		if err != nil || len(st.Lines) != 1 {
			t.Fatalf("budget: %v %+v", err, st)
		}
		if l := st.Lines[0]; l.Spent != 1400 || l.Reserved != 5000 || l.Remaining() != 12000-6400 {
			t.Errorf("budget line %+v", l)
		}
		// The denial was recorded as a call and a security event; crossing 80% warned once.
		denied, _ := db.Ent.AgentCall.Query().Where(agentcall.StatusEQ(agentcall.StatusDenied)).Count(ctx)
		events, _ := db.Ent.SecurityAuditLog.Query().Where(securityauditlog.EventType("budget.exceeded")).Count(ctx)
		warns, _ := db.Ent.SecurityAuditLog.Query().Where(securityauditlog.EventType("budget.warning.agent:monthly")).Count(ctx)
		if denied != 1 || events != 1 || warns != 1 {
			t.Errorf("denied calls %d, events %d, warnings %d", denied, events, warns)
		}
		// An expired hold stops counting and is released by the sweeper.
		n, err := ledger.ReleaseExpired(ctx, db.Ent, e.l.Now().Add(time.Hour))
		if err != nil || n != 1 {
			t.Errorf("release expired: %d %v", n, err)
		}
		if r, _ := db.Ent.BudgetReservation.Get(ctx, res2.ID); r.Status != budgetreservation.StatusReleased {
			t.Errorf("expired reservation %s", r.Status)
		}
		// A model without a price cannot be estimated: under a budget it is
		// denied like an exceeded budget (a denied, unpriced call and an event).
		unknown := e.req(1000, 1000)
		unknown.Model = "unknown-model"
		var ue *ledger.UnpricedError
		if r, err := e.l.Reserve(ctx, unknown); r != nil || !errors.Is(err, ledger.ErrModelUnpriced) ||
			!errors.As(err, &ue) || len(ue.Budgets) != 1 || ue.Budgets[0] != "agent:monthly" {
			t.Errorf("unpriced reserve under a budget: %v %v", r, err)
		}
		dc := db.Ent.AgentCall.Query().Where(agentcall.ModelEQ("unknown-model")).OnlyX(ctx)
		if dc.Status != agentcall.StatusDenied || dc.ErrorCode != "model_unpriced" || !dc.Unpriced || dc.CostMicros != nil {
			t.Errorf("denied unpriced call %+v", dc)
		}
		if n := db.Ent.SecurityAuditLog.Query().Where(securityauditlog.EventType("budget.model_unpriced"),
			securityauditlog.AgentID(e.agent.ID)).CountX(ctx); n != 1 {
			t.Errorf("model_unpriced events %d", n)
		}
		// Allowed by configuration, or without a budget: no hold, no denial.
		e.l.AllowUnpricedWithBudget = true
		if r, err := e.l.Reserve(ctx, unknown); r != nil || err != nil {
			t.Errorf("allowed unpriced reserve: %v %v", r, err)
		}
		e.l.AllowUnpricedWithBudget = false
		testfix.Tx(t, ctx, db.Ent, func(tx *ent.Tx) error {
			return tx.Agent.UpdateOneID(e.agent.ID).ClearMonthlyBudgetMicros().Exec(ctx)
		})
		if r, err := e.l.Reserve(ctx, unknown); r != nil || err != nil {
			t.Errorf("unpriced reserve without budget: %v %v", r, err)
		}
		setAgentBudget(t, e, ptr(int64(12_000)), nil)
		// The organization's daily budget applies too.
		testfix.Tx(t, ctx, db.Ent, func(tx *ent.Tx) error {
			return tx.Organization.UpdateOneID(e.org.ID).SetDailyBudgetMicros(2000).Exec(ctx)
		})
		_, err = e.l.Reserve(ctx, e.req(1000, 1000))
		if !errors.As(err, &be) || be.Budget != "organization:daily" || be.Spent != 1400 {
			t.Errorf("org daily: %v", err)
		}
	})
}

// TestConcurrentReservations races 16 reservations of 5000 for a budget of
// 42000: exactly 8 fit, 8 are denied and recorded, nothing is overspent.
// On SQLite (one writer) the same runs serialized.
func TestConcurrentReservations(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		ctx := testfix.System()
		setAgentBudget(t, e, ptr(int64(42_000)), nil)
		var (
			wg            sync.WaitGroup
			mu            sync.Mutex
			granted, deny int
			other         []error
		)
		workers := 16
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.l.Reserve(ctx, e.req(1000, 1000))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					granted++
				case errors.Is(err, ledger.ErrBudgetExceeded):
					deny++
				default:
					other = append(other, err)
				}
			}()
		}
		wg.Wait()
		if len(other) > 0 {
			t.Fatalf("unexpected errors (%s): %v", db.Dialect, other)
		}
		if granted != 8 || deny != 8 {
			t.Errorf("granted %d, denied %d; want 8/8", granted, deny)
		}
		st, _ := e.l.AgentBudget(ctx, e.agent.ID)
		if st.Lines[0].Reserved > 42_000 || st.Lines[0].Reserved != 40_000 {
			t.Errorf("reserved %d", st.Lines[0].Reserved)
		}
		denied, _ := db.Ent.AgentCall.Query().Where(agentcall.StatusEQ(agentcall.StatusDenied)).Count(ctx)
		if denied != 8 {
			t.Errorf("denied calls recorded %d", denied)
		}
		_ = dialect.Postgres
		_ = context.Background
	})
}
