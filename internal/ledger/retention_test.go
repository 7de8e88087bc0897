package ledger_test

import (
	"slices"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcostlog"
	"github.com/worksynapse/worksynapse/ent/agentmessage"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// TestCallMonthsPastRetentionAreDropped: months of agent_calls past
// ledger.call_retention_months leave as whole partitions, references to
// their calls are cleared first, the drop is recorded, and the day's
// rollup keeps its costs (a later rollup of that day does not zero it).
func TestCallMonthsPastRetentionAreDropped(t *testing.T) {
	db := testdb.NewPostgres(t)
	e := newEnv(t, db)
	ctx := testfix.System()
	day := time.Now().UTC().Add(-time.Hour)
	res, err := e.l.Report(ctx, []ledger.ReportedCall{e.reported("a", day), e.reported("b", day)})
	if err != nil {
		t.Fatal(err)
	}
	var msg *ent.AgentMessage
	testfix.Tx(t, ctx, db.Ent, func(tx *ent.Tx) error {
		s, err := tx.AgentSession.Create().SetOrganizationID(e.org.ID).SetAgentID(e.agent.ID).Save(ctx)
		if err != nil {
			return err
		}
		msg, err = tx.AgentMessage.Create().SetOrganizationID(e.org.ID).SetSessionID(s.ID).
			SetRole(agentmessage.RoleAssistant).SetCallID(res[0].Call.ID).Save(ctx)
		return err
	})
	if _, err := ledger.RollupDay(ctx, db.Ent, db.Dialect, day); err != nil {
		t.Fatal(err)
	}
	costs := func() int64 {
		t.Helper()
		rows, err := db.Ent.AgentCostLog.Query().Where(agentcostlog.OrganizationID(e.org.ID)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, r := range rows {
			sum += r.CostMicros
		}
		return sum
	}
	before := costs()
	if before == 0 {
		t.Fatal("no rolled-up cost before the drop")
	}

	// Two months after next, keeping one month: this month's calls (in
	// the legacy partition) and next month's partition are due.
	next := partition.MonthStart(time.Now()).AddDate(0, 1, 0)
	later := next.AddDate(0, 2, 5)
	if got, err := ledger.DropExpiredMonths(ctx, db.Ent, 0, later); err != nil || len(got) != 0 {
		t.Fatalf("retention 0 dropped %v (err %v)", got, err)
	}
	got, err := ledger.DropExpiredMonths(ctx, db.Ent, 1, later)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Partition != "agent_calls_legacy" || got[0].Rows != 2 || got[1].Rows != 0 {
		t.Fatalf("dropped %+v, want the legacy partition (2 calls) and next month's (empty)", got)
	}
	ps, err := partition.List(ctx, db.SQL, "agent_calls")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if slices.Contains([]string{got[0].Partition, got[1].Partition}, p.Name) {
			t.Errorf("partition %s is still there", p.Name)
		}
	}
	if n, _ := db.Ent.AgentCall.Query().Count(ctx); n != 0 {
		t.Errorf("%d calls left", n)
	}
	if m, err := db.Ent.AgentMessage.Get(ctx, msg.ID); err != nil || m.CallID != nil {
		t.Errorf("message after the drop: %+v, %v; want it kept, its call_id cleared", m, err)
	}
	events, err := db.Ent.SecurityAuditLog.Query().Where(securityauditlog.EventTypeEQ(ledger.MonthDropEvent)).All(ctx)
	if err != nil || len(events) != 2 || events[0].Details["partition"] != "agent_calls_legacy" {
		t.Errorf("drop events: %v, %v", events, err)
	}

	// The day's costs survive its calls, even when the day is rolled up again.
	if _, err := ledger.RollupDay(ctx, db.Ent, db.Dialect, day); err != nil {
		t.Fatal(err)
	}
	if after := costs(); after != before {
		t.Errorf("rolled-up cost after the drop = %d, want %d", after, before)
	}
}
