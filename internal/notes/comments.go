package notes

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/notecomment"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// CommentInput is a new comment: a reply (ParentID) or a thread's first
// comment, anchored to a passage when Quote is set. Prefix and Suffix
// disambiguate a quote that occurs more than once and Start is the
// client's offset hint (code points); the server finds the passage itself
// and stores the context around it.
type CommentInput struct {
	Body                  string
	ParentID              *uuid.UUID
	Quote, Prefix, Suffix string
	Start                 *int
}

// CreateComment adds a comment (needs comment access to the note: the
// privacy rules check it).
func (s *Service) CreateComment(ctx context.Context, noteID uuid.UUID, in CommentInput) (*ent.NoteComment, error) {
	var out *ent.NoteComment
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		n, err := tx.Note.Get(ctx, noteID)
		if err != nil {
			return err
		}
		c := tx.NoteComment.Create().SetOrganizationID(n.OrganizationID).SetNoteID(n.ID).
			SetAuthorID(viewer.FromContext(ctx).UserID).SetBody(in.Body)
		if in.ParentID != nil {
			if err := checkThread(ctx, tx, n.ID, *in.ParentID, in.Quote); err != nil {
				return err
			}
			c.SetParentID(*in.ParentID)
		}
		if in.Quote != "" {
			a, ok := Locate(n.Content, Anchor{Quote: in.Quote, Prefix: in.Prefix, Suffix: in.Suffix}, deref(in.Start, 0))
			if !ok {
				return problem.Validation("the quote is not in the note",
					problem.FieldError{Field: "quote", Message: "does not occur in the note's current content"})
			}
			// The stored context is the text actually around the passage
			// found, whatever context the client sent to find it.
			a = WithContext(n.Content, Anchor{Quote: a.Quote, Start: a.Start, End: a.End})
			c.SetQuote(a.Quote).SetPrefix(a.Prefix).SetSuffix(a.Suffix).SetStartOffset(a.Start).
				SetEndOffset(a.End).SetAnchorStatus(notecomment.AnchorStatusAnchored)
		}
		out, err = c.Save(ctx)
		return err
	})
	return out, err
}

// checkThread: replies go to a thread's first comment on the same note
// and are not anchored themselves (the thread is).
func checkThread(ctx context.Context, tx *ent.Tx, noteID, parentID uuid.UUID, quote string) error {
	p, err := tx.NoteComment.Query().Where(notecomment.ID(parentID), notecomment.NoteID(noteID)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return problem.Validation("the parent is invalid",
			problem.FieldError{Field: "parent_id", Message: "not a comment of this note"})
	case err != nil:
		return err
	case p.ParentID != nil:
		return problem.Validation("the parent is invalid",
			problem.FieldError{Field: "parent_id", Message: "reply to the thread's first comment"})
	case quote != "":
		return problem.Validation("replies are not anchored",
			problem.FieldError{Field: "quote", Message: "only a thread's first comment has a quote"})
	}
	return nil
}

// ListComments returns one page of a note's comments, oldest first
// (threads read top-down; parent_id groups replies).
func (s *Service) ListComments(ctx context.Context, noteID uuid.UUID, p pagination.Params) (pagination.Page[*ent.NoteComment], error) {
	if _, err := s.client.Note.Get(ctx, noteID); err != nil {
		return pagination.Page[*ent.NoteComment]{}, err
	}
	q := s.client.NoteComment.Query().Where(notecomment.NoteID(noteID))
	return pagination.ListSorted(ctx, q, p, pagination.Sort[*ent.NoteComment]{Name: "oldest"},
		func(c *ent.NoteComment) uuid.UUID { return c.ID })
}

// EditComment changes a comment's body (its author only).
func (s *Service) EditComment(ctx context.Context, id uuid.UUID, body string) (*ent.NoteComment, error) {
	return s.updateComment(ctx, id, func(u *ent.NoteCommentUpdateOne) { u.SetBody(body) })
}

// Resolve marks a thread resolved (or open again). Only a thread's first
// comment carries the state.
func (s *Service) Resolve(ctx context.Context, id uuid.UUID, resolved bool) (*ent.NoteComment, error) {
	c, err := s.client.NoteComment.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.ParentID != nil {
		return nil, problem.Conflict("resolve the thread through its first comment")
	}
	return s.updateComment(ctx, id, func(u *ent.NoteCommentUpdateOne) {
		if resolved {
			u.SetResolvedAt(time.Now()).SetResolvedByID(viewer.FromContext(ctx).UserID)
		} else {
			u.ClearResolvedAt().ClearResolvedByID()
		}
	})
}

// DeleteComment soft-deletes a comment (its author or a note manager).
func (s *Service) DeleteComment(ctx context.Context, id uuid.UUID) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		err := tx.NoteComment.DeleteOneID(id).Exec(ctx)
		if ent.IsNotFound(err) {
			return commentMissed(ctx, tx, id)
		}
		return err
	})
}

func (s *Service) updateComment(ctx context.Context, id uuid.UUID, set func(*ent.NoteCommentUpdateOne)) (*ent.NoteComment, error) {
	var out *ent.NoteComment
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		u := tx.NoteComment.UpdateOneID(id)
		set(u)
		var err error
		out, err = u.Save(ctx)
		if ent.IsNotFound(err) {
			return commentMissed(ctx, tx, id)
		}
		return err
	})
	return out, err
}

// commentMissed: a write matched nothing; 404 if the comment is not
// visible, else 403 (visible but not the viewer's to change).
func commentMissed(ctx context.Context, tx *ent.Tx, id uuid.UUID) error {
	if _, err := tx.NoteComment.Get(ctx, id); err != nil {
		return err
	}
	return privacy.Denyf("notes: comment %s is not writable for the viewer", id)
}

// reanchor finds every anchored comment of the note in its new content:
// found quotes get their new offsets (anchored), lost ones are marked
// orphaned with their quote kept, and an orphan whose quote is back (a
// restore) is anchored again.
func reanchor(ctx context.Context, tx *ent.Tx, n *ent.Note) error {
	// Why a system context: moving anchors is bookkeeping of the edit; the
	// editor may not edit other people's comments.
	sys := viewer.NewSystemContext(ctx, "notes: re-anchor comments after an edit")
	cs, err := tx.NoteComment.Query().Where(notecomment.NoteID(n.ID), notecomment.AnchorStatusNotNil()).All(sys)
	if err != nil {
		return err
	}
	for _, c := range cs {
		hint := deref(c.StartOffset, 0)
		a, ok := Locate(n.Content, Anchor{Quote: c.Quote, Prefix: c.Prefix, Suffix: c.Suffix}, hint)
		u := tx.NoteComment.UpdateOne(c)
		switch {
		case ok && (*c.AnchorStatus != notecomment.AnchorStatusAnchored || hint != a.Start || deref(c.EndOffset, -1) != a.End):
			u.SetAnchorStatus(notecomment.AnchorStatusAnchored).SetStartOffset(a.Start).SetEndOffset(a.End)
		case !ok && *c.AnchorStatus != notecomment.AnchorStatusOrphaned:
			u.SetAnchorStatus(notecomment.AnchorStatusOrphaned).ClearStartOffset().ClearEndOffset()
		default:
			continue
		}
		if err := u.Exec(sys); err != nil {
			return err
		}
	}
	return nil
}
