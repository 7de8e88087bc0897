// Package worktracking is the work-tracking domain: Toggl-style work logs
// and timers, ingestion of a desktop tracker's raw activity (AppUsage,
// IdlePeriod, ActivityWatch-style) and the ProductivitySummary rollups.
// Who may see what is decided by the ent privacy rules (internal/rule,
// worktracking.go); this package adds the business rules.
package worktracking

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/predicate"
	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/ent/worklog"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Service holds the work-tracking operations and their configuration.
type Service struct {
	client  *ent.Client
	dialect string
	cfg     config.WorkTrackingConfig
	// now is the clock (tests pin it).
	now func() time.Time
}

// New returns the service; dialect is the database's (dialect.Postgres
// or dialect.SQLite).
func New(client *ent.Client, dialect string, cfg config.WorkTrackingConfig) *Service {
	return &Service{client: client, dialect: dialect, cfg: cfg, now: func() time.Time { return time.Now().UTC() }}
}

// Link is what an entry is for: a task (which implies its project) or a
// project.
type Link struct {
	TaskID, ProjectID *uuid.UUID
}

// EntryInput are the fields of a work log a caller sets; nil leaves a
// field unchanged on update.
type EntryInput struct {
	Link
	Description        *string
	StartedAt, EndedAt *time.Time
	Billable           *bool
}

// Create adds a finished manual entry for the caller.
func (s *Service) Create(ctx context.Context, in EntryInput) (*ent.WorkLog, error) {
	if in.StartedAt == nil || in.EndedAt == nil {
		return nil, problem.Validation("started_at and ended_at are required",
			problem.FieldError{Field: "ended_at", Message: "required"})
	}
	start, end := in.StartedAt.UTC(), in.EndedAt.UTC()
	if err := checkOrder(start, &end); err != nil {
		return nil, err
	}
	var out *ent.WorkLog
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		org, task, project, err := resolveLink(ctx, tx, in.Link, uuid.Nil)
		if err != nil {
			return err
		}
		me := viewer.FromContext(ctx).UserID
		if err := s.lockUser(ctx, tx, me); err != nil {
			return err
		}
		if err := s.checkOverlap(ctx, tx, me, uuid.Nil, start, &end); err != nil {
			return err
		}
		out, err = tx.WorkLog.Create().SetOrganizationID(org).SetUserID(me).
			SetNillableTaskID(task).SetProjectID(project).SetDescription(deref(in.Description)).
			SetStartedAt(start).SetEndedAt(end).SetDurationSeconds(seconds(start, end)).
			SetSource(worklog.SourceManual).SetBillable(in.Billable != nil && *in.Billable).Save(ctx)
		return err
	})
	return out, err
}

// Update changes an entry; the result must pass the same rules as a new
// one. Setting ended_at on a running timer stops it.
func (s *Service) Update(ctx context.Context, id uuid.UUID, in EntryInput) (*ent.WorkLog, error) {
	var out *ent.WorkLog
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		w, err := tx.WorkLog.Get(ctx, id)
		if err != nil {
			return err
		}
		start, end := w.StartedAt.UTC(), w.EndedAt
		if in.StartedAt != nil {
			start = in.StartedAt.UTC()
		}
		if in.EndedAt != nil {
			e := in.EndedAt.UTC()
			end = &e
		}
		if err := checkOrder(start, end); err != nil {
			return err
		}
		u := tx.WorkLog.UpdateOne(w).SetStartedAt(start).SetNillableDescription(in.Description).
			SetNillableBillable(in.Billable)
		if in.TaskID != nil || in.ProjectID != nil {
			_, task, project, err := resolveLink(ctx, tx, in.Link, w.OrganizationID)
			if err != nil {
				return err
			}
			u.SetNillableTaskID(task).SetProjectID(project)
			if task == nil {
				u.ClearTaskID()
			}
		}
		if end != nil {
			u.SetEndedAt(end.UTC()).SetDurationSeconds(seconds(start, end.UTC()))
		}
		if err := s.lockUser(ctx, tx, w.UserID); err != nil {
			return err
		}
		if err := s.checkOverlap(ctx, tx, w.UserID, w.ID, start, end); err != nil {
			return err
		}
		out, err = u.Save(ctx)
		return err
	})
	return out, err
}

// Delete soft-deletes an entry.
func (s *Service) Delete(ctx context.Context, id uuid.UUID) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		return tx.WorkLog.DeleteOneID(id).Exec(ctx)
	})
}

// Get returns an entry the caller may read.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (*ent.WorkLog, error) {
	return s.client.WorkLog.Get(ctx, id)
}

