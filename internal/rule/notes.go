package rule

import (
	"context"
	"time"

	"entgo.io/ent/entql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/note"
	"github.com/worksynapse/worksynapse/ent/noteshare"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Notes add a per-row visibility to the organization's note:* permissions
// (which still bound every read and write through Require):
//
//	private       the owner only
//	shared        the owner and the grantees of live, unexpired NoteShares
//	project       the members of the note's project (and share grantees)
//	organization  every member who may read notes
//
// A share grants view, comment or edit; an expired or revoked share grants
// nothing. This is checked here, in SQL, so no handler can forget it.

// noteAccess is what a viewer must be able to do with a note.
type noteAccess int

const (
	accessRead noteAccess = iota
	accessComment
	accessEdit
)

// sharePerms are the share permissions granting access a (each grants
// the weaker ones too).
func (a noteAccess) sharePerms() []any {
	perms := []any{noteshare.PermissionEdit.String(), noteshare.PermissionComment.String(), noteshare.PermissionView.String()}
	return perms[:len(perms)-int(a)]
}

// noteVisible is the predicate (over notes) of the notes uid may access
// for a: its owner, organization-wide notes, project notes of a project
// uid belongs to, and shared or project notes with a live share to uid or
// to one of uid's projects. Reading is the weakest access; commenting and
// editing need a share of that permission.
func noteVisible(uid uuid.UUID, a noteAccess, now time.Time) entql.P {
	share := entql.And(
		entql.FieldNil("deleted_at"),
		entql.Or(entql.FieldNil("expires_at"), entql.FieldGT("expires_at", now)),
		entql.FieldIn("permission", a.sharePerms()...),
		entql.Or(entql.FieldEQ("user_id", uid), projectMember(uid)),
	)
	return entql.Or(
		entql.FieldEQ("owner_id", uid),
		entql.FieldEQ("visibility", note.VisibilityOrganization.String()),
		entql.And(entql.FieldEQ("visibility", note.VisibilityProject.String()), projectMember(uid)),
		entql.And(
			entql.FieldIn("visibility", note.VisibilityShared.String(), note.VisibilityProject.String()),
			entql.HasEdgeWith("shares", share),
		),
	)
}

// projectMember is the predicate (over rows with a "project" edge) of rows
// whose live project has uid as a live member.
func projectMember(uid uuid.UUID) entql.P {
	return entql.HasEdgeWith("project", entql.FieldNil("deleted_at"),
		entql.HasEdgeWith("members", entql.FieldEQ("user_id", uid), entql.FieldNil("deleted_at")))
}

// noteOwnedOrManaged is the predicate of notes the viewer owns or whose
// organization they manage notes in (note:manage): who may change a note's
// audience, its shares, or delete it.
func noteOwnedOrManaged(v *viewer.Viewer) entql.P {
	return entql.Or(
		entql.FieldEQ("owner_id", v.UserID),
		fieldIn("organization_id", v.OrganizationsWhere("note", viewer.ActionManage)),
	)
}

// audienceFields decide who can see a note; only its owner or a note
// manager changes them (an editor cannot widen or narrow the audience).
var audienceFields = []string{note.FieldVisibility, note.FieldProjectID, note.FieldOwnerID}

// NotePolicy guards notes: reads are filtered to visible notes; a create
// must name the viewer as owner; content edits need edit access (see
// noteVisible); audience changes and deletes need ownership or
// note:manage. Require then applies the organization's note:* permission.
func NotePolicy() ent.Policy {
	visible := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.Where(noteVisible(viewer.FromContext(ctx).UserID, accessRead, time.Now()))
		return privacy.Skip
	})
	write := privacy.NoteMutationRuleFunc(func(ctx context.Context, m *ent.NoteMutation) error {
		v := viewer.FromContext(ctx)
		if m.Op().Is(ent.OpCreate) {
			if owner, _ := m.OwnerID(); owner != v.UserID || v.UserID == uuid.Nil {
				return privacy.Denyf("rule: a note is created by its owner")
			}
			return privacy.Skip
		}
		if actionOf(m) == viewer.ActionDelete || anyFieldIn(m, audienceFields...) {
			m.Filter().Where(withinNoteBound(v, noteOwnedOrManaged(v)))
			return privacy.Skip
		}
		m.Filter().Where(noteAccessible(v, accessEdit, time.Now()))
		return privacy.Skip
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible, orgNotesOfVisibleProjects(), Require("note"),
		},
		Mutation: privacy.MutationPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), write, Require("note")},
	}
}

// orgNotesOfVisibleProjects bounds organization-wide notes linked to a
// project by the project's visibility: such a note of a private project
// is read by whoever may read the project only. Other audiences are
// already narrower (owner, grantees, project members) and keep their
// explicit shares.
func orgNotesOfVisibleProjects() privacy.QueryRule { return noteBound }

var noteBound = projectVisibleRule{path: Via("project"), exempt: entql.Or(
	entql.FieldNil("project_id"),
	entql.FieldNEQ("visibility", note.VisibilityOrganization.String()),
)}

// withinNoteBound narrows p (over notes) to the bound of
// orgNotesOfVisibleProjects. The rules that reach a note without querying
// it (its writes, its comments, versions and shares) use it, so a note of
// a private project is as unreachable through them as it is unreadable.
func withinNoteBound(v *viewer.Viewer, p entql.P) entql.P {
	if b, ok := noteBound.predicate(v); ok {
		return entql.And(p, b)
	}
	return p
}

