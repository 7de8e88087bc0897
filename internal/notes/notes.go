// Package notes is the logic behind the notes API: Markdown notes in
// folders, a version per content save under optimistic concurrency, diff
// and restore, shares, tags, anchored comment threads that follow their
// quoted text through edits, and search. Who may see or change what is
// decided by the privacy rules (internal/rule/notes.go); every read and
// write here runs as the viewer unless a comment says otherwise.
package notes

import (
	"context"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/note"
	"github.com/worksynapse/worksynapse/ent/notefolder"
	"github.com/worksynapse/worksynapse/ent/notetagdefinition"
	"github.com/worksynapse/worksynapse/ent/predicate"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/ent/project"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/patch"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Service implements the note operations.
type Service struct {
	client  *ent.Client
	dialect string
}

// New returns the service; dialect (dialect.Postgres or dialect.SQLite)
// decides how search matches text.
func New(client *ent.Client, dialectName string) *Service {
	return &Service{client: client, dialect: dialectName}
}

// Opt is an optional field of an update (see package patch).
type Opt[T any] = patch.Opt[T]

// CreateInput are the fields a client sets on a new note.
type CreateInput struct {
	Title, Content      string
	FolderID, ProjectID *uuid.UUID
	Visibility          *note.Visibility
	Pinned              bool
}

// Create adds a note owned by the viewer, with its version 1 snapshot.
func (s *Service) Create(ctx context.Context, orgID uuid.UUID, in CreateInput) (*ent.Note, error) {
	var out *ent.Note
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if err := rule.RequireOrganization(ctx, tx.Client(), orgID); err != nil {
			return err
		}
		vis := note.VisibilityPrivate
		if in.Visibility != nil {
			vis = *in.Visibility
		}
		if err := checkPlacement(ctx, tx, orgID, in.FolderID, in.ProjectID, vis); err != nil {
			return err
		}
		n, err := tx.Note.Create().SetOrganizationID(orgID).SetOwnerID(viewer.FromContext(ctx).UserID).
			SetTitle(in.Title).SetContent(in.Content).SetContentSize(len(in.Content)).SetVisibility(vis).
			SetNillableFolderID(in.FolderID).SetNillableProjectID(in.ProjectID).SetPinned(in.Pinned).Save(ctx)
		if err != nil {
			return err
		}
		out = n
		return writeVersion(ctx, tx, n)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, out.ID)
}

// Get returns a visible note with its tags.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (*ent.Note, error) {
	return s.client.Note.Query().Where(note.ID(id)).WithTags().Only(ctx)
}

// UpdateInput are the fields a client may change. Title and content
// changes make a new version; the others (placement, audience, pin,
// archive) change the note without one.
type UpdateInput struct {
	Title, Content      *string
	FolderID, ProjectID Opt[uuid.UUID]
	Visibility          *note.Visibility
	Pinned, Archived    *bool
}

