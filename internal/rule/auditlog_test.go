package rule_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// TestAuditLogOwnRows: without an audit permission a principal sees the
// rows of its own actions only; an AI agent acting for a user sees its own
// actions and not its user's, and a service key has no own rows.
func TestAuditLogOwnRows(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := db.Ent
		org := testfix.Org(t, c, "Own")
		user := testfix.User(t, c, "own")
		agent := uuid.New()
		row := func(u, a uuid.UUID) uuid.UUID {
			b := c.ActivityLog.Create().SetOrganizationID(org.ID).SetActorType(activitylog.ActorTypeUser).
				SetActivityType(activitylog.ActivityTypeUpdate).SetAction("task.update").SetResourceType("Task").
				SetResourceID(uuid.New())
			if u != uuid.Nil {
				b.SetActorUserID(u)
			}
			if a != uuid.Nil {
				b.SetActorAgentID(a).SetActorType(activitylog.ActorTypeAgent)
			}
			return b.SaveX(testfix.System()).ID
		}
		byUser, byAgent, byOther := row(user.ID, uuid.Nil), row(user.ID, agent), row(uuid.New(), uuid.Nil)
		for _, c2 := range []struct {
			name string
			v    *viewer.Viewer
			want []uuid.UUID
		}{
			{"user", &viewer.Viewer{UserID: user.ID}, []uuid.UUID{byUser, byAgent}},
			{"agent acting for the user", &viewer.Viewer{UserID: user.ID, AgentID: agent}, []uuid.UUID{byAgent}},
			{"service key", &viewer.Viewer{Service: true}, nil},
		} {
			ids, err := c.ActivityLog.Query().Where(activitylog.OrganizationID(org.ID)).
				Order(ent.Asc(activitylog.FieldID)).IDs(viewer.NewContext(context.Background(), c2.v))
			if err != nil {
				t.Fatalf("%s: %v", c2.name, err)
			}
			if !slices.Equal(ids, c2.want) {
				t.Errorf("%s sees %v, want %v (other's row %v)", c2.name, ids, c2.want, byOther)
			}
		}
	})
}
