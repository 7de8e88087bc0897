package notes

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/note"
	"github.com/worksynapse/worksynapse/ent/notefolder"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/patch"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// maxFolderDepth bounds walks of the folder tree; a deeper chain is
// refused rather than followed forever.
const maxFolderDepth = 64

// FolderInput are a folder's writable fields; nil leaves one unchanged
// (Parent.Set with a nil Value moves it to the top level).
type FolderInput struct {
	Name     *string
	Parent   Opt[uuid.UUID]
	Position *int
}

// CreateFolder adds a folder to the organization, under Parent if given.
func (s *Service) CreateFolder(ctx context.Context, orgID uuid.UUID, in FolderInput) (*ent.NoteFolder, error) {
	var out *ent.NoteFolder
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if err := rule.RequireOrganization(ctx, tx.Client(), orgID); err != nil {
			return err
		}
		if err := checkParent(ctx, tx, orgID, uuid.Nil, in.Parent.Value); err != nil {
			return err
		}
		f, err := tx.NoteFolder.Create().SetOrganizationID(orgID).SetName(deref(in.Name, "")).
			SetNillableParentID(in.Parent.Value).SetNillablePosition(in.Position).Save(ctx)
		out = f
		return err
	})
	return out, err
}

// ListFolders returns one page of the organization's folders (the whole
// tree, newest first; parent_id links them).
func (s *Service) ListFolders(ctx context.Context, orgID uuid.UUID, p pagination.Params) (pagination.Page[*ent.NoteFolder], error) {
	if err := rule.RequireOrganization(ctx, s.client, orgID); err != nil {
		return pagination.Page[*ent.NoteFolder]{}, err
	}
	q := s.client.NoteFolder.Query().Where(notefolder.OrganizationID(orgID))
	return pagination.List(ctx, q, p, func(f *ent.NoteFolder) uuid.UUID { return f.ID })
}

// UpdateFolder renames, reorders or moves a folder. Moving it under
// itself or one of its descendants would cut the subtree off the tree:
// 409.
func (s *Service) UpdateFolder(ctx context.Context, id uuid.UUID, in FolderInput) (*ent.NoteFolder, error) {
	var out *ent.NoteFolder
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		f, err := tx.NoteFolder.Get(ctx, id)
		if err != nil {
			return err
		}
		u := tx.NoteFolder.UpdateOneID(id).SetNillableName(in.Name).SetNillablePosition(in.Position)
		if in.Parent.Set {
			if err := checkParent(ctx, tx, f.OrganizationID, f.ID, in.Parent.Value); err != nil {
				return err
			}
			patch.Apply(in.Parent, u.SetParentID, u.ClearParentID)
		}
		out, err = u.Save(ctx)
		return err
	})
	return out, err
}

// checkParent validates a (new) parent of folder self (uuid.Nil for a new
// folder): a folder of the same organization that is neither self nor
// below it.
func checkParent(ctx context.Context, tx *ent.Tx, orgID, self uuid.UUID, parent *uuid.UUID) error {
	if parent == nil {
		return nil
	}
	id := *parent
	for range maxFolderDepth {
		if id == self {
			return problem.Conflict("a folder cannot be moved into itself or one of its subfolders")
		}
		f, err := tx.NoteFolder.Query().Where(notefolder.ID(id), notefolder.OrganizationID(orgID)).Only(ctx)
		if ent.IsNotFound(err) {
			return problem.Validation("the parent folder is invalid",
				problem.FieldError{Field: "parent_id", Message: "not a folder of this organization"})
		}
		if err != nil {
			return err
		}
		if f.ParentID == nil {
			return nil
		}
		id = *f.ParentID
	}
	return problem.Conflict("the folder tree is too deep")
}

// DeleteFolder soft-deletes a folder. A folder holding notes or
// subfolders is refused with 409 unless recursive, which soft-deletes the
// whole subtree with its notes in one transaction; if the viewer may not
// delete every one of those notes (others' notes without note:manage),
// nothing is deleted and the answer is 409.
func (s *Service) DeleteFolder(ctx context.Context, id uuid.UUID, recursive bool) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		f, err := tx.NoteFolder.Get(ctx, id)
		if err != nil {
			return err
		}
		tree, err := subtree(ctx, tx, f.ID)
		if err != nil {
			return err
		}
		// Why a system context: a folder is not empty because the viewer
		// cannot see the private notes in it.
		sys := viewer.NewSystemContext(ctx, "notes: count a folder's notes")
		count, err := tx.Note.Query().Where(note.FolderIDIn(tree...)).Count(sys)
		if err != nil {
			return err
		}
		if !recursive && (count > 0 || len(tree) > 1) {
			return problem.Conflict(fmt.Sprintf("the folder holds %d notes and %d subfolders: delete them first or pass recursive=true", count, len(tree)-1))
		}
		deleted, err := tx.Note.Delete().Where(note.FolderIDIn(tree...)).Exec(ctx)
		if err != nil {
			return err
		}
		if deleted < count {
			return problem.Conflict(fmt.Sprintf("you may not delete %d of the folder's %d notes; nothing was deleted", count-deleted, count))
		}
		n, err := tx.NoteFolder.Delete().Where(notefolder.IDIn(tree...)).Exec(ctx)
		if err == nil && n < len(tree) {
			return privacy.Denyf("notes: the viewer may not delete these folders")
		}
		return err
	})
}

// subtree lists root and every folder below it, breadth first.
func subtree(ctx context.Context, tx *ent.Tx, root uuid.UUID) ([]uuid.UUID, error) {
	all, level := []uuid.UUID{root}, []uuid.UUID{root}
	for depth := 0; len(level) > 0; depth++ {
		if depth > maxFolderDepth {
			return nil, problem.Conflict("the folder tree is too deep")
		}
		next, err := tx.NoteFolder.Query().Where(notefolder.ParentIDIn(level...)).IDs(ctx)
		if err != nil {
			return nil, err
		}
		all, level = append(all, next...), next
	}
	return all, nil
}
