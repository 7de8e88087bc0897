package tasks

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/project"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/occ"
	"github.com/worksynapse/worksynapse/internal/patch"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Opt is an optional field of an update (see package patch).
type Opt[T any] = patch.Opt[T]

// UpdateInput are the fields a client may change; project, number,
// reporter and organization are not among them (mass assignment).
type UpdateInput struct {
	Title                                       *string
	Description                                 Opt[string]
	Status                                      *task.Status
	Priority                                    *task.Priority
	Type                                        *task.Type
	AssigneeID, ParentID, SprintID, MilestoneID Opt[uuid.UUID]
	StartDate, DueDate                          Opt[time.Time]
	EstimateMinutes                             Opt[int]
	StoryPoints                                 Opt[float64]
}

// Get returns a visible task, its key read in the same statement: a
// task read is the API's most frequent request.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Task, error) {
	t, err := s.client.Task.Query().Where(task.ID(id)).Modify(joinProjectKey).Only(ctx)
	if err != nil {
		return Task{}, err
	}
	key, err := projectKeyOf(t)
	if err != nil {
		return Task{}, err
	}
	return Task{Task: t, Key: Key(key, t.Number)}, nil
}

// projectKeyOf is the project key joinProjectKey read with t.
func projectKeyOf(t *ent.Task) (string, error) {
	k, err := t.Value(projectKeyColumn)
	if err != nil {
		return "", fmt.Errorf("tasks: project key of %s: %w", t.ID, err)
	}
	key, ok := k.(string)
	if !ok {
		return "", fmt.Errorf("tasks: project key of %s is %T", t.ID, k)
	}
	return key, nil
}

// projectKeyColumn is the alias of the project key joinProjectKey selects.
const projectKeyColumn = "project_key"

// joinProjectKey adds the task's project key to a task query; a task of
// a deleted project is not found, as withKey's read of the project finds
// none. Why no privacy check on the project: the key is part of a task
// the viewer may read (as in withKey); the task's own rules decided that.
func joinProjectKey(s *sql.Selector) {
	p := sql.Table(project.Table)
	s.Join(p).OnP(sql.And(
		sql.ColumnsEQ(s.C(task.FieldProjectID), p.C(project.FieldID)),
		sql.IsNull(p.C(project.FieldDeletedAt)),
	)).AppendSelectAs(p.C(project.FieldKey), projectKeyColumn)
}

// GetByKey resolves "WS-42" within a project.
func (s *Service) GetByKey(ctx context.Context, projectID uuid.UUID, key string) (Task, error) {
	p, err := s.client.Project.Get(ctx, projectID)
	if err != nil {
		return Task{}, err
	}
	prefix, num, _ := strings.Cut(key, "-")
	n, err := strconv.Atoi(num)
	if prefix != p.Key || err != nil {
		return Task{}, problem.NotFound("no task has this key in the project")
	}
	t, err := s.client.Task.Query().Where(task.ProjectID(p.ID), task.Number(n)).Only(ctx)
	if err != nil {
		return Task{}, err
	}
	return Task{Task: t, Key: Key(p.Key, t.Number)}, nil
}

// withKey adds the key. Why a system context: the project key is part of
// a task the viewer may read, even with a role lacking project:read.
func (s *Service) withKey(ctx context.Context, c *ent.Client, t *ent.Task) (Task, error) {
	sys := viewer.NewSystemContext(ctx, "tasks: project key of a visible task")
	k, err := c.Project.Query().Where(project.ID(t.ProjectID)).Select(project.FieldKey).String(sys)
	if err != nil {
		return Task{}, err
	}
	return Task{Task: t, Key: Key(k, t.Number)}, nil
}

