package audit

import (
	"context"

	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// ResourceFeed is the history of one resource, newest first, for the
// activity feeds of the API (projects, tasks, ...). The caller must first
// have loaded the resource with the viewer's context: whoever may read a
// resource may read its history, so the organization-wide ActivityLog
// policy (auditors only) does not apply here.
func ResourceFeed(ctx context.Context, client *gen.Client, resourceType string, id uuid.UUID, p pagination.Params) (pagination.Page[*gen.ActivityLog], error) {
	// Why a system context: visibility was checked on the resource itself.
	sys := viewer.NewSystemContext(ctx, "activity feed of a visible resource")
	q := client.ActivityLog.Query().Where(activitylog.ResourceType(resourceType), activitylog.ResourceID(id))
	return pagination.List(sys, q, p, func(a *gen.ActivityLog) uuid.UUID { return a.ID })
}
