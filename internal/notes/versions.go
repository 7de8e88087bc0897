package notes

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/note"
	"github.com/worksynapse/worksynapse/ent/noteversion"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
)

// ListVersions returns one page of a note's history, newest first.
func (s *Service) ListVersions(ctx context.Context, noteID uuid.UUID, p pagination.Params) (pagination.Page[*ent.NoteVersion], error) {
	if _, err := s.client.Note.Get(ctx, noteID); err != nil {
		return pagination.Page[*ent.NoteVersion]{}, err
	}
	q := s.client.NoteVersion.Query().Where(noteversion.NoteID(noteID))
	return pagination.List(ctx, q, p, func(v *ent.NoteVersion) uuid.UUID { return v.ID })
}

// GetVersion returns version number n of a visible note.
func (s *Service) GetVersion(ctx context.Context, noteID uuid.UUID, n int) (*ent.NoteVersion, error) {
	return version(ctx, s.client, noteID, n)
}

func version(ctx context.Context, c *ent.Client, noteID uuid.UUID, n int) (*ent.NoteVersion, error) {
	v, err := c.NoteVersion.Query().Where(noteversion.NoteID(noteID), noteversion.Version(n)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, problem.NotFound(fmt.Sprintf("the note has no version %d", n))
	}
	return v, err
}

// Diff is the change from one version of a note to another.
type Diff struct {
	From, To *ent.NoteVersion
	// Unified is a unified line diff of the content (diff -u format).
	Unified string
	// Title and Words are word-level diffs of the title and the content.
	Title, Words []Segment
}

// Diff compares versions from and to of a note (either order).
func (s *Service) Diff(ctx context.Context, noteID uuid.UUID, from, to int) (Diff, error) {
	a, err := version(ctx, s.client, noteID, from)
	if err != nil {
		return Diff{}, err
	}
	b, err := version(ctx, s.client, noteID, to)
	if err != nil {
		return Diff{}, err
	}
	return Diff{
		From: a, To: b,
		Unified: UnifiedDiff(a.Content, b.Content, fmt.Sprintf("version %d", from), fmt.Sprintf("version %d", to)),
		Title:   WordDiff(a.Title, b.Title),
		Words:   WordDiff(a.Content, b.Content),
	}, nil
}

// Restore makes version n the note's current text again as a new version
// (history is never rewritten), under the same If-Match rule as an edit.
func (s *Service) Restore(ctx context.Context, noteID uuid.UUID, ifMatch, n int) (*ent.Note, error) {
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		cur, err := tx.Note.Get(ctx, noteID)
		if err != nil {
			return err
		}
		if cur.Version != ifMatch {
			return stale()
		}
		old, err := version(ctx, tx.Client(), noteID, n)
		if err != nil {
			return err
		}
		saved, err := tx.Note.UpdateOneID(noteID).Where(note.Version(ifMatch)).
			SetTitle(old.Title).SetContent(old.Content).SetContentSize(len(old.Content)).AddVersion(1).Save(ctx)
		if ent.IsNotFound(err) {
			return whyMissed(ctx, tx, noteID, &ifMatch)
		}
		if err != nil {
			return err
		}
		return afterContentChange(ctx, tx, saved)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, noteID)
}
