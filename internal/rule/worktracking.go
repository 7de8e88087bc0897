package rule

import (
	"context"

	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/entql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Work tracking is personal data, so its rules are narrower than
// TenantPolicy's "everyone with work_log:read sees the organization":
//
//   - WorkLog: a user reads and writes their own entries with the
//     work_log permission of the action in the entry's organization;
//     work_log:manage (ADMIN) reads and writes everyone's there.
//   - AppUsage, IdlePeriod (raw tracker data): only their user reads them,
//     administrators and the SUPER_ADMIN included; the user creates them
//     with work_log:create; only system code changes them.
//   - ProductivitySummary (aggregates): the user reads their own; when the
//     organization's manager_tracking_enabled is true, a manager reads
//     those of the members they manage: everyone with work_log:manage, the
//     members of their projects for a project owner or admin. Only the
//     rollup job (system) writes them.

// workLogResource is the permission resource of all work-tracking data.
const workLogResource = "work_log"

// WorkLogPolicy guards work logs (see above).
func WorkLogPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), ownOrManaged(viewer.ActionRead)},
		Mutation: privacy.MutationPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(),
			privacy.OnMutationOperation(createOwnOrManaged(true), ent.OpCreate),
			privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
				return ownOrManaged(actionOf(m)).EvalMutation(ctx, m)
			}),
		},
	}
}

// RawActivityPolicy guards the desktop tracker's raw rows (see above).
func RawActivityPolicy() ent.Policy {
	own := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := viewer.FromContext(ctx)
		f.Where(entql.And(entql.FieldEQ("user_id", v.UserID), fieldIn("organization_id", v.OrganizationIDs())))
		return privacy.Allow
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), own},
		Mutation: privacy.MutationPolicy{
			DenyIfNoViewer(), AllowIfSystem(),
			privacy.OnMutationOperation(createOwnOrManaged(false), ent.OpCreate),
			DenyAlways(),
		},
	}
}

// ProductivityPolicy guards the rollups (see above).
func ProductivityPolicy() ent.Policy {
	visible := privacy.ProductivitySummaryQueryRuleFunc(func(ctx context.Context, q *ent.ProductivitySummaryQuery) error {
		q.Where(func(s *sql.Selector) { s.Where(summaryVisible(s, viewer.FromContext(ctx))) })
		return privacy.Allow
	})
	return privacy.Policy{
		Query:    privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible},
		Mutation: privacy.MutationPolicy{DenyIfNoViewer(), AllowIfSystem(), DenyAlways()},
	}
}

// ownOrManaged filters to the viewer's own rows in the organizations
// granting work_log:action, and every row where they hold work_log:manage.
func ownOrManaged(action string) privacy.FilterFunc {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := viewer.FromContext(ctx)
		f.Where(entql.Or(
			entql.And(entql.FieldEQ("user_id", v.UserID), fieldIn("organization_id", v.OrganizationsWhere(workLogResource, action))),
			fieldIn("organization_id", v.OrganizationsWhere(workLogResource, viewer.ActionManage)),
		))
		return privacy.Allow
	})
}

// createOwnOrManaged allows creating a row for the viewer themself with
// work_log:create in its organization; with forOthers, work_log:manage
// also allows rows of other users.
func createOwnOrManaged(forOthers bool) privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		v := viewer.FromContext(ctx)
		org, ok := organizationOf(m)
		if !ok {
			return privacy.Denyf("rule: work tracking row without organization")
		}
		owner, _ := m.Field("user_id")
		if id, _ := owner.(uuid.UUID); id == v.UserID && v.Can(org, workLogResource, viewer.ActionCreate) {
			return privacy.Allow
		}
		if forOthers && v.Can(org, workLogResource, viewer.ActionManage) {
			return privacy.Allow
		}
		return privacy.Denyf("rule: work_log:create for this user not granted in the organization")
	})
}

// summaryVisible is the SQL condition of ProductivityPolicy on the
// productivity_summaries selector s.
func summaryVisible(s *sql.Selector, v *viewer.Viewer) *sql.Predicate {
	members := v.OrganizationIDs()
	own := sql.And(sql.EQ(s.C("user_id"), v.UserID), inIDs(s.C("organization_id"), members))
	d := sql.Dialect(s.Dialect())
	orgs := d.Table("organizations").As("wt_org")
	enabled := sql.In(s.C("organization_id"),
		d.Select(orgs.C("id")).From(orgs).Where(sql.EQ(orgs.C("manager_tracking_enabled"), true)))
	return sql.Or(own, sql.And(enabled, sql.Or(
		inIDs(s.C("organization_id"), v.OrganizationsWhere(workLogResource, viewer.ActionManage)),
		sql.In(s.C("user_id"), ManagedMembers(d, s.C("organization_id"), v.UserID, members)),
	)))
}

// ManagedMembers selects (in dialect d) the user ids of the members of the projects that
// user owns or administers (project role owner or admin) in the
// organization orgColumn names, restricted to organizations orgs (where
// the user is still a member).
func ManagedMembers(d *sql.DialectBuilder, orgColumn string, user uuid.UUID, orgs []uuid.UUID) *sql.Selector {
	mine := d.Table("project_members").As("wt_mine")
	managed := d.Select(mine.C("project_id")).From(mine).Where(sql.And(
		sql.EQ(mine.C("user_id"), user),
		sql.In(mine.C("role"), "owner", "admin"),
		sql.IsNull(mine.C("deleted_at")),
		inIDs(mine.C("organization_id"), orgs),
	))
	m := d.Table("project_members").As("wt_member")
	return d.Select(m.C("user_id")).From(m).Where(sql.And(
		sql.IsNull(m.C("deleted_at")),
		sql.ColumnsEQ(m.C("organization_id"), orgColumn),
		sql.In(m.C("project_id"), managed),
	))
}

// inIDs is column IN ids; no ids matches nothing (an empty IN () is a
// syntax error on PostgreSQL).
func inIDs(column string, ids []uuid.UUID) *sql.Predicate {
	if len(ids) == 0 {
		return sql.False()
	}
	return sql.In(column, anySlice(ids)...)
}