// Update changes a note if version is still its version: the UPDATE is
// conditional on it, so of two editors who read the same version the
// second gets 412 and nothing changes. A title or content change bumps the
// version, stores the snapshot and re-anchors the comments, all in the
// same transaction.
func (s *Service) Update(ctx context.Context, id uuid.UUID, version int, in UpdateInput) (*ent.Note, error) {
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		n, err := tx.Note.Get(ctx, id)
		if err != nil {
			return err
		}
		if n.Version != version {
			return stale()
		}
		u := tx.Note.UpdateOneID(id).Where(note.Version(version))
		if err := s.applyPlacement(ctx, tx, n, in, u); err != nil {
			return err
		}
		if in.Pinned != nil {
			u.SetPinned(*in.Pinned)
		}
		if in.Archived != nil && *in.Archived != (n.ArchivedAt != nil) {
			if *in.Archived {
				u.SetArchivedAt(time.Now())
			} else {
				u.ClearArchivedAt()
			}
		}
		title, content := deref(in.Title, n.Title), deref(in.Content, n.Content)
		changed := title != n.Title || content != n.Content
		if changed {
			u.SetTitle(title).SetContent(content).SetContentSize(len(content)).AddVersion(1)
		}
		saved, err := u.Save(ctx)
		if ent.IsNotFound(err) {
			return whyMissed(ctx, tx, id, &version)
		}
		if err != nil || !changed {
			return err
		}
		return afterContentChange(ctx, tx, saved)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// applyPlacement adds folder, project and visibility changes to u. Only
// real changes are written: re-sending the current audience is not an
// audience change (which only the owner may make).
func (s *Service) applyPlacement(ctx context.Context, tx *ent.Tx, n *ent.Note, in UpdateInput, u *ent.NoteUpdateOne) error {
	folder, proj, vis := n.FolderID, n.ProjectID, n.Visibility
	if in.FolderID.Set {
		folder = in.FolderID.Value
	}
	if in.ProjectID.Set {
		proj = in.ProjectID.Value
	}
	if in.Visibility != nil {
		vis = *in.Visibility
	}
	newFolder, newProject := !sameID(folder, n.FolderID), !sameID(proj, n.ProjectID)
	if !newFolder && !newProject && vis == n.Visibility {
		return nil
	}
	var checkFolder, checkProject *uuid.UUID
	if newFolder {
		checkFolder = folder
	}
	if newProject || vis != n.Visibility {
		checkProject = proj
	}
	if err := checkPlacement(ctx, tx, n.OrganizationID, checkFolder, checkProject, vis); err != nil {
		return err
	}
	if newFolder {
		patch.Apply(Opt[uuid.UUID]{Set: true, Value: folder}, u.SetFolderID, u.ClearFolderID)
	}
	if newProject {
		patch.Apply(Opt[uuid.UUID]{Set: true, Value: proj}, u.SetProjectID, u.ClearProjectID)
	}
	if vis != n.Visibility {
		u.SetVisibility(vis)
	}
	return nil
}

// afterContentChange stores the new version's snapshot and moves the
// comment anchors onto the new text.
func afterContentChange(ctx context.Context, tx *ent.Tx, n *ent.Note) error {
	if err := writeVersion(ctx, tx, n); err != nil {
		return err
	}
	return reanchor(ctx, tx, n)
}

// writeVersion appends the note's current title and content as its
// version n.Version, edited by the viewer.
func writeVersion(ctx context.Context, tx *ent.Tx, n *ent.Note) error {
	return tx.NoteVersion.Create().SetOrganizationID(n.OrganizationID).SetNoteID(n.ID).
		SetVersion(n.Version).SetTitle(n.Title).SetContent(n.Content).SetSizeBytes(len(n.Content)).
		SetEditorID(viewer.FromContext(ctx).UserID).Exec(ctx)
}

// Delete soft-deletes a note (owner or note manager).
func (s *Service) Delete(ctx context.Context, id uuid.UUID) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		err := tx.Note.DeleteOneID(id).Exec(ctx)
		if ent.IsNotFound(err) {
			return whyMissed(ctx, tx, id, nil)
		}
		return err
	})
}

// Filter narrows a note list; zero values do not filter.
type Filter struct {
	FolderID, ProjectID, TagID, OwnerID *uuid.UUID
	Pinned                              *bool
	// Archived lists archived notes instead of the others.
	Archived bool
	// Q is searched in titles and content, case-insensitively.
	Q string
}

// List returns one page (newest first) of the organization's notes the
// viewer may read, filtered; the privacy rules add the visibility. Lists
// carry no content (content_size tells how much there is).
func (s *Service) List(ctx context.Context, orgID uuid.UUID, f Filter, p pagination.Params) (pagination.Page[*ent.Note], error) {
	if err := rule.RequireOrganization(ctx, s.client, orgID); err != nil {
		return pagination.Page[*ent.Note]{}, err
	}
	q := s.client.Note.Query().Where(note.OrganizationID(orgID)).Where(s.predicates(f)...).
		Select(listColumns()...).WithTags()
	return pagination.List(ctx, q, p, func(n *ent.Note) uuid.UUID { return n.ID })
}

