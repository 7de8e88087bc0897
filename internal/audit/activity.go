package audit

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/internal/requestmeta"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Activity is an ActivityLog row for a change the hook does not see: a
// write to an entity outside the AuditMixin that still needs a "who did
// it", such as an LLM call a client reports (ledger rows carry no
// AuditMixin: the gateway writes them itself, at volume).
type Activity struct {
	Action       string // e.g. "agent_call.report"
	ResourceType string // the ent type, e.g. "AgentCall"
	ResourceID   uuid.UUID
	Org          uuid.UUID // optional
	NewValues    map[string]any
}

// RecordActivity writes one custom ActivityLog row per activity in tx,
// with the viewer of ctx as the actor and the request's metadata, like the
// hook's rows; secrets in NewValues are redacted the same way.
func RecordActivity(ctx context.Context, tx *gen.Tx, acts ...Activity) error {
	if len(acts) == 0 {
		return nil
	}
	v := viewer.FromContext(ctx)
	meta := requestmeta.FromContext(ctx)
	// Why a system context: ActivityLog is append-only and accepts inserts
	// from system code only; the viewer is recorded as the actor.
	sys := viewer.NewSystemContext(ctx, "audit activity")
	builders := make([]*gen.ActivityLogCreate, len(acts))
	for i, a := range acts {
		builders[i] = newRow(tx.Client(), v, meta, a.Org).
			SetActivityType(activitylog.ActivityTypeCustom).
			SetAction(a.Action).
			SetResourceType(a.ResourceType).
			SetResourceID(a.ResourceID).
			SetNewValues(redact(a.NewValues))
	}
	if err := tx.ActivityLog.CreateBulk(builders...).Exec(sys); err != nil {
		return fmt.Errorf("audit: write activity: %w", err)
	}
	return nil
}
