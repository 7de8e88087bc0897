package api

import (
	"time"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/notes"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/richtext"
)

// withETag wraps a note response with its ETag: the content version as a
// strong tag ("3"), which ifMatchVersion accepts back in If-Match.
func withETag(n *ent.Note, err error) (*oas.NoteInfoHeaders, error) {
	if err != nil {
		return nil, err
	}
	return &oas.NoteInfoHeaders{ETag: versionETag(n.Version), Response: *ToAPINote(n)}, nil
}

// ToAPINote converts a note with its Markdown content, adding the content
// rendered to sanitized HTML, archived and the tags (loaded with it).
func ToAPINote(n *ent.Note) *oas.NoteInfo {
	out := apiconv.NoteInfo(n)
	if html, err := richtext.HTML(n.Content); err == nil {
		out.ContentHTML = html
	}
	out.Archived = n.ArchivedAt != nil
	out.Tags = convertAll(n.Edges.Tags, deref(apiconv.NoteTagInfo))
	return out
}

// toAPINoteSummary converts a note of a list (lists select every column
// but the content).
func toAPINoteSummary(n *ent.Note) *oas.NoteSummary {
	out := apiconv.NoteSummary(n)
	out.Archived = n.ArchivedAt != nil
	out.Tags = convertAll(n.Edges.Tags, deref(apiconv.NoteTagInfo))
	return out
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
	out := apiconv.NoteShareInfo(s)
	out.Expired = s.ExpiresAt != nil && !s.ExpiresAt.After(time.Now())
	return out
}

// ToAPINoteComment converts a comment with its body rendered to sanitized
// HTML.
func ToAPINoteComment(c *ent.NoteComment) *oas.NoteCommentInfo {
	out := apiconv.NoteCommentInfo(c)
	if html, err := richtext.HTML(c.Body); err == nil {
		out.BodyHTML = html
	}
	return out
}