// listColumns are every note column but the content.
func listColumns() []string {
	var out []string
	for _, c := range note.Columns {
		if c != note.FieldContent {
			out = append(out, c)
		}
	}
	return out
}

func (s *Service) predicates(f Filter) []predicate.Note {
	ps := []predicate.Note{note.ArchivedAtIsNil()}
	if f.Archived {
		ps[0] = note.ArchivedAtNotNil()
	}
	if f.FolderID != nil {
		ps = append(ps, note.FolderID(*f.FolderID))
	}
	if f.ProjectID != nil {
		ps = append(ps, note.ProjectID(*f.ProjectID))
	}
	if f.OwnerID != nil {
		ps = append(ps, note.OwnerID(*f.OwnerID))
	}
	if f.Pinned != nil {
		ps = append(ps, note.Pinned(*f.Pinned))
	}
	if f.TagID != nil {
		ps = append(ps, note.HasTagsWith(notetagdefinition.ID(*f.TagID)))
	}
	if f.Q != "" {
		ps = append(ps, s.matches(f.Q))
	}
	return ps
}

// matches is the search predicate: q occurs in title || ' ' || content,
// case-insensitively, bound as a parameter with LIKE wildcards escaped.
// The expression is exactly the one of the trigram index in
// migrations/*_search_indexes.sql, so PostgreSQL can use it (ILIKE
// with a GIN gin_trgm_ops index); without the index it is a scan of the
// organization's notes and still correct. SQLite lower-cases both sides.
func (s *Service) matches(q string) predicate.Note {
	pattern := "%" + escapeLike(q) + "%"
	return func(sel *sql.Selector) {
		expr := "(" + sel.C(note.FieldTitle) + " || ' ' || " + sel.C(note.FieldContent) + ")"
		sel.Where(sql.P(func(b *sql.Builder) {
			if s.dialect == dialect.Postgres {
				b.WriteString(expr + " ILIKE ").Arg(pattern).WriteString(` ESCAPE '\'`)
				return
			}
			b.WriteString("LOWER" + expr + " LIKE LOWER(").Arg(pattern).WriteString(`) ESCAPE '\'`)
		}))
	}
}

// escapeLike makes % _ and \ match themselves in a LIKE pattern.
func escapeLike(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// checkPlacement validates the folder and project a note is put in (both
// of its organization); a project note needs its project.
func checkPlacement(ctx context.Context, tx *ent.Tx, orgID uuid.UUID, folderID, projectID *uuid.UUID, vis note.Visibility) error {
	invalid := func(field, msg string) error {
		return problem.Validation("the note's placement is invalid", problem.FieldError{Field: field, Message: msg})
	}
	if folderID != nil {
		ok, err := tx.NoteFolder.Query().Where(notefolder.ID(*folderID), notefolder.OrganizationID(orgID)).Exist(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return invalid("folder_id", "not a folder of the note's organization")
		}
	}
	if vis == note.VisibilityProject && projectID == nil {
		return invalid("project_id", "a note with project visibility needs a project")
	}
	if projectID != nil {
		ok, err := tx.Project.Query().Where(project.ID(*projectID), project.OrganizationID(orgID)).Exist(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return invalid("project_id", "not a project of the note's organization")
		}
	}
	return nil
}

// whyMissed explains a write that matched no row although the note was
// visible when read: gone (404), changed concurrently (412, when version
// is given), or readable but not writable for the viewer (403).
func whyMissed(ctx context.Context, tx *ent.Tx, id uuid.UUID, version *int) error {
	n, err := tx.Note.Get(ctx, id)
	switch {
	case err != nil:
		return err
	case version != nil && n.Version != *version:
		return stale()
	}
	return privacy.Denyf("notes: note %s is not writable for the viewer", id)
}

func stale() error {
	return problem.PreconditionFailed("the note was changed since it was read: fetch it again and retry with its new version")
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func sameID(a, b *uuid.UUID) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
