package worktracking

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/appusage"
	"github.com/worksynapse/worksynapse/ent/idleperiod"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// RawFilter narrows a list of the caller's raw tracker records.
type RawFilter struct {
	OrganizationID *uuid.UUID
	From, To       *time.Time
}

func (f RawFilter) check() error {
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		return problem.Validation("to must be after from", problem.FieldError{Field: "to", Message: "must be after from"})
	}
	return nil
}

// MyAppUsage lists the caller's own application-usage records, newest
// first. The privacy rule already limits reads to the caller's rows; the
// user filter makes the intent explicit for superusers and system code.
func (s *Service) MyAppUsage(ctx context.Context, f RawFilter, p pagination.Params) (pagination.Page[*ent.AppUsage], error) {
	if err := f.check(); err != nil {
		return pagination.Page[*ent.AppUsage]{}, err
	}
	q := s.client.AppUsage.Query().Where(appusage.UserID(viewer.FromContext(ctx).UserID))
	if f.OrganizationID != nil {
		q.Where(appusage.OrganizationID(*f.OrganizationID))
	}
	if f.From != nil {
		q.Where(appusage.StartedAtGTE(f.From.UTC()))
	}
	if f.To != nil {
		q.Where(appusage.StartedAtLT(f.To.UTC()))
	}
	return pagination.List(ctx, q, p, func(a *ent.AppUsage) uuid.UUID { return a.ID })
}

// MyIdlePeriods lists the caller's own idle periods, newest first.
func (s *Service) MyIdlePeriods(ctx context.Context, f RawFilter, p pagination.Params) (pagination.Page[*ent.IdlePeriod], error) {
	if err := f.check(); err != nil {
		return pagination.Page[*ent.IdlePeriod]{}, err
	}
	q := s.client.IdlePeriod.Query().Where(idleperiod.UserID(viewer.FromContext(ctx).UserID))
	if f.OrganizationID != nil {
		q.Where(idleperiod.OrganizationID(*f.OrganizationID))
	}
	if f.From != nil {
		q.Where(idleperiod.StartedAtGTE(f.From.UTC()))
	}
	if f.To != nil {
		q.Where(idleperiod.StartedAtLT(f.To.UTC()))
	}
	return pagination.List(ctx, q, p, func(i *ent.IdlePeriod) uuid.UUID { return i.ID })
}
