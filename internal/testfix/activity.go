package testfix

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// BulkActivity inserts n activity rows of org by user, each ~600 bytes as
// JSON: on PostgreSQL with one INSERT ... SELECT generate_series, on SQLite
// with ent bulk creates.
func BulkActivity(t testing.TB, db *database.DB, org, user uuid.UUID, n int) {
	t.Helper()
	ctx := context.Background()
	if db.Dialect == dialect.Postgres {
		_, err := db.SQL.ExecContext(ctx, `
INSERT INTO activity_logs (id, created_at, organization_id, actor_type, actor_user_id, activity_type, action,
	resource_type, resource_id, old_values, new_values, ip, user_agent, request_id)
SELECT `+testdb.UUIDv7SQL("now() - g * interval '1 millisecond'")+`, now() - g * interval '1 millisecond', $1::uuid, 'user', $2::uuid, 'update', 'task.update',
	'Task', gen_random_uuid(),
	jsonb_build_object('title', 'old title ' || g, 'description', repeat('x', 40)),
	jsonb_build_object('title', 'new title ' || g, 'description', repeat('y', 40)),
	'10.0.0.1', 'Mozilla/5.0 (X11; Linux x86_64) bulk-export-test', 'req-' || g
FROM generate_series(1, $3::int) AS g`, org, user, n)
		if err != nil {
			t.Fatalf("bulk insert: %v", err)
		}
		return
	}
	sys := System()
	for done := 0; done < n; {
		batch := make([]*ent.ActivityLogCreate, 0, 500)
		for ; done < n && len(batch) < cap(batch); done++ {
			batch = append(batch, db.Ent.ActivityLog.Create().SetOrganizationID(org).SetActorUserID(user).
				SetActorType(activitylog.ActorTypeUser).SetActivityType(activitylog.ActivityTypeUpdate).
				SetAction("task.update").SetResourceType("Task").SetResourceID(uuid.New()).
				SetOldValues(map[string]any{"title": fmt.Sprintf("old title %d", done), "description": strings.Repeat("x", 40)}).
				SetNewValues(map[string]any{"title": fmt.Sprintf("new title %d", done), "description": strings.Repeat("y", 40)}).
				SetIP("10.0.0.1").SetUserAgent("Mozilla/5.0 (X11; Linux x86_64) bulk-export-test").
				SetRequestID(fmt.Sprintf("req-%d", done)))
		}
		if err := db.Ent.ActivityLog.CreateBulk(batch...).Exec(sys); err != nil {
			t.Fatalf("bulk insert: %v", err)
		}
	}
}
