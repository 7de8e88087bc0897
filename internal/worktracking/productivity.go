package worktracking

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/productivitysummary"
	"github.com/worksynapse/worksynapse/ent/projectmember"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// maxRangeDays bounds a productivity query (a year and a day), so the
// daily list needs no pagination and the member totals stay cheap.
const maxRangeDays = 366

// Range is an inclusive range of calendar dates and the period kind.
type Range struct {
	From, To time.Time
	Period   productivitysummary.Period
}

func (r Range) check() error {
	from, to := calendarDate(r.From), calendarDate(r.To)
	switch {
	case to.Before(from):
		return problem.Validation("to is before from", problem.FieldError{Field: "to", Message: "must not be before from"})
	case to.Sub(from) > maxRangeDays*24*time.Hour:
		return problem.Validation("the range is too long",
			problem.FieldError{Field: "to", Message: fmt.Sprintf("at most %d days after from", maxRangeDays)})
	}
	return nil
}

// where selects the rows of the range.
func (r Range) where(q *ent.ProductivitySummaryQuery) *ent.ProductivitySummaryQuery {
	period := r.Period
	if period == "" {
		period = productivitysummary.PeriodDaily
	}
	return q.Where(productivitysummary.PeriodEQ(period),
		productivitysummary.PeriodStartGTE(calendarDate(r.From)), productivitysummary.PeriodStartLTE(calendarDate(r.To)))
}

// MyProductivity lists the caller's own rollups in the range, oldest first.
func (s *Service) MyProductivity(ctx context.Context, r Range, org *uuid.UUID) ([]*ent.ProductivitySummary, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	q := r.where(s.client.ProductivitySummary.Query()).
		Where(productivitysummary.UserID(viewer.FromContext(ctx).UserID))
	if org != nil {
		q.Where(productivitysummary.OrganizationID(*org))
	}
	return q.Order(ent.Asc(productivitysummary.FieldPeriodStart), ent.Asc(productivitysummary.FieldOrganizationID)).All(ctx)
}

// MemberTotals are one member's sums over a range.
type MemberTotals struct {
	UserID  uuid.UUID
	Periods int
	Totals
}

// MemberFilter narrows the manager view.
type MemberFilter struct {
	UserID, ProjectID *uuid.UUID
}

// OrgProductivity is the manager view: per-member sums of the rollups in
// the range, by user id descending (keyset pagination). It answers only
// when the organization enables manager_tracking_enabled and the caller
// is a manager there: work_log:manage (every member) or owner or admin of
// a project (its members; the privacy rule narrows the rows). Otherwise 403.
func (s *Service) OrgProductivity(ctx context.Context, orgID uuid.UUID, r Range, f MemberFilter, p pagination.Params) (pagination.Page[MemberTotals], error) {
	var none pagination.Page[MemberTotals]
	if err := r.check(); err != nil {
		return none, err
	}
	org, err := s.client.Organization.Get(ctx, orgID)
	if err != nil {
		return none, notFound(err, "the organization does not exist")
	}
	if !org.ManagerTrackingEnabled {
		return none, problem.Forbidden("the organization's policy does not let managers see work-tracking data (manager_tracking_enabled is off)")
	}
	if ok, err := s.isManager(ctx, orgID); err != nil || !ok {
		return none, firstErr(err, problem.Forbidden("only managers (work_log:manage, or a project owner or admin) see member productivity"))
	}
	q := r.where(s.client.ProductivitySummary.Query()).Where(productivitysummary.OrganizationID(orgID))
	if f.UserID != nil {
		q.Where(productivitysummary.UserID(*f.UserID))
	}
	if f.ProjectID != nil {
		members, err := s.projectMembers(ctx, orgID, *f.ProjectID)
		if err != nil {
			return none, err
		}
		q.Where(productivitysummary.UserIDIn(members...))
	}
	if p.Cursor != "" {
		after, err := pagination.Decode(ctx, p.Cursor)
		if err != nil {
			return none, err
		}
		q.Where(func(s *sql.Selector) { s.Where(sql.LT(s.C(productivitysummary.FieldUserID), after)) })
	}
	limit := p.Limit
	if limit <= 0 {
		limit = pagination.DefaultLimit
	}
	limit = min(limit, pagination.MaxLimit)
	rows, err := sumByMember(ctx, q, limit+1)
	if err != nil {
		return none, err
	}
	page := pagination.Page[MemberTotals]{Items: rows}
	if len(rows) > limit {
		page.Items = rows[:limit]
		page.NextCursor = pagination.Encode(ctx, page.Items[limit-1].UserID)
	}
	return page, nil
}

