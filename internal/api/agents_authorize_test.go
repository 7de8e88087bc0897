package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/internal/agents"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// TestAuthorizeAgentUse is the table of agents.Authorize, the one answer
// the LLM gateway, ledger ingestion and tool proposals share: principal ×
// grant × role × agent state × use, each with the status it must give.
func TestAuthorizeAgentUse(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAgentWorld(t, db)
		// vera is a VIEWER with a use grant: her role may not read agents,
		// yet the grant decides (read as the system, not as her).
		vera := register(t, w.s, "veranda")
		w.join(vera.ID, seed.RoleViewer)
		w.must(http.StatusCreated, w.adminT, "POST", w.agentPath("/permissions"),
			map[string]any{"user_id": vera.ID, "permission": "use"}, nil)
		var second struct{ ID uuid.UUID }
		w.must(http.StatusCreated, w.adminT, "POST", w.path("/agents"), map[string]any{
			"name": "Second", "provider": "openai_compatible", "model": "gpt-4o-mini",
		}, &second)

		org := w.org.org.ID
		agentKey := func(id uuid.UUID) context.Context {
			return viewer.NewContext(context.Background(), &viewer.Viewer{AgentID: id,
				Memberships: map[uuid.UUID]viewer.Membership{org: {OrganizationID: org}}})
		}
		service := viewer.NewContext(context.Background(), viewer.NewService())
		principals := []struct {
			name string
			ctx  context.Context
			// want is the status for Act and Report on the active agent; 0 is allowed.
			act, report int
		}{
			{"organization admin (agent:manage)", w.viewerOf(w.alice.ID), 0, 0},
			{"developer without a grant", w.viewerOf(w.dave), http.StatusForbidden, http.StatusForbidden},
			{"viewer with a use grant", w.viewerOf(vera.ID), 0, 0},
			{"admin of another organization", w.viewerOf(db.Ent.User.Query().Where(user.Username("evelyn")).OnlyIDX(testfix.System())), http.StatusNotFound, http.StatusNotFound},
			{"the agent's own key", agentKey(w.agent.ID), 0, 0},
			{"another agent's key", agentKey(second.ID), http.StatusForbidden, http.StatusForbidden},
			{"service principal", service, http.StatusForbidden, 0},
		}
		check := func(state string, pausedAct bool) {
			for _, p := range principals {
				for _, use := range []agents.Use{agents.Act, agents.Report} {
					want := p.act
					if use == agents.Report {
						want = p.report
					}
					if want == 0 && pausedAct && use == agents.Act {
						want = http.StatusConflict // permitted, but a paused agent makes no calls
					}
					_, err := agents.Authorize(p.ctx, db.Ent, w.agent.ID, use)
					if got := problemStatus(err); got != want || (want == 0 && err != nil) {
						t.Errorf("%s agent, %s, use %d: status %d (%v), want %d", state, p.name, use, got, err, want)
					}
				}
			}
		}
		check("active", false)
		w.must(http.StatusOK, w.adminT, "PATCH", w.agentPath(""), map[string]any{"status": "paused"}, nil)
		check("paused", true)
		if _, err := agents.Authorize(w.viewerOf(w.alice.ID), db.Ent, uuid.New(), agents.Act); problemStatus(err) != http.StatusNotFound {
			t.Errorf("unknown agent: %v", err)
		}
	})
}
