package api

import (
	"context"

	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/notes"
	"github.com/worksynapse/worksynapse/internal/oas"
)

// Folders, tags and comment threads of notes.

// CreateNoteFolder implements POST /organizations/{org_id}/note-folders.
func (h *Handler) CreateNoteFolder(ctx context.Context, req *oas.NoteFolderCreateRequest, params oas.CreateNoteFolderParams) (oas.CreateNoteFolderRes, error) {
	f, err := h.notes.CreateFolder(ctx, params.OrgID, notes.FolderInput{
		Name: &req.Name, Parent: notes.Opt[uuidT]{Set: req.ParentID.IsSet(), Value: optPtr(req.ParentID)},
		Position: optPtr(req.Position),
	})
	if err != nil {
		return nil, err
	}
	return apiconv.NoteFolderInfo(f), nil
}

// ListNoteFolders implements GET /organizations/{org_id}/note-folders.
func (h *Handler) ListNoteFolders(ctx context.Context, params oas.ListNoteFoldersParams) (oas.ListNoteFoldersRes, error) {
	page, err := h.notes.ListFolders(ctx, params.OrgID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.NoteFolderPage{Items: convertAll(page.Items, deref(apiconv.NoteFolderInfo)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// UpdateNoteFolder implements PATCH /note-folders/{folder_id}.
func (h *Handler) UpdateNoteFolder(ctx context.Context, req *oas.NoteFolderUpdateRequest, params oas.UpdateNoteFolderParams) (oas.UpdateNoteFolderRes, error) {
	f, err := h.notes.UpdateFolder(ctx, params.FolderID, notes.FolderInput{
		Name: optPtr(req.Name), Parent: patchOpt(req.ParentID), Position: optPtr(req.Position),
	})
	if err != nil {
		return nil, err
	}
	return apiconv.NoteFolderInfo(f), nil
}

// DeleteNoteFolder implements DELETE /note-folders/{folder_id}.
func (h *Handler) DeleteNoteFolder(ctx context.Context, params oas.DeleteNoteFolderParams) (oas.DeleteNoteFolderRes, error) {
	return &oas.DeleteNoteFolderNoContent{}, h.notes.DeleteFolder(ctx, params.FolderID, params.Recursive.Or(false))
}

// CreateNoteTag implements POST /organizations/{org_id}/note-tags.
func (h *Handler) CreateNoteTag(ctx context.Context, req *oas.NoteTagCreateRequest, params oas.CreateNoteTagParams) (oas.CreateNoteTagRes, error) {
	t, err := h.notes.CreateTag(ctx, params.OrgID, notes.TagInput{Name: &req.Name, Color: optPtr(req.Color)})
	if err != nil {
		return nil, err
	}
	return apiconv.NoteTagInfo(t), nil
}

// ListNoteTags implements GET /organizations/{org_id}/note-tags.
func (h *Handler) ListNoteTags(ctx context.Context, params oas.ListNoteTagsParams) (oas.ListNoteTagsRes, error) {
	page, err := h.notes.ListTags(ctx, params.OrgID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.NoteTagPage{Items: convertAll(page.Items, deref(apiconv.NoteTagInfo)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// UpdateNoteTag implements PATCH /note-tags/{tag_id}.
func (h *Handler) UpdateNoteTag(ctx context.Context, req *oas.NoteTagUpdateRequest, params oas.UpdateNoteTagParams) (oas.UpdateNoteTagRes, error) {
	t, err := h.notes.UpdateTag(ctx, params.TagID, notes.TagInput{Name: optPtr(req.Name), Color: optPtr(req.Color)})
	if err != nil {
		return nil, err
	}
	return apiconv.NoteTagInfo(t), nil
}

// DeleteNoteTag implements DELETE /note-tags/{tag_id}.
func (h *Handler) DeleteNoteTag(ctx context.Context, params oas.DeleteNoteTagParams) (oas.DeleteNoteTagRes, error) {
	return &oas.DeleteNoteTagNoContent{}, h.notes.DeleteTag(ctx, params.TagID)
}

// AttachNoteTag implements PUT /notes/{note_id}/tags/{tag_id}.
func (h *Handler) AttachNoteTag(ctx context.Context, params oas.AttachNoteTagParams) (oas.AttachNoteTagRes, error) {
	return &oas.AttachNoteTagNoContent{}, h.notes.SetTag(ctx, params.NoteID, params.TagID, true)
}

// DetachNoteTag implements DELETE /notes/{note_id}/tags/{tag_id}.
func (h *Handler) DetachNoteTag(ctx context.Context, params oas.DetachNoteTagParams) (oas.DetachNoteTagRes, error) {
	return &oas.DetachNoteTagNoContent{}, h.notes.SetTag(ctx, params.NoteID, params.TagID, false)
}

// CreateNoteComment implements POST /notes/{note_id}/comments.
func (h *Handler) CreateNoteComment(ctx context.Context, req *oas.NoteCommentCreateRequest, params oas.CreateNoteCommentParams) (oas.CreateNoteCommentRes, error) {
	c, err := h.notes.CreateComment(ctx, params.NoteID, notes.CommentInput{
		Body: req.Body, ParentID: optPtr(req.ParentID), Quote: req.Quote.Or(""), Prefix: req.Prefix.Or(""),
		Suffix: req.Suffix.Or(""), Start: optPtr(req.StartOffset),
	})
	if err != nil {
		return nil, err
	}
	return ToAPINoteComment(c), nil
}

// ListNoteComments implements GET /notes/{note_id}/comments.
func (h *Handler) ListNoteComments(ctx context.Context, params oas.ListNoteCommentsParams) (oas.ListNoteCommentsRes, error) {
	page, err := h.notes.ListComments(ctx, params.NoteID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.NoteCommentPage{Items: convertAll(page.Items, deref(ToAPINoteComment)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// EditNoteComment implements PATCH /note-comments/{comment_id}.
func (h *Handler) EditNoteComment(ctx context.Context, req *oas.NoteCommentUpdateRequest, params oas.EditNoteCommentParams) (oas.EditNoteCommentRes, error) {
	c, err := h.notes.EditComment(ctx, params.CommentID, req.Body)
	if err != nil {
		return nil, err
	}
	return ToAPINoteComment(c), nil
}

// DeleteNoteComment implements DELETE /note-comments/{comment_id}.
func (h *Handler) DeleteNoteComment(ctx context.Context, params oas.DeleteNoteCommentParams) (oas.DeleteNoteCommentRes, error) {
	return &oas.DeleteNoteCommentNoContent{}, h.notes.DeleteComment(ctx, params.CommentID)
}

// ResolveNoteComment implements POST /note-comments/{comment_id}/resolve.
func (h *Handler) ResolveNoteComment(ctx context.Context, params oas.ResolveNoteCommentParams) (oas.ResolveNoteCommentRes, error) {
	c, err := h.notes.Resolve(ctx, params.CommentID, true)
	if err != nil {
		return nil, err
	}
	return ToAPINoteComment(c), nil
}

// UnresolveNoteComment implements DELETE /note-comments/{comment_id}/resolve.
func (h *Handler) UnresolveNoteComment(ctx context.Context, params oas.UnresolveNoteCommentParams) (oas.UnresolveNoteCommentRes, error) {
	c, err := h.notes.Resolve(ctx, params.CommentID, false)
	if err != nil {
		return nil, err
	}
	return ToAPINoteComment(c), nil
}