// sumByMember groups the rows of q by user (descending), at most limit users.
func sumByMember(ctx context.Context, q *ent.ProductivitySummaryQuery, limit int) ([]MemberTotals, error) {
	var rows []struct {
		UserID         uuid.UUID     `json:"user_id"`
		Periods        int           `json:"periods"`
		Active         sql.NullInt64 `json:"active"`
		Idle           sql.NullInt64 `json:"idle"`
		Productive     sql.NullInt64 `json:"productive"`
		Neutral        sql.NullInt64 `json:"neutral"`
		Distracting    sql.NullInt64 `json:"distracting"`
		TasksCompleted sql.NullInt64 `json:"tasks"`
		TimeLogged     sql.NullInt64 `json:"logged"`
	}
	sum := func(field, as string) ent.AggregateFunc {
		return ent.As(ent.Sum(field), as)
	}
	err := q.Order(ent.Desc(productivitysummary.FieldUserID)).Limit(limit).
		GroupBy(productivitysummary.FieldUserID).
		Aggregate(ent.As(ent.Count(), "periods"),
			sum(productivitysummary.FieldActiveSeconds, "active"), sum(productivitysummary.FieldIdleSeconds, "idle"),
			sum(productivitysummary.FieldProductiveSeconds, "productive"), sum(productivitysummary.FieldNeutralSeconds, "neutral"),
			sum(productivitysummary.FieldDistractingSeconds, "distracting"),
			sum(productivitysummary.FieldTasksCompleted, "tasks"), sum(productivitysummary.FieldTimeLoggedSeconds, "logged")).
		Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]MemberTotals, len(rows))
	for i, r := range rows {
		p, n, d := int(r.Productive.Int64), int(r.Neutral.Int64), int(r.Distracting.Int64)
		out[i] = MemberTotals{UserID: r.UserID, Periods: r.Periods, Totals: Totals{
			Active: int(r.Active.Int64), Idle: int(r.Idle.Int64),
			TasksCompleted: int(r.TasksCompleted.Int64), TimeLogged: int(r.TimeLogged.Int64),
			Categories: map[string]int{
				"productive": p, "neutral": n, "distracting": d,
				// Active is the sum of the four categories (see the rollup).
				"uncategorized": max(0, int(r.Active.Int64)-p-n-d),
			},
		}}
	}
	return out, nil
}

// isManager reports whether the caller manages anyone in org.
func (s *Service) isManager(ctx context.Context, org uuid.UUID) (bool, error) {
	v := viewer.FromContext(ctx)
	if v.Can(org, "work_log", viewer.ActionManage) {
		return true, nil
	}
	if !v.IsMember(org) {
		return false, nil
	}
	// Why a system context: this decides the caller's own standing from
	// their project roles, which they may not be allowed to list.
	sys := viewer.NewSystemContext(ctx, "worktracking: is the caller a project manager")
	return s.client.ProjectMember.Query().Where(projectmember.OrganizationID(org), projectmember.UserID(v.UserID),
		projectmember.RoleIn(projectmember.RoleOwner, projectmember.RoleAdmin)).Exist(sys)
}

// projectMembers lists the members of a project of org the caller can read.
func (s *Service) projectMembers(ctx context.Context, org, projectID uuid.UUID) ([]uuid.UUID, error) {
	p, err := s.client.Project.Get(ctx, projectID)
	if err != nil || p.OrganizationID != org {
		return nil, firstErr(notFound(err, "the project does not exist"), problem.NotFound("the project does not exist"))
	}
	// Why a system context: the caller may read the project; its member
	// list only narrows what the privacy rule already lets them see.
	sys := viewer.NewSystemContext(ctx, "worktracking: members of a project for the manager view")
	var ids []uuid.UUID
	err = s.client.ProjectMember.Query().Where(projectmember.ProjectID(projectID)).
		Select(projectmember.FieldUserID).Scan(sys, &ids)
	return ids, err
}

// firstErr returns err when set, else fallback.
func firstErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// SummaryTotals reads a rollup row back as Totals.
func SummaryTotals(s *ent.ProductivitySummary) Totals {
	t := Totals{Active: s.ActiveSeconds, Idle: s.IdleSeconds, TasksCompleted: s.TasksCompleted,
		TimeLogged: s.TimeLoggedSeconds, Categories: map[string]int{}}
	for _, c := range categories {
		// JSON numbers decode as float64; the rollup always writes all four.
		if v, ok := s.CategorySeconds[string(c)].(float64); ok {
			t.Categories[string(c)] = int(v)
		}
	}
	// The columns are authoritative for the three named categories.
	t.Categories["productive"], t.Categories["neutral"], t.Categories["distracting"] =
		s.ProductiveSeconds, s.NeutralSeconds, s.DistractingSeconds
	return t
}
