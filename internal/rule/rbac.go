package rule

import (
	"context"
	"slices"

	"entgo.io/ent/entql"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Require is the RBAC rule of organization-scoped rows: the viewer needs
// the permission (resource, action) in the row's organization, where the
// action follows from the operation (query: read, create: create, update:
// update, delete: delete). Creates are checked against the organization_id
// being written; reads, updates and deletes get a SQL filter to the
// organizations where the viewer holds the permission, so a row elsewhere
// is simply not found (cross-tenant access stays impossible, and a VIEWER's
// update matches nothing). Put it after AllowIfSystem and AllowIfSuperuser:
// it decides (Allow or Deny) and never skips.
func Require(resource string) privacy.QueryMutationRule {
	return requireRule{resource: resource, column: "organization_id"}
}

// requireRule filters on column, the row's organization id
// (organization_id, or id for the organizations themselves).
type requireRule struct{ resource, column string }

// EvalQuery filters reads to the organizations granting resource:read.
func (r requireRule) EvalQuery(ctx context.Context, q ent.Query) error {
	return r.filter(viewer.ActionRead).EvalQuery(ctx, q)
}

// EvalMutation checks creates and filters updates and deletes.
func (r requireRule) EvalMutation(ctx context.Context, m ent.Mutation) error {
	action := actionOf(m)
	if action != viewer.ActionCreate {
		return r.filter(action).EvalMutation(ctx, m)
	}
	org, ok := organizationOf(m)
	if !ok || !viewer.FromContext(ctx).Can(org, r.resource, action) {
		return privacy.Denyf("rule: %s:%s not granted in the organization", r.resource, action)
	}
	return privacy.Allow
}

func (r requireRule) filter(action string) privacy.FilterFunc {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.Where(fieldIn(r.column, viewer.FromContext(ctx).OrganizationsWhere(r.resource, action)))
		return privacy.Allow
	})
}

// actionOf maps an ent operation to a permission action. Setting or
// clearing deleted_at is a (soft) delete or restore whatever the operation,
// so update permission alone cannot delete a row: the soft-delete hook
// turns a delete into such an update and is checked as a delete again.
func actionOf(m ent.Mutation) string {
	switch {
	case m.Op().Is(ent.OpCreate):
		return viewer.ActionCreate
	case m.Op().Is(ent.OpDelete | ent.OpDeleteOne):
		return viewer.ActionDelete
	}
	if _, set := m.Field("deleted_at"); set || m.FieldCleared("deleted_at") {
		return viewer.ActionDelete
	}
	return viewer.ActionUpdate
}

// anyFieldIn reports whether m sets or clears one of fields.
func anyFieldIn(m ent.Mutation, fields ...string) bool {
	for _, f := range fields {
		if _, set := m.Field(f); set || m.FieldCleared(f) {
			return true
		}
	}
	return false
}

// onlyFields reports whether every field m sets, clears or adds to is one
// of allowed (updated_at, maintained by ent, always is).
func onlyFields(m ent.Mutation, allowed ...string) bool {
	touched := append(append(m.Fields(), m.ClearedFields()...), m.AddedFields()...)
	for _, f := range touched {
		if f != "updated_at" && !slices.Contains(allowed, f) {
			return false
		}
	}
	return true
}

// roleOrgsWhere is the filter of rows reached through their role's
// organization (role grants have no organization_id of their own).
func roleOrgsWhere(ctx context.Context, action string) entql.P {
	return entql.HasEdgeWith("role", fieldIn("organization_id", viewer.FromContext(ctx).OrganizationsWhere("role", action)))
}
