package tasks

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/sprint"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/occ"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
)

// SprintInput are the sprint fields a request sets (nil: unchanged; an
// update clears a date with its Clear flag).
type SprintInput struct {
	Name, Goal                   *string
	StartDate, EndDate           *time.Time
	ClearStartDate, ClearEndDate bool
}

// MoveToBacklog is CompleteSprint's destination for "no sprint".
const MoveToBacklog = "backlog"

// unfinished are the task statuses a completed sprint hands on.
var finished = []task.Status{task.StatusDone, task.StatusCancelled}

// ListSprints pages the sprints of a project.
func (s *Service) ListSprints(ctx context.Context, projectID uuid.UUID, p pagination.Params) (pagination.Page[*ent.Sprint], error) {
	if _, err := visibleProject(ctx, s.client, projectID); err != nil {
		return pagination.Page[*ent.Sprint]{}, err
	}
	return pagination.List(ctx, s.client.Sprint.Query().Where(sprint.ProjectID(projectID)), p,
		func(s *ent.Sprint) uuid.UUID { return s.ID })
}

// GetSprint loads a visible sprint.
func (s *Service) GetSprint(ctx context.Context, id uuid.UUID) (*ent.Sprint, error) {
	return s.client.Sprint.Get(ctx, id)
}

// CreateSprint plans a sprint.
func (s *Service) CreateSprint(ctx context.Context, projectID uuid.UUID, in SprintInput) (*ent.Sprint, error) {
	p, err := visibleProject(ctx, s.client, projectID)
	if err != nil {
		return nil, err
	}
	if err := problem.DateOrder(in.StartDate, in.EndDate); err != nil {
		return nil, err
	}
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.Sprint, error) {
		return tx.Sprint.Create().SetOrganizationID(p.OrganizationID).SetProjectID(p.ID).SetName(*in.Name).
			SetNillableGoal(in.Goal).SetNillableStartDate(in.StartDate).SetNillableEndDate(in.EndDate).Save(ctx)
	})
}

// UpdateSprint changes a sprint's name, goal or dates if it is still at
// version (package occ: 412 when stale).
func (s *Service) UpdateSprint(ctx context.Context, id uuid.UUID, version int, in SprintInput) (*ent.Sprint, error) {
	sp, err := s.client.Sprint.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	start, end := sp.StartDate, sp.EndDate
	switch {
	case in.StartDate != nil:
		start = in.StartDate
	case in.ClearStartDate:
		start = nil
	}
	switch {
	case in.EndDate != nil:
		end = in.EndDate
	case in.ClearEndDate:
		end = nil
	}
	if err := problem.DateOrder(start, end); err != nil {
		return nil, err
	}
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.Sprint, error) {
		upd := tx.Sprint.UpdateOneID(id).SetNillableName(in.Name).SetNillableGoal(in.Goal).
			SetNillableStartDate(in.StartDate).SetNillableEndDate(in.EndDate)
		if in.ClearStartDate && in.StartDate == nil {
			upd.ClearStartDate()
		}
		if in.ClearEndDate && in.EndDate == nil {
			upd.ClearEndDate()
		}
		return occ.Save(ctx, upd, "sprint", sp.Version, version,
			occ.Reloader(tx.Sprint.Get, id, func(sp *ent.Sprint) int { return sp.Version }))
	})
}

// DeleteSprint deletes a sprint; its tasks go back to the backlog.
func (s *Service) DeleteSprint(ctx context.Context, id uuid.UUID) error {
	if _, err := s.client.Sprint.Get(ctx, id); err != nil {
		return err
	}
	_, err := database.InTx(ctx, s.client, func(tx *ent.Tx) (struct{}, error) {
		if err := tx.Task.Update().Where(task.SprintID(id)).ClearSprintID().AddVersion(1).Exec(ctx); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, tx.Sprint.DeleteOneID(id).Exec(ctx)
	})
	return err
}

// StartSprint makes a planned sprint the project's active one. The
// partial unique index backs the check when two starts race.
func (s *Service) StartSprint(ctx context.Context, id uuid.UUID) (*ent.Sprint, error) {
	sp, err := s.client.Sprint.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if sp.Status != sprint.StatusPlanned {
		return nil, problem.Conflict("only a planned sprint can start; this one is " + string(sp.Status))
	}
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.Sprint, error) {
		active, err := tx.Sprint.Query().Where(sprint.ProjectID(sp.ProjectID), sprint.StatusEQ(sprint.StatusActive)).Exist(ctx)
		if err != nil {
			return nil, err
		}
		if active {
			return nil, problem.Conflict("the project already has an active sprint; complete it first")
		}
		out, err := tx.Sprint.UpdateOneID(id).Where(sprint.StatusEQ(sprint.StatusPlanned)).
			SetStatus(sprint.StatusActive).AddVersion(1).Save(ctx)
		if ent.IsConstraintError(err) {
			return nil, problem.Conflict("the project already has an active sprint; complete it first")
		}
		return out, err
	})
}

// CompleteSprint completes the active sprint and moves its unfinished
// tasks to the backlog or to a planned sprint of the same project.
func (s *Service) CompleteSprint(ctx context.Context, id uuid.UUID, moveTo string) (*ent.Sprint, error) {
	sp, err := s.client.Sprint.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if sp.Status != sprint.StatusActive {
		return nil, problem.Conflict("only the active sprint can be completed; this one is " + string(sp.Status))
	}
	next, err := destination(ctx, s.client, sp, moveTo)
	if err != nil {
		return nil, err
	}
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.Sprint, error) {
		move := tx.Task.Update().Where(task.SprintID(id), task.StatusNotIn(finished...)).AddVersion(1)
		if next == nil {
			move.ClearSprintID()
		} else {
			move.SetSprintID(*next)
		}
		if err := move.Exec(ctx); err != nil {
			return nil, err
		}
		return tx.Sprint.UpdateOneID(id).Where(sprint.StatusEQ(sprint.StatusActive)).
			SetStatus(sprint.StatusCompleted).SetCompletedAt(time.Now().UTC()).AddVersion(1).Save(ctx)
	})
}

// destination resolves move_to: nil for the backlog, else a planned
// sprint of the same project.
func destination(ctx context.Context, c *ent.Client, s *ent.Sprint, moveTo string) (*uuid.UUID, error) {
	if moveTo == MoveToBacklog {
		return nil, nil
	}
	invalid := problem.Validation("move_to is neither backlog nor a planned sprint of the project",
		problem.FieldError{Field: "move_to", Message: `"backlog" or the id of a planned sprint of the project`})
	nextID, err := uuid.Parse(moveTo)
	if err != nil {
		return nil, invalid
	}
	ok, err := c.Sprint.Query().Where(sprint.ID(nextID), sprint.ProjectID(s.ProjectID),
		sprint.StatusEQ(sprint.StatusPlanned)).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, invalid
	}
	return &nextID, nil
}
