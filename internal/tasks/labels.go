package tasks

import (
	"context"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/label"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/authz"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/occ"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// LabelInput are the label fields a request sets (nil: unchanged).
type LabelInput struct {
	Name, Color *string
}

// ListLabels pages the labels of a project.
func (s *Service) ListLabels(ctx context.Context, projectID uuid.UUID, p pagination.Params) (pagination.Page[*ent.Label], error) {
	if _, err := visibleProject(ctx, s.client, projectID); err != nil {
		return pagination.Page[*ent.Label]{}, err
	}
	return pagination.List(ctx, s.client.Label.Query().Where(label.ProjectID(projectID)), p, func(l *ent.Label) uuid.UUID { return l.ID })
}

// CreateLabel adds a label to a project; a duplicate name is a 409.
func (s *Service) CreateLabel(ctx context.Context, projectID uuid.UUID, in LabelInput) (*ent.Label, error) {
	p, err := visibleProject(ctx, s.client, projectID)
	if err != nil {
		return nil, err
	}
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.Label, error) {
		l, err := tx.Label.Create().SetOrganizationID(p.OrganizationID).SetProjectID(p.ID).
			SetName(*in.Name).SetNillableColor(in.Color).Save(ctx)
		return l, labelConflict(err)
	})
}

// GetLabel loads a visible label.
func (s *Service) GetLabel(ctx context.Context, id uuid.UUID) (*ent.Label, error) {
	return s.client.Label.Get(ctx, id)
}

// UpdateLabel renames or recolors a label if it is still at version
// (package occ: 412 when stale).
func (s *Service) UpdateLabel(ctx context.Context, id uuid.UUID, version int, in LabelInput) (*ent.Label, error) {
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.Label, error) {
		reload := occ.Reloader(tx.Label.Get, id, func(l *ent.Label) int { return l.Version })
		read, err := reload(ctx)
		if err != nil {
			return nil, err
		}
		upd := tx.Label.UpdateOneID(id).SetNillableName(in.Name).SetNillableColor(in.Color)
		l, err := occ.Save(ctx, upd, "label", read, version, reload)
		return l, labelConflict(err)
	})
}

// DeleteLabel (soft-)deletes a label and takes it off its tasks.
func (s *Service) DeleteLabel(ctx context.Context, id uuid.UUID) error {
	_, err := database.InTx(ctx, s.client, func(tx *ent.Tx) (struct{}, error) {
		if err := tx.Label.UpdateOneID(id).ClearTasks().Exec(ctx); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, tx.Label.DeleteOneID(id).Exec(ctx)
	})
	return err
}

// SetTaskLabel puts the label on the task (on) or takes it off; doing
// what is already done changes nothing (PUT/DELETE are idempotent).
func (s *Service) SetTaskLabel(ctx context.Context, taskID, labelID uuid.UUID, on bool) error {
	t, err := visibleTask(ctx, s.client, taskID)
	if err != nil {
		return err
	}
	l, err := s.client.Label.Get(ctx, labelID)
	if err != nil {
		return err
	}
	// The no-op shortcut below must not let a reader "succeed" at a write.
	if err := authz.Require(ctx, t.OrganizationID, "task", viewer.ActionUpdate, "labelling a task"); err != nil {
		return err
	}
	if l.ProjectID != t.ProjectID {
		return problem.Validation("the label belongs to another project",
			problem.FieldError{Field: "label_id", Message: "not a label of the task's project"})
	}
	_, err = database.InTx(ctx, s.client, func(tx *ent.Tx) (struct{}, error) {
		// The task's row lock orders concurrent label changes of the task,
		// so of two identical PUTs one changes (and audits) and one finds
		// it done (SQLite runs one writer at a time).
		if s.dialect == dialect.Postgres {
			if _, err := tx.Task.Query().Where(task.ID(taskID)).ForUpdate().OnlyID(ctx); err != nil {
				return struct{}{}, err
			}
		}
		has, err := tx.Task.Query().Where(task.ID(taskID), task.HasLabelsWith(label.ID(labelID))).Exist(ctx)
		if err != nil || has == on {
			return struct{}{}, err
		}
		u := tx.Task.UpdateOneID(taskID)
		if on {
			return struct{}{}, u.AddLabelIDs(labelID).Exec(ctx)
		}
		return struct{}{}, u.RemoveLabelIDs(labelID).Exec(ctx)
	})
	return err
}

// labelConflict names the conflict of a duplicate label name.
func labelConflict(err error) error {
	if ent.IsConstraintError(err) {
		return problem.Conflict("a label with this name already exists in the project")
	}
	return err
}
