package notes

import (
	"context"
	"strings"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/note"
	"github.com/worksynapse/worksynapse/ent/notetagdefinition"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// TagInput are a tag's writable fields; nil leaves one unchanged.
type TagInput struct {
	Name, Color *string
}

// CreateTag defines a tag in the organization. Names are unique
// case-insensitively (the name_key index): "Design" after "design" is 409.
func (s *Service) CreateTag(ctx context.Context, orgID uuid.UUID, in TagInput) (*ent.NoteTagDefinition, error) {
	var out *ent.NoteTagDefinition
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if err := rule.RequireOrganization(ctx, tx.Client(), orgID); err != nil {
			return err
		}
		if err := tagNameFree(ctx, tx, orgID, uuid.Nil, in.Name); err != nil {
			return err
		}
		t, err := tx.NoteTagDefinition.Create().SetOrganizationID(orgID).SetName(deref(in.Name, "")).
			SetNillableColor(in.Color).Save(ctx)
		out = t
		return err
	})
	return out, err
}

// tagNameFree answers a clear 409 before the unique index would.
func tagNameFree(ctx context.Context, tx *ent.Tx, orgID, self uuid.UUID, name *string) error {
	if name == nil {
		return nil
	}
	taken, err := tx.NoteTagDefinition.Query().Where(notetagdefinition.OrganizationID(orgID),
		notetagdefinition.NameKey(strings.ToLower(*name)), notetagdefinition.IDNEQ(self)).Exist(ctx)
	if err != nil {
		return err
	}
	if taken {
		return problem.Conflict("a tag with this name (ignoring case) already exists")
	}
	return nil
}

// ListTags returns one page of the organization's tags.
func (s *Service) ListTags(ctx context.Context, orgID uuid.UUID, p pagination.Params) (pagination.Page[*ent.NoteTagDefinition], error) {
	if err := rule.RequireOrganization(ctx, s.client, orgID); err != nil {
		return pagination.Page[*ent.NoteTagDefinition]{}, err
	}
	q := s.client.NoteTagDefinition.Query().Where(notetagdefinition.OrganizationID(orgID))
	return pagination.List(ctx, q, p, func(t *ent.NoteTagDefinition) uuid.UUID { return t.ID })
}

// UpdateTag renames or recolors a tag.
func (s *Service) UpdateTag(ctx context.Context, id uuid.UUID, in TagInput) (*ent.NoteTagDefinition, error) {
	var out *ent.NoteTagDefinition
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		t, err := tx.NoteTagDefinition.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := tagNameFree(ctx, tx, t.OrganizationID, t.ID, in.Name); err != nil {
			return err
		}
		out, err = tx.NoteTagDefinition.UpdateOneID(id).SetNillableName(in.Name).SetNillableColor(in.Color).Save(ctx)
		return err
	})
	return out, err
}

// DeleteTag soft-deletes a tag; notes keep the link but no longer show
// the tag (reads hide deleted tags).
func (s *Service) DeleteTag(ctx context.Context, id uuid.UUID) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		return tx.NoteTagDefinition.DeleteOneID(id).Exec(ctx)
	})
}

// SetTag attaches (on) or detaches a tag of the note's organization;
// both are idempotent and need edit access to the note. No version is
// written: tags are not content.
func (s *Service) SetTag(ctx context.Context, noteID, tagID uuid.UUID, on bool) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		// The note's row lock orders concurrent tag changes of the note:
		// the second of two identical ones finds it done (SQLite runs one
		// writer at a time).
		q := tx.Note.Query().Where(note.ID(noteID))
		if s.dialect == dialect.Postgres {
			q = q.ForUpdate()
		}
		n, err := q.Only(ctx)
		if err != nil {
			return err
		}
		t, err := tx.NoteTagDefinition.Get(ctx, tagID)
		if err != nil || t.OrganizationID != n.OrganizationID {
			if err == nil || ent.IsNotFound(err) {
				return problem.NotFound("the tag does not exist in the note's organization")
			}
			return err
		}
		has, err := tx.Note.QueryTags(n).Where(notetagdefinition.ID(tagID)).Exist(ctx)
		if err != nil || has == on {
			return err
		}
		u := tx.Note.UpdateOneID(noteID)
		if on {
			u.AddTagIDs(tagID)
		} else {
			u.RemoveTagIDs(tagID)
		}
		err = u.Exec(ctx)
		if ent.IsNotFound(err) {
			return whyMissed(ctx, tx, noteID, nil)
		}
		return err
	})
}
