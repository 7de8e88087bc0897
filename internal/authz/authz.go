// Package authz holds the authorization checks a service makes before the
// privacy rules (ent/schema, internal/rule) see a query: where a check must
// come first — before bytes are stored, before a no-op short-cut answers,
// before a system-context read — it is made here, on the same RBAC data
// as the rules (the viewer's roles and permissions), worded one way.
package authz

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Require returns nil when the request's viewer may do action on resource
// in organization org, and a 403 naming the permission otherwise. Use it
// once the viewer has been shown to see the thing acted on (a task it
// read); doing says what it tried: "labelling a task" gives "labelling a
// task needs task:update".
func Require(ctx context.Context, org uuid.UUID, resource, action, doing string) error {
	if viewer.FromContext(ctx).Can(org, resource, action) {
		return nil
	}
	return forbidden(resource, action, doing)
}

// RequireInOrganization is Require for an organization-wide operation,
// where the organization itself may be hidden: members who lack the right
// learn which right they lack (403); anyone else learns nothing, not even
// that the organization exists (404).
func RequireInOrganization(ctx context.Context, org uuid.UUID, resource, action, doing string) error {
	v := viewer.FromContext(ctx)
	switch {
	case v.Can(org, resource, action):
		return nil
	case v.IsMember(org):
		return forbidden(resource, action, doing)
	default:
		return rule.OrganizationNotFound()
	}
}

func forbidden(resource, action, doing string) error {
	return problem.Forbidden(fmt.Sprintf("%s needs %s:%s", doing, resource, action))
}
