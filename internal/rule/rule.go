// Package rule holds the privacy rules every ent schema's Policy is built
// from. Rules are small named constructors; schemas only reference them.
// Tenant isolation and RBAC live here so no handler can forget them.
package rule

import (
	"context"
	"fmt"

	"entgo.io/ent/entql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/organization"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// DenyIfNoViewer denies any query or mutation without a principal.
func DenyIfNoViewer() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if viewer.FromContext(ctx) == nil {
			return privacy.Denyf("no viewer in context")
		}
		return privacy.Skip
	})
}

// AllowIfSystem allows trusted internal code (migrations, seeding, jobs,
// the audit hook); see viewer.NewSystemContext.
func AllowIfSystem() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if viewer.FromContext(ctx).IsSystem() {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// AllowIfSuperuser allows the platform SUPER_ADMIN.
func AllowIfSuperuser() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if v := viewer.FromContext(ctx); v != nil && v.Superuser {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// DenyAlways is the explicit end of a policy: no rule allowed it.
func DenyAlways() privacy.QueryMutationRule { return privacy.AlwaysDenyRule() }

// organizationOf is the organization_id a create writes.
func organizationOf(m ent.Mutation) (uuid.UUID, bool) {
	v, ok := m.Field("organization_id")
	if !ok {
		return uuid.Nil, false
	}
	id, ok := v.(uuid.UUID)
	return id, ok
}

// fieldIn is field IN ids. An empty IN () is a syntax error on PostgreSQL,
// so no ids becomes a predicate no row satisfies (ids are never NULL).
func fieldIn(field string, ids []uuid.UUID) entql.P {
	if len(ids) == 0 {
		return entql.FieldNil("id")
	}
	return entql.FieldIn(field, anySlice(ids)...)
}

func anySlice(ids []uuid.UUID) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// DeniedIfFiltered turns the "not found" of a write on a row the viewer has
// just read into what it is: the write rules filtered the row out, so the
// viewer may read it but not change it (403, as Keycloak answers a missing
// permission, rather than a 404 for a row the viewer can see). domain
// names the service in the denial's log text.
func DeniedIfFiltered(err error, domain string) error {
	if ent.IsNotFound(err) {
		return privacy.Denyf("%s: the viewer may read but not change this", domain)
	}
	return err
}

// RequireOrganization is 404 unless the viewer can see organization org
// (is a member of it): a list scoped to an organization answers "not
// found" for one the viewer cannot see, as a read of it would, rather
// than an empty page.
func RequireOrganization(ctx context.Context, c *ent.Client, org uuid.UUID) error {
	ok, err := c.Organization.Query().Where(organization.ID(org)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("rule: load organization %s: %w", org, err)
	}
	if !ok {
		return OrganizationNotFound()
	}
	return nil
}

// OrganizationNotFound is the one answer to a caller who may not see an
// organization: the same as for one that does not exist.
func OrganizationNotFound() error { return problem.NotFound("the organization does not exist") }
