package api

import (
	"context"

	"github.com/worksynapse/worksynapse/ent/note"
	"github.com/worksynapse/worksynapse/ent/noteshare"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/notes"
	"github.com/worksynapse/worksynapse/internal/oas"
)

// The note operations map the fields each request schema names onto the
// notes service (owner, organization and version are never read from a
// body); visibility and permissions are the privacy rules' job.

// CreateNote implements POST /organizations/{org_id}/notes.
func (h *Handler) CreateNote(ctx context.Context, req *oas.NoteCreateRequest, params oas.CreateNoteParams) (oas.CreateNoteRes, error) {
	n, err := h.notes.Create(ctx, params.OrgID, notes.CreateInput{
		Title: req.Title, Content: req.Content.Or(""), FolderID: optPtr(req.FolderID), ProjectID: optPtr(req.ProjectID),
		Visibility: optEnum[note.Visibility](req.Visibility), Pinned: req.Pinned.Or(false),
	})
	return withETag(n, err)
}

// GetNote implements GET /notes/{note_id}.
func (h *Handler) GetNote(ctx context.Context, params oas.GetNoteParams) (oas.GetNoteRes, error) {
	return withETag(h.notes.Get(ctx, params.NoteID))
}

// UpdateNote implements PATCH /notes/{note_id} (If-Match).
func (h *Handler) UpdateNote(ctx context.Context, req *oas.NoteUpdateRequest, params oas.UpdateNoteParams) (oas.UpdateNoteRes, error) {
	version, err := ifMatchVersion(params.IfMatch)
	if err != nil {
		return nil, err
	}
	return withETag(h.notes.Update(ctx, params.NoteID, version, notes.UpdateInput{
		Title: optPtr(req.Title), Content: optPtr(req.Content),
		FolderID: patchOpt(req.FolderID), ProjectID: patchOpt(req.ProjectID),
		Visibility: optEnum[note.Visibility](req.Visibility), Pinned: optPtr(req.Pinned), Archived: optPtr(req.Archived),
	}))
}

// DeleteNote implements DELETE /notes/{note_id}.
func (h *Handler) DeleteNote(ctx context.Context, params oas.DeleteNoteParams) (oas.DeleteNoteRes, error) {
	return &oas.DeleteNoteNoContent{}, h.notes.Delete(ctx, params.NoteID)
}

// ListNotes implements GET /organizations/{org_id}/notes (list and search).
func (h *Handler) ListNotes(ctx context.Context, params oas.ListNotesParams) (oas.ListNotesRes, error) {
	page, err := h.notes.List(ctx, params.OrgID, notes.Filter{
		FolderID: optPtr(params.FolderID), ProjectID: optPtr(params.ProjectID), TagID: optPtr(params.TagID),
		OwnerID: optPtr(params.OwnerID), Pinned: optPtr(params.Pinned), Archived: params.Archived.Or(false),
		Q: params.Q.Or(""),
	}, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.NoteSummaryPage{Items: convertAll(page.Items, deref(toAPINoteSummary)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// ListNoteVersions implements GET /notes/{note_id}/versions.
func (h *Handler) ListNoteVersions(ctx context.Context, params oas.ListNoteVersionsParams) (oas.ListNoteVersionsRes, error) {
	page, err := h.notes.ListVersions(ctx, params.NoteID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.NoteVersionSummaryPage{Items: convertAll(page.Items, deref(apiconv.NoteVersionSummary)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// GetNoteVersion implements GET /notes/{note_id}/versions/{version}.
func (h *Handler) GetNoteVersion(ctx context.Context, params oas.GetNoteVersionParams) (oas.GetNoteVersionRes, error) {
	v, err := h.notes.GetVersion(ctx, params.NoteID, params.Version)
	if err != nil {
		return nil, err
	}
	return apiconv.NoteVersionInfo(v), nil
}

// RestoreNoteVersion implements POST /notes/{note_id}/versions/{version}/restore.
func (h *Handler) RestoreNoteVersion(ctx context.Context, params oas.RestoreNoteVersionParams) (oas.RestoreNoteVersionRes, error) {
	current, err := ifMatchVersion(params.IfMatch)
	if err != nil {
		return nil, err
	}
	return withETag(h.notes.Restore(ctx, params.NoteID, current, params.Version))
}

// DiffNoteVersions implements GET /notes/{note_id}/diff.
func (h *Handler) DiffNoteVersions(ctx context.Context, params oas.DiffNoteVersionsParams) (oas.DiffNoteVersionsRes, error) {
	d, err := h.notes.Diff(ctx, params.NoteID, params.From, params.To)
	if err != nil {
		return nil, err
	}
	return ToAPINoteDiff(d), nil
}

// ShareNote implements POST /notes/{note_id}/shares.
func (h *Handler) ShareNote(ctx context.Context, req *oas.NoteShareRequest, params oas.ShareNoteParams) (oas.ShareNoteRes, error) {
	perm := noteshare.PermissionView
	if p := optEnum[noteshare.Permission](req.Permission); p != nil {
		perm = *p
	}
	s, err := h.notes.Share(ctx, params.NoteID, notes.ShareInput{
		UserID: optPtr(req.UserID), ProjectID: optPtr(req.ProjectID), Permission: perm, ExpiresAt: optPtr(req.ExpiresAt),
	})
	if err != nil {
		return nil, err
	}
	return ToAPINoteShare(s), nil
}

// ListNoteShares implements GET /notes/{note_id}/shares.
func (h *Handler) ListNoteShares(ctx context.Context, params oas.ListNoteSharesParams) (oas.ListNoteSharesRes, error) {
	page, err := h.notes.ListShares(ctx, params.NoteID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.NoteSharePage{Items: convertAll(page.Items, deref(ToAPINoteShare)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// RevokeNoteShare implements DELETE /note-shares/{share_id}.
func (h *Handler) RevokeNoteShare(ctx context.Context, params oas.RevokeNoteShareParams) (oas.RevokeNoteShareRes, error) {
	return &oas.RevokeNoteShareNoContent{}, h.notes.Revoke(ctx, params.ShareID)
}
