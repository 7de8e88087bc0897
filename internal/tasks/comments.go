package tasks

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/taskcomment"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// ListComments pages the comments of a task (replies carry parent_id).
func (s *Service) ListComments(ctx context.Context, taskID uuid.UUID, p pagination.Params) (pagination.Page[*ent.TaskComment], error) {
	if _, err := visibleTask(ctx, s.client, taskID); err != nil {
		return pagination.Page[*ent.TaskComment]{}, err
	}
	return pagination.List(ctx, s.client.TaskComment.Query().Where(taskcomment.TaskID(taskID)), p,
		func(t *ent.TaskComment) uuid.UUID { return t.ID })
}

// CreateComment adds the viewer's comment, or a reply to a comment of the
// same task.
func (s *Service) CreateComment(ctx context.Context, taskID uuid.UUID, body string, parentID *uuid.UUID) (*ent.TaskComment, error) {
	t, err := visibleTask(ctx, s.client, taskID)
	if err != nil {
		return nil, err
	}
	if parentID != nil {
		ok, err := s.client.TaskComment.Query().Where(taskcomment.ID(*parentID), taskcomment.TaskID(taskID)).Exist(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, problem.Validation("the parent comment does not exist on this task",
				problem.FieldError{Field: "parent_id", Message: "not a comment of this task"})
		}
	}
	v := viewer.FromContext(ctx)
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.TaskComment, error) {
		return tx.TaskComment.Create().SetOrganizationID(t.OrganizationID).SetTaskID(taskID).
			SetAuthorID(v.UserID).SetBody(body).SetNillableParentID(parentID).Save(ctx)
	})
}

// UpdateComment changes the body of the viewer's own comment (the
// TaskComment policy lets authors alone edit a body).
func (s *Service) UpdateComment(ctx context.Context, id uuid.UUID, body string) (*ent.TaskComment, error) {
	if _, err := s.client.TaskComment.Get(ctx, id); err != nil {
		return nil, err
	}
	out, err := database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.TaskComment, error) {
		return tx.TaskComment.UpdateOneID(id).SetBody(body).SetEditedAt(time.Now()).Save(ctx)
	})
	if ent.IsNotFound(err) {
		return nil, problem.Forbidden("only the author edits a comment")
	}
	return out, err
}

// DeleteComment deletes a comment: its author may, and so may whoever
// holds comment:delete in its organization (moderation); the TaskComment
// policy decides, with the viewer kept, so the ActivityLog row names who
// deleted it.
func (s *Service) DeleteComment(ctx context.Context, id uuid.UUID) error {
	if _, err := s.client.TaskComment.Get(ctx, id); err != nil {
		return err
	}
	_, err := database.InTx(ctx, s.client, func(tx *ent.Tx) (struct{}, error) {
		return struct{}{}, tx.TaskComment.DeleteOneID(id).Exec(ctx)
	})
	if ent.IsNotFound(err) {
		// Visible a moment ago, so the policy's filter left it out.
		return problem.Forbidden("only the author or a moderator (comment:delete) deletes a comment")
	}
	return err
}