// Update changes a task if version is still its version (package occ:
// of two clients that read the same version only the first wins; the
// other gets 412 and nothing changes).
func (s *Service) Update(ctx context.Context, id uuid.UUID, version int, in UpdateInput) (Task, error) {
	var out Task
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		t, err := tx.Task.Get(ctx, id)
		if err != nil {
			return err
		}
		if t.Version != version {
			return occ.Stale("task", t.Version)
		}
		refs := Refs{AssigneeID: in.AssigneeID.Value, ParentID: in.ParentID.Value, SprintID: in.SprintID.Value, MilestoneID: in.MilestoneID.Value}
		if err := checkRefs(ctx, tx, t.OrganizationID, t.ProjectID, t.ID, refs); err != nil {
			return err
		}
		u := tx.Task.UpdateOneID(id).
			SetNillableTitle(in.Title).SetNillablePriority(in.Priority).SetNillableType(in.Type)
		if in.Status != nil && *in.Status != t.Status {
			if t.ColumnID != nil {
				return problem.Conflict("the task is on a board column: move it to change its status")
			}
			setStatus(u, *in.Status)
		}
		patch.Apply(in.Description, u.SetDescription, u.ClearDescription)
		patch.Apply(in.AssigneeID, u.SetAssigneeID, u.ClearAssigneeID)
		patch.Apply(in.ParentID, u.SetParentID, u.ClearParentID)
		patch.Apply(in.SprintID, u.SetSprintID, u.ClearSprintID)
		patch.Apply(in.MilestoneID, u.SetMilestoneID, u.ClearMilestoneID)
		patch.Apply(in.StartDate, u.SetStartDate, u.ClearStartDate)
		patch.Apply(in.DueDate, u.SetDueDate, u.ClearDueDate)
		patch.Apply(in.EstimateMinutes, u.SetEstimateMinutes, u.ClearEstimateMinutes)
		patch.Apply(in.StoryPoints, u.SetStoryPoints, u.ClearStoryPoints)
		saved, err := occ.Save(ctx, u, "task", t.Version, version, reloadTask(tx, id))
		if err != nil {
			return err
		}
		out, err = s.withKey(ctx, tx.Client(), saved)
		return err
	})
	return out, err
}

// reloadTask reads the task's version again as the viewer (occ.Reload).
func reloadTask(tx *ent.Tx, id uuid.UUID) occ.Reload {
	return occ.Reloader(tx.Task.Get, id, func(t *ent.Task) int { return t.Version })
}

// whyMissed explains a write that matched no row although the task was
// visible when read (see occ.Explain).
func whyMissed(ctx context.Context, tx *ent.Tx, id uuid.UUID, version *int) error {
	return occ.Explain(ctx, "task", version, reloadTask(tx, id))
}

// setStatus changes the status and keeps completed_at in step with it.
func setStatus(u *ent.TaskUpdateOne, st task.Status) {
	u.SetStatus(st)
	if closed(st) {
		u.SetCompletedAt(time.Now())
	} else {
		u.ClearCompletedAt()
	}
}

// Delete soft-deletes a task; its number stays taken.
func (s *Service) Delete(ctx context.Context, id uuid.UUID) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		err := tx.Task.DeleteOneID(id).Exec(ctx)
		if ent.IsNotFound(err) {
			return whyMissed(ctx, tx, id, nil)
		}
		return err
	})
}

// Move puts a task into a column of its project's boards: its status
// becomes the column's (the audit hook records task.status_change), the
// WIP limit is checked under the column's lock, and the placement decides
// its position (see place; the zero Placement puts it last).
func (s *Service) Move(ctx context.Context, id, columnID uuid.UUID, pl Placement) (Task, error) {
	var out Task
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		t, err := tx.Task.Get(ctx, id)
		if err != nil {
			return err
		}
		col, err := s.lockColumn(ctx, tx, t.ProjectID, columnID)
		if err != nil {
			return err
		}
		if t.ColumnID == nil || *t.ColumnID != col.ID {
			if err := checkWIP(ctx, tx, col); err != nil {
				return err
			}
		}
		position, err := s.place(ctx, tx, t, col, pl)
		if err != nil {
			return err
		}
		u := tx.Task.UpdateOneID(id).SetColumnID(col.ID).SetPosition(position).AddVersion(1)
		if st := task.Status(col.MappedStatus); st != t.Status {
			setStatus(u, st)
		}
		saved, err := u.Save(ctx)
		if ent.IsNotFound(err) {
			return whyMissed(ctx, tx, id, nil)
		}
		if err != nil {
			return err
		}
		out, err = s.withKey(ctx, tx.Client(), saved)
		return err
	})
	return out, err
}
