package tasks

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/timelog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// TimeLogInput is an interval (StartedAt, EndedAt: nil while a timer
// runs) or a duration (Minutes, ending now unless StartedAt is given).
type TimeLogInput struct {
	StartedAt, EndedAt *time.Time
	Minutes            *int
	Note               *string
	Billable           *bool
}

// UserMinutes is one user's total on a task.
type UserMinutes struct {
	UserID  uuid.UUID `json:"user_id"`
	Minutes int64     `json:"sum"`
}

// ListTimeLogs pages the time logged on a task.
func (s *Service) ListTimeLogs(ctx context.Context, taskID uuid.UUID, p pagination.Params) (pagination.Page[*ent.TimeLog], error) {
	if _, err := visibleTask(ctx, s.client, taskID); err != nil {
		return pagination.Page[*ent.TimeLog]{}, err
	}
	return pagination.List(ctx, s.client.TimeLog.Query().Where(timelog.TaskID(taskID)), p,
		func(t *ent.TimeLog) uuid.UUID { return t.ID })
}

// CreateTimeLog logs the viewer's time on a task.
func (s *Service) CreateTimeLog(ctx context.Context, taskID uuid.UUID, in TimeLogInput) (*ent.TimeLog, error) {
	start, end, minutes, err := interval(in, time.Now().UTC())
	if err != nil {
		return nil, err
	}
	t, err := visibleTask(ctx, s.client, taskID)
	if err != nil {
		return nil, err
	}
	v := viewer.FromContext(ctx)
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.TimeLog, error) {
		return tx.TimeLog.Create().SetOrganizationID(t.OrganizationID).SetTaskID(taskID).SetUserID(v.UserID).
			SetStartedAt(start).SetNillableEndedAt(end).SetMinutes(minutes).
			SetNillableNote(in.Note).SetNillableBillable(in.Billable).Save(ctx)
	})
}

// interval resolves the input to start, end (nil: running) and minutes.
func interval(in TimeLogInput, now time.Time) (time.Time, *time.Time, int, error) {
	switch {
	case in.StartedAt == nil && in.Minutes == nil:
		return time.Time{}, nil, 0, problem.Validation("give started_at or minutes",
			problem.FieldError{Field: "started_at", Message: "required unless minutes is given"})
	case in.StartedAt == nil:
		start := now.Add(-time.Duration(*in.Minutes) * time.Minute)
		return start, &now, *in.Minutes, nil
	case in.EndedAt == nil && in.Minutes != nil:
		end := in.StartedAt.Add(time.Duration(*in.Minutes) * time.Minute)
		return *in.StartedAt, &end, *in.Minutes, nil
	case in.EndedAt == nil:
		return *in.StartedAt, nil, 0, nil
	case !in.EndedAt.After(*in.StartedAt):
		return time.Time{}, nil, 0, problem.Validation("ended_at must be after started_at",
			problem.FieldError{Field: "ended_at", Message: "not after started_at"})
	}
	return *in.StartedAt, in.EndedAt, int(in.EndedAt.Sub(*in.StartedAt) / time.Minute), nil
}

// TimeLogSummary totals a task's logged minutes per user, in one
// aggregate query.
func (s *Service) TimeLogSummary(ctx context.Context, taskID uuid.UUID) (int64, []UserMinutes, error) {
	if _, err := visibleTask(ctx, s.client, taskID); err != nil {
		return 0, nil, err
	}
	var rows []UserMinutes
	err := s.client.TimeLog.Query().Where(timelog.TaskID(taskID)).GroupBy(timelog.FieldUserID).
		Aggregate(ent.Sum(timelog.FieldMinutes)).Scan(ctx, &rows)
	if err != nil {
		return 0, nil, err
	}
	var total int64
	for _, r := range rows {
		total += r.Minutes
	}
	return total, rows, nil
}