// onNoteWithinBound narrows p (over a note's children) to children of
// notes within the note bound.
func onNoteWithinBound(v *viewer.Viewer, p entql.P) entql.P {
	if b, ok := noteBound.predicate(v); ok {
		return entql.And(p, entql.HasEdgeWith("note", b))
	}
	return p
}

// noteAccessible is noteVisible within the note bound.
func noteAccessible(v *viewer.Viewer, a noteAccess, now time.Time) entql.P {
	return withinNoteBound(v, noteVisible(v.UserID, a, now))
}

// onVisibleNote filters rows of a note's children (shares, versions,
// comments: all have a "note" edge) to those of notes the viewer may read.
func onVisibleNote() privacy.FilterFunc {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.Where(entql.HasEdgeWith("note", noteAccessible(viewer.FromContext(ctx), accessRead, time.Now())))
		return privacy.Skip
	})
}

// noteReachable skips (lets the next rule decide) when note id matches p
// for the viewer and denies otherwise. It queries as the viewer, so the
// note's own policy (visibility, organization permission) applies too.
func noteReachable(ctx context.Context, c *ent.Client, id uuid.UUID, p entql.P) error {
	q := c.Note.Query().Where(note.ID(id))
	q.Filter().Where(p)
	ok, err := q.Exist(ctx)
	if err != nil {
		return privacy.Denyf("rule: load note %s: %v", id, err)
	}
	if !ok {
		return privacy.Denyf("rule: note %s is not accessible for this", id)
	}
	return privacy.Skip
}

// NoteSharePolicy: shares are seen by whoever can read the note. Sharing
// edits the note's audience, so granting and revoking both need
// note:update in the organization (not note:create or note:delete: a
// DEVELOPER owner revokes what they granted) and ownership of the note
// (or note:manage).
func NoteSharePolicy() ent.Policy {
	write := privacy.NoteShareMutationRuleFunc(func(ctx context.Context, m *ent.NoteShareMutation) error {
		v := viewer.FromContext(ctx)
		if m.Op().Is(ent.OpCreate) {
			id, _ := m.NoteID()
			if org, ok := organizationOf(m); !ok || !v.Can(org, "note", viewer.ActionUpdate) {
				return privacy.Denyf("rule: note:update not granted in the organization")
			}
			if err := noteReachable(ctx, m.Client(), id, noteOwnedOrManaged(v)); err != nil {
				return err
			}
			return privacy.Allow
		}
		m.Filter().Where(entql.And(
			entql.HasEdgeWith("note", withinNoteBound(v, noteOwnedOrManaged(v))),
			fieldIn("organization_id", v.OrganizationsWhere("note", viewer.ActionUpdate)),
		))
		return privacy.Allow
	})
	return privacy.Policy{
		Query:    privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), onVisibleNote(), Require("note")},
		Mutation: privacy.MutationPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), write},
	}
}

// NoteVersionPolicy: the history is read by the note's readers and
// appended by its editors (note:update and edit access to the note, in the
// transaction of the edit); versions are never changed or deleted.
func NoteVersionPolicy() ent.Policy {
	appendOnly := privacy.NoteVersionMutationRuleFunc(func(ctx context.Context, m *ent.NoteVersionMutation) error {
		if !m.Op().Is(ent.OpCreate) {
			return privacy.Denyf("rule: note versions are append-only")
		}
		v := viewer.FromContext(ctx)
		if org, ok := organizationOf(m); !ok || !v.Can(org, "note", viewer.ActionUpdate) {
			return privacy.Denyf("rule: note:update not granted in the organization")
		}
		id, _ := m.NoteID()
		if err := noteReachable(ctx, m.Client(), id, noteVisible(v.UserID, accessEdit, time.Now())); err != nil {
			return err
		}
		return privacy.Allow
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), onVisibleNote(), Require("note")},
		Mutation: privacy.MutationPolicy{DenyIfNoViewer(), AllowIfSystem(),
			privacy.OnMutationOperation(AllowIfSuperuser(), ent.OpCreate), appendOnly},
	}
}

// commentBodyFields are the author's own words; others only resolve.
var commentBodyFields = []string{"body"}

// NoteCommentPolicy: comments are read by the note's readers; writing one
// needs comment access to the note (owner, a visible organization or
// project note, or a comment/edit share); only the author edits the body;
// whoever may comment resolves a thread; the author or a note manager
// deletes. Re-anchoring after edits runs as system code.
func NoteCommentPolicy() ent.Policy {
	write := privacy.NoteCommentMutationRuleFunc(func(ctx context.Context, m *ent.NoteCommentMutation) error {
		v := viewer.FromContext(ctx)
		switch {
		case m.Op().Is(ent.OpCreate):
			id, _ := m.NoteID()
			if author, _ := m.AuthorID(); author != v.UserID || v.UserID == uuid.Nil {
				return privacy.Denyf("rule: a comment is written by its author")
			}
			return noteReachable(ctx, m.Client(), id, noteVisible(v.UserID, accessComment, time.Now()))
		case actionOf(m) == viewer.ActionDelete:
			m.Filter().Where(onNoteWithinBound(v, entql.Or(entql.FieldEQ("author_id", v.UserID),
				fieldIn("organization_id", v.OrganizationsWhere("note", viewer.ActionManage)))))
		case anyFieldIn(m, commentBodyFields...):
			m.Filter().Where(onNoteWithinBound(v, entql.FieldEQ("author_id", v.UserID)))
		default:
			m.Filter().Where(entql.HasEdgeWith("note", noteAccessible(v, accessComment, time.Now())))
		}
		return privacy.Skip
	})
	return privacy.Policy{
		Query:    privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), onVisibleNote(), Require("note")},
		Mutation: privacy.MutationPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), write, Require("note")},
	}
}
