package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/note"
	"github.com/worksynapse/worksynapse/ent/noteshare"
	"github.com/worksynapse/worksynapse/ent/notetag"
	"github.com/worksynapse/worksynapse/ent/noteversion"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/softdelete"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// noteWorld is the task board's organization (alice ADMIN, bob VIEWER,
// dave DEVELOPER, eve ADMIN elsewhere) plus carol, a DEVELOPER who is a
// member of project WS.
type noteWorld struct {
	*taskBoard
	carol  uuid.UUID
	carolT string
}

func newNoteWorld(t *testing.T, db *database.DB) *noteWorld {
	t.Helper()
	w := &noteWorld{taskBoard: newBoard(t, db)}
	carol := register(t, w.s, "carol")
	w.join(carol.ID, seed.RoleDeveloper)
	w.carol, w.carolT = carol.ID, login(t, w.s, "carol", goodPassword).AccessToken
	testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) error {
		return tx.ProjectMember.Create().SetOrganizationID(w.org.org.ID).SetProjectID(w.project.ID).
			SetUserID(carol.ID).Exec(testfix.System())
	})
	return w
}

type noteJSON struct {
	ID          uuid.UUID  `json:"id"`
	Title       string     `json:"title"`
	Content     *string    `json:"content"`
	ContentHTML string     `json:"content_html"`
	Visibility  string     `json:"visibility"`
	Version     int        `json:"version"`
	ContentSize int        `json:"content_size"`
	Pinned      bool       `json:"pinned"`
	FolderID    *uuid.UUID `json:"folder_id"`
	Tags        []struct {
		ID   uuid.UUID `json:"id"`
		Name string    `json:"name"`
	} `json:"tags"`
}

// send is call with extra headers; it returns the response too.
func (w *noteWorld) send(token, method, path string, body any, h http.Header) (*http.Response, []byte) {
	w.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil || body == nil {
		raw = nil
	}
	if h == nil {
		h = http.Header{}
	}
	h.Set("Authorization", "Bearer "+token)
	return w.s.Do(w.t, method, path, "application/json", raw, h)
}

// patchNote sends PATCH /notes/{id} with If-Match and decodes a success.
func (w *noteWorld) patchNote(want int, token string, id uuid.UUID, ifMatch string, body any) noteJSON {
	w.t.Helper()
	h := http.Header{}
	if ifMatch != "" {
		h.Set("If-Match", ifMatch)
	}
	resp, b := w.send(token, "PATCH", "/notes/"+id.String(), body, h)
	if resp.StatusCode != want {
		w.t.Fatalf("PATCH note If-Match %s: want %d, got %d %s", ifMatch, want, resp.StatusCode, b)
	}
	var n noteJSON
	if want == 200 {
		json.Unmarshal(b, &n)
		if etag := resp.Header.Get("ETag"); etag != fmt.Sprintf("%q", fmt.Sprint(n.Version)) {
			w.t.Errorf("ETag %q for version %d", etag, n.Version)
		}
	}
	return n
}

func (w *noteWorld) createNote(token string, body map[string]any) noteJSON {
	w.t.Helper()
	var n noteJSON
	w.must(201, token, "POST", fmt.Sprintf("/organizations/%s/notes", w.org.org.ID), body, &n)
	return n
}

func (w *noteWorld) versions(id uuid.UUID) int {
	return w.db.Ent.NoteVersion.Query().Where(noteversion.NoteID(id)).CountX(testfix.System())
}

func (w *noteWorld) listIDs(token, query string) []uuid.UUID {
	w.t.Helper()
	var page pageJSON[idJSON]
	w.must(200, token, "GET", fmt.Sprintf("/organizations/%s/notes?%s", w.org.org.ID, query), nil, &page)
	out := make([]uuid.UUID, len(page.Items))
	for i, it := range page.Items {
		out[i] = it.ID
	}
	return out
}

