package rule_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/note"
	"github.com/worksynapse/worksynapse/ent/noteshare"
	"github.com/worksynapse/worksynapse/ent/privacy"
	entproject "github.com/worksynapse/worksynapse/ent/project"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// TestNoteVisibilityAndSharePermissions checks the note rules through the
// ent client, viewer by viewer: who reads and who edits each kind of note.
func TestNoteVisibilityAndSharePermissions(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c, sys := db.Ent, testfix.System()
		org := testfix.Org(t, c, "Notes")
		user := func(name, role string) (*ent.User, context.Context) {
			u := testfix.User(t, c, name)
			return u, testfix.AsRole(t, c, u, org, role)
		}
		owner, asOwner := user("owner", "DEVELOPER")
		carol, asCarol := user("carol", "DEVELOPER") // member of the project
		gina, asGina := user("gina", "DEVELOPER")    // share grantee
		ed, asEd := user("ed", "DEVELOPER")          // grantee whose share expired
		_, asVic := user("vic", "VIEWER")
		_, asOutsider := user("olaf", "DEVELOPER")
		var proj *ent.Project
		notes := map[note.Visibility]uuid.UUID{}
		testfix.Tx(t, sys, c, func(tx *ent.Tx) (err error) {
			if proj, err = tx.Project.Create().SetOrganizationID(org.ID).SetKey("NP").SetName("Notes").SetOwnerID(owner.ID).
				// Organization-wide: an organization note of a private project is
				// bounded by the project (TestPrivateProjectsStayPrivateInActivityNotesAndCosts).
				SetVisibility(entproject.VisibilityOrganization).Save(sys); err != nil {
				return err
			}
			if err = tx.ProjectMember.Create().SetOrganizationID(org.ID).SetProjectID(proj.ID).SetUserID(carol.ID).Exec(sys); err != nil {
				return err
			}
			for _, vis := range []note.Visibility{note.VisibilityPrivate, note.VisibilityShared, note.VisibilityProject, note.VisibilityOrganization} {
				n, err := tx.Note.Create().SetOrganizationID(org.ID).SetOwnerID(owner.ID).SetTitle(vis.String()).
					SetVisibility(vis).SetProjectID(proj.ID).Save(sys)
				if err != nil {
					return err
				}
				notes[vis] = n.ID
			}
			share := func(vis note.Visibility, to uuid.UUID, perm noteshare.Permission, expires *time.Time) error {
				return tx.NoteShare.Create().SetOrganizationID(org.ID).SetNoteID(notes[vis]).SetUserID(to).
					SetPermission(perm).SetNillableExpiresAt(expires).SetCreatedByID(owner.ID).Exec(sys)
			}
			past := time.Now().Add(-time.Second)
			for _, err := range []error{
				share(note.VisibilityPrivate, gina.ID, noteshare.PermissionEdit, nil), // private ignores shares
				share(note.VisibilityShared, gina.ID, noteshare.PermissionView, nil),
				share(note.VisibilityProject, gina.ID, noteshare.PermissionEdit, nil),
				share(note.VisibilityShared, ed.ID, noteshare.PermissionEdit, &past),
			} {
				if err != nil {
					return err
				}
			}
			return nil
		})

		type can struct{ read, edit bool }
		P, S, J, O := note.VisibilityPrivate, note.VisibilityShared, note.VisibilityProject, note.VisibilityOrganization
		cases := []struct {
			who  string
			ctx  context.Context
			want map[note.Visibility]can
		}{
			{"owner", asOwner, map[note.Visibility]can{P: {true, true}, S: {true, true}, J: {true, true}, O: {true, true}}},
			{"project member", asCarol, map[note.Visibility]can{J: {true, true}, O: {true, true}}},
			{"grantee", asGina, map[note.Visibility]can{S: {true, false}, J: {true, true}, O: {true, true}}},
			{"expired grantee", asEd, map[note.Visibility]can{O: {true, true}}},
			{"VIEWER role", asVic, map[note.Visibility]can{O: {true, false}}},
			{"other member", asOutsider, map[note.Visibility]can{O: {true, true}}},
		}
		for _, tc := range cases {
			for vis, id := range notes {
				want := tc.want[vis]
				read, err := c.Note.Query().Where(note.ID(id)).Exist(tc.ctx)
				if err != nil || read != want.read {
					t.Errorf("%s reads %s note: %v (%v), want %v", tc.who, vis, read, err, want.read)
				}
				err = database.WithTx(tc.ctx, c, func(tx *ent.Tx) error {
					return tx.Note.UpdateOneID(id).SetPinned(true).Exec(tc.ctx)
				})
				if edited := err == nil; edited != want.edit || (err != nil && !ent.IsNotFound(err) && !errors.Is(err, privacy.Deny)) {
					t.Errorf("%s edits %s note: %v, want %v", tc.who, vis, err, want.edit)
				}
			}
		}
		// Only the owner changes the audience, even with edit access.
		err := database.WithTx(asCarol, c, func(tx *ent.Tx) error {
			return tx.Note.UpdateOneID(notes[O]).SetVisibility(note.VisibilityPrivate).Exec(asCarol)
		})
		if !ent.IsNotFound(err) {
			t.Errorf("a non-owner narrowed the audience: %v", err)
		}
	})
}