// Start starts a running timer for the caller now.
func (s *Service) Start(ctx context.Context, link Link, description *string, billable *bool) (*ent.WorkLog, error) {
	var out *ent.WorkLog
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		org, task, project, err := resolveLink(ctx, tx, link, uuid.Nil)
		if err != nil {
			return err
		}
		me, now := viewer.FromContext(ctx).UserID, s.now()
		if err := s.lockUser(ctx, tx, me); err != nil {
			return err
		}
		if err := s.checkRunning(ctx, tx, me); err != nil {
			return err
		}
		if err := s.checkOverlap(ctx, tx, me, uuid.Nil, now, nil); err != nil {
			return err
		}
		out, err = tx.WorkLog.Create().SetOrganizationID(org).SetUserID(me).
			SetNillableTaskID(task).SetProjectID(project).SetDescription(deref(description)).
			SetStartedAt(now).SetSource(worklog.SourceTimer).SetBillable(billable != nil && *billable).Save(ctx)
		if ent.IsConstraintError(err) {
			// A concurrent start won the partial unique index.
			return problem.Conflict("a timer is already running; stop it first")
		}
		return err
	})
	return out, err
}

// Stop ends the caller's running timer now.
func (s *Service) Stop(ctx context.Context) (*ent.WorkLog, error) {
	var out *ent.WorkLog
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		w, err := s.running(ctx, tx.Client())
		if err != nil {
			return err
		}
		end := maxTime(s.now(), w.StartedAt.UTC())
		out, err = tx.WorkLog.UpdateOne(w).SetEndedAt(end).SetDurationSeconds(seconds(w.StartedAt, end)).Save(ctx)
		return err
	})
	return out, err
}

// Running returns the caller's running timer (404 when none runs).
func (s *Service) Running(ctx context.Context) (*ent.WorkLog, error) {
	return s.running(ctx, s.client)
}

func (s *Service) running(ctx context.Context, c *ent.Client) (*ent.WorkLog, error) {
	w, err := c.WorkLog.Query().
		Where(worklog.UserID(viewer.FromContext(ctx).UserID), worklog.EndedAtIsNil()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, problem.NotFound("no timer is running")
	}
	return w, err
}

// ListFilter narrows a work-log list.
type ListFilter struct {
	OrganizationID, UserID, ProjectID, TaskID *uuid.UUID
	From, To                                  *time.Time
}

// Page is a page of work logs and the total duration of all matches.
type Page struct {
	pagination.Page[*ent.WorkLog]
	TotalSeconds int
}

// List returns the entries the caller may read matching f, newest first.
func (s *Service) List(ctx context.Context, f ListFilter, p pagination.Params) (Page, error) {
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		return Page{}, problem.Validation("to must be after from", problem.FieldError{Field: "to", Message: "must be after from"})
	}
	q := s.client.WorkLog.Query().Where(listPredicates(f)...)
	var sums []struct {
		Sum sql.NullInt64 `json:"sum"`
	}
	if err := q.Clone().Aggregate(ent.Sum(worklog.FieldDurationSeconds)).Scan(ctx, &sums); err != nil {
		return Page{}, fmt.Errorf("worktracking: total: %w", err)
	}
	page, err := pagination.List(ctx, q, p, func(w *ent.WorkLog) uuid.UUID { return w.ID })
	if err != nil {
		return Page{}, err
	}
	out := Page{Page: page}
	if len(sums) == 1 {
		out.TotalSeconds = int(sums[0].Sum.Int64)
	}
	return out, nil
}

func listPredicates(f ListFilter) []predicate.WorkLog {
	var ps []predicate.WorkLog
	if f.OrganizationID != nil {
		ps = append(ps, worklog.OrganizationID(*f.OrganizationID))
	}
	if f.UserID != nil {
		ps = append(ps, worklog.UserID(*f.UserID))
	}
	if f.ProjectID != nil {
		ps = append(ps, worklog.ProjectID(*f.ProjectID))
	}
	if f.TaskID != nil {
		ps = append(ps, worklog.TaskID(*f.TaskID))
	}
	if f.From != nil {
		ps = append(ps, worklog.StartedAtGTE(f.From.UTC()))
	}
	if f.To != nil {
		ps = append(ps, worklog.StartedAtLT(f.To.UTC()))
	}
	return ps
}