func TestNoteVersionsConcurrencyDiffRestore(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newNoteWorld(t, db)
		n := w.createNote(w.devT, map[string]any{"title": "Plan", "content": "alpha\nbeta\ngamma\n<script>x</script>"})
		if n.Version != 1 || w.versions(n.ID) != 1 || strings.Contains(n.ContentHTML, "<script") {
			t.Fatalf("created: %+v, %d versions", n, w.versions(n.ID))
		}
		n = w.patchNote(200, w.devT, n.ID, `"1"`, map[string]any{"content": "alpha\nBETA two\ngamma\n"})
		if n.Version != 2 || w.versions(n.ID) != 2 || n.ContentSize != len("alpha\nBETA two\ngamma\n") {
			t.Fatalf("after edit: %+v, %d versions", n, w.versions(n.ID))
		}
		w.wantActivity(n.ID, w.dave, activitylog.ActivityTypeUpdate)

		// Pinning is not a content change: no version, same ETag.
		n = w.patchNote(200, w.devT, n.ID, `W/"2"`, map[string]any{"pinned": true})
		if !n.Pinned || n.Version != 2 || w.versions(n.ID) != 2 {
			t.Fatalf("after pin: %+v, %d versions", n, w.versions(n.ID))
		}
		w.patchNote(200, w.devT, n.ID, "2", map[string]any{"pinned": false})
		if w.versions(n.ID) != 2 {
			t.Fatalf("unpin wrote a version")
		}

		// A stale or missing If-Match is 412 and changes nothing.
		w.patchNote(412, w.devT, n.ID, `"1"`, map[string]any{"content": "lost", "title": "Lost"})
		w.patchNote(412, w.devT, n.ID, "", map[string]any{"content": "lost"})
		var got noteJSON
		w.must(200, w.devT, "GET", "/notes/"+n.ID.String(), nil, &got)
		if got.Version != 2 || got.Title != "Plan" || *got.Content != "alpha\nBETA two\ngamma\n" || w.versions(n.ID) != 2 {
			t.Fatalf("a stale write changed the note: %+v", got)
		}
		// A VIEWER reads an organization note but cannot edit it.
		w.patchNote(200, w.devT, n.ID, `"2"`, map[string]any{"visibility": "organization"})
		w.patchNote(403, w.viewT, n.ID, `"2"`, map[string]any{"content": "vandal"})

		n = w.patchNote(200, w.devT, n.ID, `"2"`, map[string]any{"title": "Plan v3"})
		if n.Version != 3 || w.versions(n.ID) != 3 {
			t.Fatalf("title change: %+v", n)
		}
		var versions pageJSON[struct {
			Version  int       `json:"version"`
			EditorID uuid.UUID `json:"editor_id"`
			Size     int       `json:"size_bytes"`
			Content  *string   `json:"content"`
		}]
		w.must(200, w.viewT, "GET", fmt.Sprintf("/notes/%s/versions", n.ID), nil, &versions)
		if len(versions.Items) != 3 || versions.Items[0].Version != 3 || versions.Items[2].Version != 1 ||
			versions.Items[0].EditorID != w.dave || versions.Items[0].Content != nil || versions.Items[1].Size != len("alpha\nBETA two\ngamma\n") {
			t.Fatalf("versions: %+v", versions.Items)
		}
		var v1 struct {
			Title, Content string
		}
		w.must(200, w.viewT, "GET", fmt.Sprintf("/notes/%s/versions/1", n.ID), nil, &v1)
		if v1.Title != "Plan" || !strings.HasPrefix(v1.Content, "alpha\nbeta\n") {
			t.Fatalf("version 1: %+v", v1)
		}
		w.must(404, w.viewT, "GET", fmt.Sprintf("/notes/%s/versions/9", n.ID), nil, nil)

		var d struct {
			Unified string `json:"unified"`
			Title   []struct{ Op, Text string }
			Words   []struct{ Op, Text string }
		}
		w.must(200, w.viewT, "GET", fmt.Sprintf("/notes/%s/diff?from=1&to=3", n.ID), nil, &d)
		for _, line := range []string{"--- version 1\n+++ version 3\n", "@@ -1,4 +1,3 @@\n", " alpha\n", "-beta\n", "+BETA two\n", "-<script>x</script>\n"} {
			if !strings.Contains(d.Unified, line) {
				t.Errorf("unified diff lacks %q:\n%s", line, d.Unified)
			}
		}
		if !slices.ContainsFunc(d.Words, func(s struct{ Op, Text string }) bool { return s.Op == "insert" && s.Text == "BETA two" }) ||
			!slices.ContainsFunc(d.Title, func(s struct{ Op, Text string }) bool { return s.Op == "insert" && s.Text == " v3" }) {
			t.Errorf("word diffs: %+v / %+v", d.Words, d.Title)
		}

		// Restore writes version 4 with version 1's text; history stays.
		h := http.Header{"If-Match": {`"2"`}}
		if resp, b := w.send(w.devT, "POST", fmt.Sprintf("/notes/%s/versions/1/restore", n.ID), nil, h); resp.StatusCode != 412 {
			t.Fatalf("stale restore: %d %s", resp.StatusCode, b)
		}
		h.Set("If-Match", `"3"`)
		resp, b := w.send(w.devT, "POST", fmt.Sprintf("/notes/%s/versions/1/restore", n.ID), nil, h)
		json.Unmarshal(b, &got)
		if resp.StatusCode != 200 || got.Version != 4 || got.Title != "Plan" || !strings.HasPrefix(*got.Content, "alpha\nbeta\n") ||
			resp.Header.Get("ETag") != `"4"` || w.versions(n.ID) != 4 {
			t.Fatalf("restore: %d %s", resp.StatusCode, b)
		}
		w.must(404, w.otherT, "GET", fmt.Sprintf("/notes/%s/diff?from=1&to=3", n.ID), nil, nil)

		// Archiving hides the note from the default list; no version.
		w.patchNote(200, w.devT, n.ID, `"4"`, map[string]any{"archived": true})
		if ids := w.listIDs(w.devT, ""); slices.Contains(ids, n.ID) {
			t.Errorf("an archived note is listed by default")
		}
		if ids := w.listIDs(w.devT, "archived=true"); !slices.Equal(ids, []uuid.UUID{n.ID}) || w.versions(n.ID) != 4 {
			t.Errorf("archived notes: %v, %d versions", ids, w.versions(n.ID))
		}
	})
}

