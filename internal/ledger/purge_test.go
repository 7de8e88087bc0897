package ledger_test

import (
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// TestPurgeCapturesKeepsTheCallsAndTheirCost removes the captured text of
// calls older than the organization's retention, keeps newer captures and
// every call's metadata, and does nothing more on a second run.
func TestPurgeCapturesKeepsTheCallsAndTheirCost(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		sys := testfix.System()
		now := time.Now()
		testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) error {
			return tx.Organization.UpdateOneID(e.org.ID).SetLlmCaptureRetentionDays(30).Exec(sys)
		})
		mk := func(age time.Duration) *ent.AgentCall {
			var c *ent.AgentCall
			testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) (err error) {
				c, err = tx.AgentCall.Create().SetOrganizationID(e.org.ID).SetAgentID(e.agent.ID).
					SetSource(agentcall.SourceGateway).SetProvider(agentcall.ProviderOpenaiCompatible).SetModel("gpt-x").
					SetStatus(agentcall.StatusSuccess).SetCreatedAt(now.Add(-age)).SetStartedAt(now.Add(-age)).
					SetRequestMessages([]map[string]any{{"role": "user", "content": "secret plans"}}).
					SetResponse(map[string]any{"content": "ok"}).SetPromptTokens(10).SetCostMicros(42).Save(sys)
				return err
			})
			return c
		}
		old, recent := mk(31*24*time.Hour), mk(29*24*time.Hour)
		got, err := ledger.PurgeCaptures(sys, db.Ent, db.Dialect, now)
		if err != nil || got.Calls != 1 {
			t.Fatalf("purge: %+v %v", got, err)
		}
		o := db.Ent.AgentCall.GetX(sys, old.ID)
		if o.RequestMessages != nil || o.Response != nil || o.PromptTokens != 10 || o.CostMicros == nil || *o.CostMicros != 42 {
			t.Errorf("old call after purge: %+v", o)
		}
		if r := db.Ent.AgentCall.GetX(sys, recent.ID); len(r.RequestMessages) != 1 || r.Response == nil {
			t.Errorf("a call within retention lost its capture: %+v", r)
		}
		if n := db.Ent.SecurityAuditLog.Query().Where(securityauditlog.EventType("llm.capture_purged"),
			securityauditlog.OrganizationID(e.org.ID)).CountX(sys); n != 1 {
			t.Errorf("capture purge events: %d", n)
		}
		if again, err := ledger.PurgeCaptures(sys, db.Ent, db.Dialect, now); err != nil || again != (ledger.Purged{}) {
			t.Errorf("second run: %+v %v", again, err)
		}
	})
}