// resolveLink checks what an entry is for: the task and project must be
// readable by the caller (else 404), the task's project wins and must
// equal a project given with it, and with org set (an update) they must be
// in that organization. It returns the organization, task and project.
func resolveLink(ctx context.Context, tx *ent.Tx, l Link, org uuid.UUID) (uuid.UUID, *uuid.UUID, uuid.UUID, error) {
	var projectID uuid.UUID
	switch {
	case l.TaskID != nil:
		t, err := tx.Task.Get(ctx, *l.TaskID)
		if err != nil {
			return uuid.Nil, nil, uuid.Nil, notFound(err, "the task does not exist")
		}
		if l.ProjectID != nil && *l.ProjectID != t.ProjectID {
			return uuid.Nil, nil, uuid.Nil, problem.Validation("the task belongs to another project",
				problem.FieldError{Field: "project_id", Message: "must be the task's project (or omitted)"})
		}
		projectID = t.ProjectID
	case l.ProjectID != nil:
		projectID = *l.ProjectID
	default:
		return uuid.Nil, nil, uuid.Nil, problem.Validation("an entry is for a task or a project",
			problem.FieldError{Field: "task_id", Message: "give task_id or project_id"})
	}
	p, err := tx.Project.Get(ctx, projectID)
	if err != nil {
		return uuid.Nil, nil, uuid.Nil, notFound(err, "the project does not exist")
	}
	if org != uuid.Nil && p.OrganizationID != org {
		return uuid.Nil, nil, uuid.Nil, problem.Validation("an entry stays in its organization",
			problem.FieldError{Field: "project_id", Message: "must be in the entry's organization"})
	}
	return p.OrganizationID, l.TaskID, p.ID, nil
}

// lockUser serializes one user's work-log writes on PostgreSQL (row lock
// on the user until the transaction ends), so two concurrent entries
// cannot both pass the overlap check; SQLite serializes writers anyway.
func (s *Service) lockUser(ctx context.Context, tx *ent.Tx, id uuid.UUID) error {
	if s.dialect != dialect.Postgres {
		return nil
	}
	// Why a system context: the lock row is the user themself, which the
	// privacy rules let the caller read anyway; no data leaves here.
	sys := viewer.NewSystemContext(ctx, "worktracking: serialize a user's work logs")
	_, err := tx.User.Query().Where(user.ID(id)).ForUpdate().OnlyID(sys)
	return err
}

// checkOrder is the "end after start" rule (end nil: a running timer).
func checkOrder(start time.Time, end *time.Time) error {
	if end != nil && !end.After(start) {
		return problem.Validation("ended_at must be after started_at",
			problem.FieldError{Field: "ended_at", Message: "must be after started_at"})
	}
	return nil
}

// checkRunning is the one-running-timer rule with a useful 409 (the
// partial unique index on user_id enforces it under concurrency).
func (s *Service) checkRunning(ctx context.Context, tx *ent.Tx, user uuid.UUID) error {
	// Why a system context: the running timer may be in an organization
	// where the user can no longer read work logs; it still blocks.
	sys := viewer.NewSystemContext(ctx, "worktracking: one running timer per user")
	w, err := tx.WorkLog.Query().Where(worklog.UserID(user), worklog.EndedAtIsNil()).First(sys)
	switch {
	case ent.IsNotFound(err):
		return nil
	case err != nil:
		return err
	}
	return problem.Conflict(fmt.Sprintf("timer %s is already running since %s; stop it first",
		w.ID, w.StartedAt.UTC().Format(time.RFC3339)))
}

// checkOverlap rejects an entry [start, end) of user that overlaps another
// of theirs (in any organization) unless worktracking.allow_overlaps. A
// running entry (end nil) occupies [started_at, now]; a running timer
// being started (start = now) conflicts with an entry covering now.
func (s *Service) checkOverlap(ctx context.Context, tx *ent.Tx, user, self uuid.UUID, start time.Time, end *time.Time) error {
	if s.cfg.AllowOverlaps {
		return nil
	}
	now := s.now()
	until := now
	if end != nil {
		until = end.UTC()
	}
	if !until.After(start) {
		until = start.Add(time.Second)
	}
	// Why a system context: overlaps count across all the user's
	// organizations; only the user's own entry is named in the answer.
	sys := viewer.NewSystemContext(ctx, "worktracking: overlap check")
	q := tx.WorkLog.Query().Where(
		worklog.UserID(user), worklog.IDNEQ(self), worklog.StartedAtLT(until),
		worklog.Or(worklog.EndedAtGT(start), worklog.EndedAtIsNil()),
	)
	if !now.After(start) {
		// A running entry ends at now, which is not after start.
		q.Where(worklog.EndedAtNotNil())
	}
	w, err := q.Order(ent.Asc(worklog.FieldStartedAt)).First(sys)
	switch {
	case ent.IsNotFound(err):
		return nil
	case err != nil:
		return err
	}
	until2 := "now (running)"
	if w.EndedAt != nil {
		until2 = w.EndedAt.UTC().Format(time.RFC3339)
	}
	return problem.Conflict(fmt.Sprintf("overlaps work log %s (%s to %s)", w.ID,
		w.StartedAt.UTC().Format(time.RFC3339), until2))
}

// seconds is end - start in whole seconds, never negative.
func seconds(start, end time.Time) int {
	return max(0, int(end.Sub(start)/time.Second))
}

// notFound turns a privacy-filtered miss into a 404 naming what is missing.
func notFound(err error, detail string) error {
	if ent.IsNotFound(err) {
		return problem.NotFound(detail)
	}
	return err
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