func TestNoteVisibilityMatrixAndSearch(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newNoteWorld(t, db)
		mk := func(vis string, extra map[string]any) uuid.UUID {
			body := map[string]any{"title": "Quarterly " + vis, "content": "Budget for the ZEBRA launch", "visibility": vis}
			for k, v := range extra {
				body[k] = v
			}
			return w.createNote(w.devT, body).ID
		}
		private, shared := mk("private", nil), mk("shared", nil)
		project := mk("project", map[string]any{"project_id": w.project.ID})
		org := mk("organization", nil)
		w.must(200, w.devT, "POST", fmt.Sprintf("/notes/%s/shares", shared), map[string]any{"user_id": w.bob.ID}, nil)
		// A share only counts for shared and project notes.
		w.must(200, w.devT, "POST", fmt.Sprintf("/notes/%s/shares", private), map[string]any{"user_id": w.bob.ID}, nil)
		w.must(422, w.devT, "POST", fmt.Sprintf("/notes/%s/shares", org), map[string]any{"user_id": w.bob.ID, "project_id": w.project.ID}, nil)

		readers := map[string]struct {
			token string
			sees  []uuid.UUID
		}{
			"owner dave":          {w.devT, []uuid.UUID{private, shared, project, org}},
			"admin alice":         {w.adminT, []uuid.UUID{org}},
			"viewer bob (shared)": {w.viewT, []uuid.UUID{shared, org}},
			"carol (project)":     {w.carolT, []uuid.UUID{project, org}},
			"eve (other org)":     {w.otherT, nil},
		}
		for who, r := range readers {
			for _, id := range []uuid.UUID{private, shared, project, org} {
				want := 404
				if slices.Contains(r.sees, id) {
					want = 200
				}
				if code, b := w.call(r.token, "GET", "/notes/"+id.String(), nil); code != want {
					t.Errorf("%s GET %s: want %d, got %d %s", who, id, want, code, b)
				}
			}
			if who == "eve (other org)" {
				w.must(404, r.token, "GET", fmt.Sprintf("/organizations/%s/notes?q=zebra", w.org.org.ID), nil, nil)
				continue
			}
			for _, q := range []string{"", "q=zebra", "q=QUARTERLY", "q=" + url.QueryEscape("zebra launch")} {
				got := w.listIDs(r.token, q)
				slices.SortFunc(got, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
				want := slices.Clone(r.sees)
				slices.SortFunc(want, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
				if !slices.Equal(got, want) {
					t.Errorf("%s list %q: got %v, want %v", who, q, got, want)
				}
			}
		}
		for _, q := range []string{"_", "%", `\`} { // unescaped, _ and % would match every note
			if got := w.listIDs(w.devT, "q="+url.QueryEscape(q)); len(got) != 0 {
				t.Errorf("LIKE wildcard %q must match literally: %v", q, got)
			}
		}
		// Keyset pagination over the search.
		var page pageJSON[idJSON]
		w.must(200, w.devT, "GET", fmt.Sprintf("/organizations/%s/notes?q=zebra&limit=3", w.org.org.ID), nil, &page)
		if len(page.Items) != 3 || page.NextCursor == nil {
			t.Fatalf("first search page: %+v", page)
		}
		var rest pageJSON[idJSON]
		w.must(200, w.devT, "GET", fmt.Sprintf("/organizations/%s/notes?q=zebra&limit=3&cursor=%s", w.org.org.ID, *page.NextCursor), nil, &rest)
		if len(rest.Items) != 1 || rest.NextCursor != nil || rest.Items[0].ID != private {
			t.Fatalf("second search page: %+v", rest)
		}
		// Only the owner changes the audience.
		w.patchNote(403, w.carolT, project, `"1"`, map[string]any{"visibility": "organization"})
		w.patchNote(200, w.carolT, project, `"1"`, map[string]any{"content": "carol edits the project note"})
	})
}

func TestNoteShareExpiryAndRevoke(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newNoteWorld(t, db)
		n := w.createNote(w.devT, map[string]any{"title": "Secret", "content": "launch codes", "visibility": "shared"})
		shares := fmt.Sprintf("/notes/%s/shares", n.ID)
		var s struct {
			ID      uuid.UUID `json:"id"`
			Expired bool      `json:"expired"`
		}
		w.must(200, w.devT, "POST", shares, map[string]any{"user_id": w.bob.ID, "permission": "view",
			"expires_at": time.Now().Add(time.Hour).Format(time.RFC3339)}, &s)
		w.must(200, w.viewT, "GET", "/notes/"+n.ID.String(), nil, nil)
		w.must(403, w.viewT, "POST", shares, map[string]any{"user_id": w.carol}, nil) // grantees do not reshare
		w.must(422, w.devT, "POST", shares, map[string]any{"user_id": w.bob.ID, "expires_at": "2020-01-01T00:00:00Z"}, nil)

		// The hour passes: the share grants nothing, though it still exists.
		testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) error {
			return tx.NoteShare.UpdateOneID(s.ID).SetExpiresAt(time.Now().Add(-time.Minute)).Exec(testfix.System())
		})
		w.must(404, w.viewT, "GET", "/notes/"+n.ID.String(), nil, nil)
		w.must(404, w.viewT, "GET", fmt.Sprintf("/notes/%s/versions", n.ID), nil, nil)
		if ids := w.listIDs(w.viewT, "q=secret"); len(ids) != 0 {
			t.Errorf("an expired share still lists the note: %v", ids)
		}
		var list pageJSON[struct {
			ID      uuid.UUID `json:"id"`
			Expired bool      `json:"expired"`
		}]
		w.must(200, w.devT, "GET", shares, nil, &list)
		if len(list.Items) != 1 || !list.Items[0].Expired {
			t.Errorf("owner's share list: %+v", list.Items)
		}

		// Permissions: view reads, comment comments, edit edits.
		w.must(200, w.devT, "POST", shares, map[string]any{"user_id": w.carol, "permission": "view"}, &s)
		w.must(200, w.carolT, "GET", "/notes/"+n.ID.String(), nil, nil)
		w.must(403, w.carolT, "POST", fmt.Sprintf("/notes/%s/comments", n.ID), map[string]any{"body": "hm"}, nil)
		w.patchNote(403, w.carolT, n.ID, `"1"`, map[string]any{"content": "x"})
		w.must(200, w.devT, "POST", shares, map[string]any{"user_id": w.carol, "permission": "comment"}, nil)
		w.must(201, w.carolT, "POST", fmt.Sprintf("/notes/%s/comments", n.ID), map[string]any{"body": "hm"}, nil)
		w.patchNote(403, w.carolT, n.ID, `"1"`, map[string]any{"content": "x"})
		w.must(200, w.devT, "POST", shares, map[string]any{"user_id": w.carol, "permission": "edit"}, nil)
		w.patchNote(200, w.carolT, n.ID, `"1"`, map[string]any{"content": "carol was here"})
		if n := db.Ent.NoteShare.Query().Where(noteshare.NoteID(n.ID), noteshare.UserID(w.carol)).CountX(testfix.System()); n != 1 {
			t.Errorf("re-sharing must update the one live share, found %d", n)
		}

		w.must(403, w.carolT, "DELETE", "/note-shares/"+s.ID.String(), nil, nil)
		w.must(204, w.devT, "DELETE", "/note-shares/"+s.ID.String(), nil, nil)
		w.must(404, w.carolT, "GET", "/notes/"+n.ID.String(), nil, nil)
		w.wantActivity(s.ID, w.dave, activitylog.ActivityTypeDelete)

		// A project share reaches the project's members.
		w.must(200, w.devT, "POST", shares, map[string]any{"project_id": w.project.ID}, nil)
		w.must(200, w.carolT, "GET", "/notes/"+n.ID.String(), nil, nil)
		w.must(404, w.adminT, "GET", "/notes/"+n.ID.String(), nil, nil)
	})
}

func TestNoteFolders(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newNoteWorld(t, db)
		folders := fmt.Sprintf("/organizations/%s/note-folders", w.org.org.ID)
		mk := func(name string, parent *uuid.UUID) uuid.UUID {
			var f idJSON
			body := map[string]any{"name": name}
			if parent != nil {
				body["parent_id"] = parent
			}
			w.must(201, w.devT, "POST", folders, body, &f)
			return f.ID
		}
		a := mk("A", nil)
		b := mk("B", &a)
		c := mk("C", &b)
		w.must(409, w.devT, "POST", folders, map[string]any{"name": "B", "parent_id": a}, nil) // sibling names
		for _, p := range []uuid.UUID{a, b, c} {
			if code, body := w.call(w.devT, "PATCH", "/note-folders/"+a.String(), map[string]any{"parent_id": p}); code != 409 {
				t.Errorf("moving A under %s: want 409, got %d %s", p, code, body)
			}
		}
		var moved struct {
			ParentID *uuid.UUID `json:"parent_id"`
		}
		w.must(200, w.devT, "PATCH", "/note-folders/"+c.String(), map[string]any{"parent_id": nil}, &moved)
		if moved.ParentID != nil {
			t.Fatalf("C should be top-level: %+v", moved)
		}
		w.must(200, w.devT, "PATCH", "/note-folders/"+c.String(), map[string]any{"parent_id": b}, nil)

		mine := w.createNote(w.devT, map[string]any{"title": "deep", "folder_id": c})
		theirs := w.createNote(w.carolT, map[string]any{"title": "carol's private note", "folder_id": b})
		if ids := w.listIDs(w.devT, "folder_id="+c.String()); len(ids) != 1 || ids[0] != mine.ID {
			t.Errorf("notes in C: %v", ids)
		}
		w.must(409, w.adminT, "DELETE", "/note-folders/"+a.String(), nil, nil)
		w.must(409, w.adminT, "DELETE", "/note-folders/"+c.String(), nil, nil)
		// dave (DEVELOPER, no note:delete) may delete none of the notes:
		// nothing is deleted.
		w.must(409, w.devT, "DELETE", "/note-folders/"+a.String()+"?recursive=true", nil, nil)
		w.must(200, w.devT, "GET", "/notes/"+mine.ID.String(), nil, nil)
		// An ADMIN (note:manage) deletes the whole subtree.
		w.must(204, w.adminT, "DELETE", "/note-folders/"+a.String()+"?recursive=true", nil, nil)
		w.must(404, w.devT, "GET", "/notes/"+mine.ID.String(), nil, nil)
		w.must(404, w.carolT, "GET", "/notes/"+theirs.ID.String(), nil, nil)
		var page pageJSON[idJSON]
		w.must(200, w.devT, "GET", folders, nil, &page)
		if len(page.Items) != 0 {
			t.Errorf("folders left: %+v", page.Items)
		}
		if n := db.Ent.Note.Query().Where(note.DeletedAtNotNil()).CountX(softdelete.Skip(testfix.System())); n != 2 {
			t.Errorf("soft-deleted notes: %d", n)
		}
		empty := mk("Empty", nil)
		w.must(403, w.devT, "DELETE", "/note-folders/"+empty.String(), nil, nil)
		w.must(204, w.adminT, "DELETE", "/note-folders/"+empty.String(), nil, nil)
	})
}

func TestNoteTags(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newNoteWorld(t, db)
		tags := fmt.Sprintf("/organizations/%s/note-tags", w.org.org.ID)
		var design, ops idJSON
		w.must(201, w.devT, "POST", tags, map[string]any{"name": "Design", "color": "#3B82F6"}, &design)
		for _, name := range []string{"design", "DESIGN", "dEsIgN"} {
			w.must(409, w.devT, "POST", tags, map[string]any{"name": name}, nil)
		}
		w.must(201, w.devT, "POST", tags, map[string]any{"name": "Ops"}, &ops)
		w.must(409, w.devT, "PATCH", "/note-tags/"+ops.ID.String(), map[string]any{"name": "DESIGN"}, nil)
		w.must(200, w.devT, "PATCH", "/note-tags/"+design.ID.String(), map[string]any{"name": "design"}, nil) // own name, new case
		w.must(422, w.devT, "POST", tags, map[string]any{"name": "Bad", "color": "red"}, nil)

		n := w.createNote(w.devT, map[string]any{"title": "tagged", "visibility": "organization"})
		other := w.createNote(w.devT, map[string]any{"title": "untagged"})
		on := fmt.Sprintf("/notes/%s/tags/%s", n.ID, design.ID)
		w.must(204, w.devT, "PUT", on, nil, nil)
		w.must(204, w.devT, "PUT", on, nil, nil) // idempotent
		links := db.Ent.NoteTag.Query().Where(notetag.NoteID(n.ID)).AllX(testfix.System())
		if org := db.Ent.Note.GetX(testfix.System(), n.ID).OrganizationID; len(links) != 1 || links[0].OrganizationID != org {
			t.Errorf("link rows of the note: %+v (want one, of organization %s)", links, org)
		}
		wantLinkAudited(t, db, n.ID, "+tags", design.ID)
		w.must(403, w.viewT, "PUT", fmt.Sprintf("/notes/%s/tags/%s", n.ID, ops.ID), nil, nil)
		var got noteJSON
		w.must(200, w.devT, "GET", "/notes/"+n.ID.String(), nil, &got)
		if len(got.Tags) != 1 || got.Tags[0].Name != "design" || got.Version != 1 {
			t.Fatalf("tags on the note: %+v", got)
		}
		if ids := w.listIDs(w.viewT, "tag_id="+design.ID.String()); len(ids) != 1 || ids[0] != n.ID {
			t.Errorf("notes by tag: %v (untagged %s)", ids, other.ID)
		}
		w.must(204, w.devT, "DELETE", on, nil, nil)
		w.must(204, w.devT, "DELETE", on, nil, nil)
		if ids := w.listIDs(w.devT, "tag_id="+design.ID.String()); len(ids) != 0 {
			t.Errorf("after detach: %v", ids)
		}
		foreign := testfix.Org(t, db.Ent, "Initech")
		var ft *ent.NoteTagDefinition
		testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) (err error) {
			ft, err = tx.NoteTagDefinition.Create().SetOrganizationID(foreign.ID).SetName("Design").Save(testfix.System())
			return err
		})
		w.must(404, w.devT, "PUT", fmt.Sprintf("/notes/%s/tags/%s", n.ID, ft.ID), nil, nil)
	})
}

type commentJSON struct {
	ID           uuid.UUID  `json:"id"`
	ParentID     *uuid.UUID `json:"parent_id"`
	Quote        string     `json:"quote"`
	Prefix       string     `json:"prefix"`
	Suffix       string     `json:"suffix"`
	Start        *int       `json:"start_offset"`
	End          *int       `json:"end_offset"`
	AnchorStatus string     `json:"anchor_status"`
	ResolvedAt   *time.Time `json:"resolved_at"`
	BodyHTML     string     `json:"body_html"`
}

func TestNoteCommentAnchorsFollowEdits(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newNoteWorld(t, db)
		text := "The fox runs. Über alles, the fox sleeps."
		n := w.createNote(w.devT, map[string]any{"title": "Foxes", "content": text, "visibility": "organization"})
		comments := fmt.Sprintf("/notes/%s/comments", n.ID)
		var c commentJSON
		// The second "fox", told apart by its context.
		w.must(201, w.carolT, "POST", comments, map[string]any{"body": "*which* fox?", "quote": "fox", "prefix": "the ", "suffix": " sleeps"}, &c)
		second := len([]rune("The fox runs. Über alles, the "))
		if c.AnchorStatus != "anchored" || *c.Start != second || *c.End != second+3 || c.Prefix != "Über alles, the " ||
			c.Suffix != " sleeps." || !strings.Contains(c.BodyHTML, "<em>which</em>") {
			t.Fatalf("new comment: %+v", c)
		}
		w.must(422, w.carolT, "POST", comments, map[string]any{"body": "?", "quote": "wolf"}, nil)
		w.must(403, w.viewT, "POST", comments, map[string]any{"body": "viewer role cannot comment"}, nil)
		var reply commentJSON
		w.must(201, w.devT, "POST", comments, map[string]any{"body": "the sleepy one", "parent_id": c.ID}, &reply)
		w.must(422, w.devT, "POST", comments, map[string]any{"body": "nested", "parent_id": reply.ID}, nil)

		// An edit before the passage moves it; the context keeps it on the
		// second fox although the first one is nearer the old offset.
		edited := "Intro: a fox story.\n" + text
		w.patchNote(200, w.devT, n.ID, `"1"`, map[string]any{"content": edited})
		got := w.comment(c.ID)
		if want := second + len([]rune("Intro: a fox story.\n")); got.AnchorStatus != "anchored" || *got.Start != want || *got.End != want+3 {
			t.Fatalf("after insert: %+v, want start %d", got, want)
		}
		// Removing the quoted passage orphans the comment; it is kept.
		w.patchNote(200, w.devT, n.ID, `"2"`, map[string]any{"content": "Intro: a dog story.\nThe dog runs."})
		got = w.comment(c.ID)
		if got.AnchorStatus != "orphaned" || got.Quote != "fox" || got.Start != nil {
			t.Fatalf("after removal: %+v", got)
		}
		var page pageJSON[commentJSON]
		w.must(200, w.viewT, "GET", comments, nil, &page)
		if len(page.Items) != 2 || page.Items[0].ID != c.ID || page.Items[1].ParentID == nil {
			t.Fatalf("comments (oldest first): %+v", page.Items)
		}
		// Restoring version 1 brings the quote back: anchored again.
		h := http.Header{"If-Match": {`"3"`}}
		if resp, b := w.send(w.devT, "POST", fmt.Sprintf("/notes/%s/versions/1/restore", n.ID), nil, h); resp.StatusCode != 200 {
			t.Fatalf("restore: %d %s", resp.StatusCode, b)
		}
		if got = w.comment(c.ID); got.AnchorStatus != "anchored" || *got.Start != second {
			t.Fatalf("after restore: %+v", got)
		}

		// Threads resolve on their first comment; authors edit their own.
		w.must(409, w.devT, "POST", fmt.Sprintf("/note-comments/%s/resolve", reply.ID), nil, nil)
		w.must(200, w.devT, "POST", fmt.Sprintf("/note-comments/%s/resolve", c.ID), nil, &got)
		if got.ResolvedAt == nil {
			t.Fatalf("resolve: %+v", got)
		}
		var reopened commentJSON
		w.must(200, w.carolT, "DELETE", fmt.Sprintf("/note-comments/%s/resolve", c.ID), nil, &reopened)
		if reopened.ResolvedAt != nil {
			t.Fatalf("unresolve: %+v", reopened)
		}
		w.must(403, w.devT, "PATCH", "/note-comments/"+c.ID.String(), map[string]any{"body": "not mine"}, nil)
		w.must(200, w.carolT, "PATCH", "/note-comments/"+c.ID.String(), map[string]any{"body": "which fox, exactly?"}, nil)
		w.must(403, w.devT, "DELETE", "/note-comments/"+c.ID.String(), nil, nil)
		w.must(204, w.adminT, "DELETE", "/note-comments/"+reply.ID.String(), nil, nil) // note:manage
	})
}

// comment reads one comment through the list (there is no single GET).
func (w *noteWorld) comment(id uuid.UUID) commentJSON {
	w.t.Helper()
	c := w.db.Ent.NoteComment.GetX(testfix.System(), id)
	var page pageJSON[commentJSON]
	w.must(200, w.devT, "GET", fmt.Sprintf("/notes/%s/comments", c.NoteID), nil, &page)
	for _, it := range page.Items {
		if it.ID == id {
			return it
		}
	}
	w.t.Fatalf("comment %s not listed", id)
	return commentJSON{}
}

// TestNoteConcurrentEditsOneWins: editors who read the same version save
// at once; exactly one wins and the others get 412, so nobody's text is
// silently overwritten.
func TestNoteConcurrentEditsOneWins(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newNoteWorld(t, db)
		n := w.createNote(w.devT, map[string]any{"title": "race", "content": "start", "visibility": "organization"})
		editors := []string{w.devT, w.carolT, w.adminT, w.devT}
		codes := make(chan int, len(editors))
		var wg sync.WaitGroup
		for i, token := range editors {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := strings.NewReader(fmt.Sprintf(`{"content":"editor %d"}`, i))
				req, _ := http.NewRequest("PATCH", w.s.URL+"/notes/"+n.ID.String(), body)
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("If-Match", `"1"`)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					codes <- 0
					return
				}
				resp.Body.Close()
				codes <- resp.StatusCode
			}()
		}
		wg.Wait()
		close(codes)
		got := map[int]int{}
		for c := range codes {
			got[c]++
		}
		if got[200] != 1 || got[412] != len(editors)-1 {
			t.Fatalf("statuses: %v (want one 200, the rest 412)", got)
		}
		if v := w.versions(n.ID); v != 2 {
			t.Errorf("versions: %d", v)
		}
	})
}
