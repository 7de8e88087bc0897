package api

import (
	"time"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/notes"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/richtext"
)

// notesOpt maps an OptNil field of a PATCH body (null clears) to the
// notes service's Opt, which has the same shape as the tasks one.
func notesOpt[T any](o nilable[T]) notes.Opt[T] { return notes.Opt[T](patch(o)) }

// withETag wraps a note response with its ETag: the content version as a
// strong tag ("3"), which ifMatchVersion accepts back in If-Match.
func withETag(n *ent.Note, err error) (*oas.NoteInfoHeaders, error) {
	if err != nil {
		return nil, err
	}
	return &oas.NoteInfoHeaders{ETag: versionETag(n.Version), Response: *ToAPINoteWithContent(n)}, nil
}

// ToAPINoteWithContent converts a note with its Markdown content and the
// content rendered to sanitized HTML.
func ToAPINoteWithContent(n *ent.Note) *oas.NoteInfo {
	out := ToAPINote(n)
	out.Content = oas.NewOptString(n.Content)
	if html, err := richtext.HTML(n.Content); err == nil {
		out.ContentHTML = oas.NewOptString(html)
	}
	return out
}

// ToAPINote converts a note without its content (lists select every
// column but the content).
func ToAPINote(n *ent.Note) *oas.NoteInfo {
	out := &oas.NoteInfo{
		ID: n.ID, OrganizationID: n.OrganizationID, Title: n.Title, OwnerID: n.OwnerID,
		Visibility: oas.NoteVisibility(n.Visibility), Pinned: n.Pinned, Archived: n.ArchivedAt != nil,
		Version: n.Version, ContentSize: n.ContentSize, Tags: mapItems(n.Edges.Tags, ToAPINoteTag),
		CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt,
	}
	setOpt(&out.FolderID, n.FolderID, oas.NewOptUUID)
	setOpt(&out.ProjectID, n.ProjectID, oas.NewOptUUID)
	setOpt(&out.ArchivedAt, n.ArchivedAt, oas.NewOptDateTime)
	return out
}

// ToAPINoteTag converts a tag definition.
func ToAPINoteTag(t *ent.NoteTagDefinition) *oas.NoteTagInfo {
	return &oas.NoteTagInfo{ID: t.ID, OrganizationID: t.OrganizationID, Name: t.Name, Color: t.Color, CreatedAt: t.CreatedAt}
}

// ToAPINoteVersion converts a version with its content.
func ToAPINoteVersion(v *ent.NoteVersion) *oas.NoteVersionInfo {
	out := toAPINoteVersionSummary(v)
	out.Content = oas.NewOptString(v.Content)
	return out
}

// toAPINoteVersionSummary converts a version for the history list.
func toAPINoteVersionSummary(v *ent.NoteVersion) *oas.NoteVersionInfo {
	return &oas.NoteVersionInfo{ID: v.ID, NoteID: v.NoteID, Version: v.Version, Title: v.Title,
		EditorID: v.EditorID, SizeBytes: v.SizeBytes, CreatedAt: v.CreatedAt}
}

// ToAPINoteDiff converts a diff of two versions.
func ToAPINoteDiff(d notes.Diff) *oas.NoteDiff {
	seg := func(s notes.Segment) oas.NoteDiffSegment {
		return oas.NoteDiffSegment{Op: oas.NoteDiffSegmentOp(s.Op), Text: s.Text}
	}
	return &oas.NoteDiff{From: d.From.Version, To: d.To.Version, Unified: d.Unified,
		Title: convertAll(d.Title, seg), Words: convertAll(d.Words, seg)}
}

// ToAPINoteShare converts a share; expired tells the owner it grants
// nothing any more.
func ToAPINoteShare(s *ent.NoteShare) *oas.NoteShareInfo {
	out := &oas.NoteShareInfo{ID: s.ID, NoteID: s.NoteID, Permission: oas.NoteSharePermission(s.Permission),
		Expired: s.ExpiresAt != nil && !s.ExpiresAt.After(time.Now()), CreatedByID: s.CreatedByID, CreatedAt: s.CreatedAt}
	setOpt(&out.UserID, s.UserID, oas.NewOptUUID)
	setOpt(&out.ProjectID, s.ProjectID, oas.NewOptUUID)
	setOpt(&out.ExpiresAt, s.ExpiresAt, oas.NewOptDateTime)
	return out
}

// ToAPINoteFolder converts a folder.
func ToAPINoteFolder(f *ent.NoteFolder) *oas.NoteFolderInfo {
	out := &oas.NoteFolderInfo{ID: f.ID, OrganizationID: f.OrganizationID, Name: f.Name, Position: f.Position,
		CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
	setOpt(&out.ParentID, f.ParentID, oas.NewOptUUID)
	return out
}

// ToAPINoteComment converts a comment with its body rendered to sanitized
// HTML and its anchor.
func ToAPINoteComment(c *ent.NoteComment) *oas.NoteCommentInfo {
	out := &oas.NoteCommentInfo{ID: c.ID, NoteID: c.NoteID, AuthorID: c.AuthorID, Body: c.Body,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if html, err := richtext.HTML(c.Body); err == nil {
		out.BodyHTML = html
	}
	setOpt(&out.ParentID, c.ParentID, oas.NewOptUUID)
	if c.AnchorStatus != nil {
		out.Quote, out.Prefix, out.Suffix = oas.NewOptString(c.Quote), oas.NewOptString(c.Prefix), oas.NewOptString(c.Suffix)
		out.AnchorStatus = oas.NewOptNoteCommentInfoAnchorStatus(oas.NoteCommentInfoAnchorStatus(*c.AnchorStatus))
	}
	setOpt(&out.StartOffset, c.StartOffset, oas.NewOptInt)
	setOpt(&out.EndOffset, c.EndOffset, oas.NewOptInt)
	setOpt(&out.ResolvedAt, c.ResolvedAt, oas.NewOptDateTime)
	setOpt(&out.ResolvedByID, c.ResolvedByID, oas.NewOptUUID)
	return out
}
