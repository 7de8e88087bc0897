package notes

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/noteshare"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/ent/project"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/patch"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// ShareInput names one grantee (a user or a project's members), the
// permission and an optional expiry.
type ShareInput struct {
	UserID, ProjectID *uuid.UUID
	Permission        noteshare.Permission
	ExpiresAt         *time.Time
}

// Share grants access to a note (its owner or a note manager only, see
// the privacy rules). Sharing again with the same grantee replaces the
// permission and expiry of the live share rather than adding a second.
func (s *Service) Share(ctx context.Context, noteID uuid.UUID, in ShareInput) (*ent.NoteShare, error) {
	if (in.UserID == nil) == (in.ProjectID == nil) {
		return nil, problem.Validation("name exactly one grantee",
			problem.FieldError{Field: "user_id", Message: "set exactly one of user_id and project_id"})
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(time.Now()) {
		return nil, problem.Validation("the expiry is in the past",
			problem.FieldError{Field: "expires_at", Message: "must be in the future"})
	}
	var out *ent.NoteShare
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		n, err := tx.Note.Get(ctx, noteID)
		if err != nil {
			return err
		}
		if err := checkGrantee(ctx, tx, n.OrganizationID, in); err != nil {
			return err
		}
		q := tx.NoteShare.Query().Where(noteshare.NoteID(n.ID))
		if in.UserID != nil {
			q.Where(noteshare.UserID(*in.UserID))
		} else {
			q.Where(noteshare.ProjectID(*in.ProjectID))
		}
		existing, err := q.Only(ctx)
		switch {
		case ent.IsNotFound(err):
			out, err = tx.NoteShare.Create().SetOrganizationID(n.OrganizationID).SetNoteID(n.ID).
				SetNillableUserID(in.UserID).SetNillableProjectID(in.ProjectID).SetPermission(in.Permission).
				SetNillableExpiresAt(in.ExpiresAt).SetCreatedByID(viewer.FromContext(ctx).UserID).Save(ctx)
		case err == nil:
			u := tx.NoteShare.UpdateOne(existing).SetPermission(in.Permission)
			patch.Apply(Opt[time.Time]{Set: true, Value: in.ExpiresAt}, u.SetExpiresAt, u.ClearExpiresAt)
			out, err = u.Save(ctx)
		}
		if ent.IsNotFound(err) {
			return privacy.Denyf("notes: only the owner shares the note")
		}
		return err
	})
	return out, err
}

// checkGrantee: a user grantee is an active member of the note's
// organization; a project grantee is one of its projects.
func checkGrantee(ctx context.Context, tx *ent.Tx, orgID uuid.UUID, in ShareInput) error {
	if in.UserID != nil {
		// Why a system context: membership is checked, not disclosed (the
		// viewer may lack member:read).
		sys := viewer.NewSystemContext(ctx, "notes: check share grantee membership")
		ok, err := tx.OrganizationMember.Query().Where(organizationmember.OrganizationID(orgID),
			organizationmember.UserID(*in.UserID), organizationmember.StatusEQ(organizationmember.StatusActive)).Exist(sys)
		if err != nil {
			return err
		}
		if !ok {
			return problem.Validation("the grantee is invalid",
				problem.FieldError{Field: "user_id", Message: "not an active member of the note's organization"})
		}
		return nil
	}
	ok, err := tx.Project.Query().Where(project.ID(*in.ProjectID), project.OrganizationID(orgID)).Exist(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return problem.Validation("the grantee is invalid",
			problem.FieldError{Field: "project_id", Message: "not a project of the note's organization"})
	}
	return nil
}

// ListShares lists who a note is shared with (expired shares included, so
// the owner sees them; they grant nothing).
func (s *Service) ListShares(ctx context.Context, noteID uuid.UUID, p pagination.Params) (pagination.Page[*ent.NoteShare], error) {
	if _, err := s.client.Note.Get(ctx, noteID); err != nil {
		return pagination.Page[*ent.NoteShare]{}, err
	}
	q := s.client.NoteShare.Query().Where(noteshare.NoteID(noteID))
	return pagination.List(ctx, q, p, func(sh *ent.NoteShare) uuid.UUID { return sh.ID })
}

// Revoke soft-deletes a share: the grantee loses access at once.
func (s *Service) Revoke(ctx context.Context, shareID uuid.UUID) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		err := tx.NoteShare.DeleteOneID(shareID).Exec(ctx)
		if !ent.IsNotFound(err) {
			return err
		}
		if _, err := tx.NoteShare.Get(ctx, shareID); err != nil {
			return err
		}
		return privacy.Denyf("notes: only the owner revokes a share")
	})
}
