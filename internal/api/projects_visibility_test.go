package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// TestPrivateProjectsAreVisibleToMembersAndAdminsOnly: a private project
// (the default) and what is in it are "not found" for a member of the
// organization who is not a project member, whatever their role short of
// ADMIN, and absent from lists; adding them to the project shows it;
// ADMINs see it without being members. An organization-wide project stays
// visible to every member.
func TestPrivateProjectsAreVisibleToMembersAndAdminsOnly(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := &projectWorld{workspace: newWorkspace(t, db, "alice", "adam", "carol", "mia")}
		w.org = w.createOrg("alice", "acme")
		w.addMember("alice", w.org.ID, "adam", "ADMIN")
		w.addMember("alice", w.org.ID, "carol", "DEVELOPER")
		w.addMember("alice", w.org.ID, "mia", "MANAGER")
		projects := fmt.Sprintf("/organizations/%s/projects", w.org.ID)
		var private, open projectJSON
		w.must(201, "alice", "POST", projects, map[string]string{"key": "PV", "name": "Private"}, &private)
		w.must(201, "alice", "POST", projects, map[string]string{"key": "OP", "name": "Open", "visibility": "organization"}, &open)
		if private.Visibility != "private" {
			t.Fatalf("default visibility: %+v", private)
		}
		pv := "/projects/" + private.ID.String()
		var tk taskJSON
		w.must(201, "alice", "POST", pv+"/tasks", map[string]any{"title": "secret"}, &tk)
		var comment idJSON
		w.must(201, "alice", "POST", "/tasks/"+tk.ID.String()+"/comments", map[string]any{"body": "psst"}, &comment)
		board := "/boards/" + private.DefaultBoardID.String()
		reads := []string{pv, "/tasks/" + tk.ID.String(), pv + "/tasks/by-key/PV-1", pv + "/boards", pv + "/tasks",
			pv + "/members", pv + "/activity", pv + "/sprints", pv + "/labels", pv + "/milestones",
			"/tasks/" + tk.ID.String() + "/comments", "/tasks/" + tk.ID.String() + "/activity"}
		listed := func(user string) []uuid.UUID {
			var page projectPage
			w.must(200, user, "GET", projects, nil, &page)
			var ids []uuid.UUID
			for _, p := range page.Items {
				ids = append(ids, p.ID)
			}
			return ids
		}
		for _, user := range []string{"carol", "mia"} {
			for _, path := range reads {
				if code, body := w.do(user, "GET", path, nil, nil); code != http.StatusNotFound {
					t.Errorf("%s GET %s: %d %s", user, path, code, body)
				}
			}
			// Writes find nothing either (404, not 403: existence does not leak).
			for _, wr := range []struct {
				method, path string
				body         any
			}{
				{"PATCH", "/tasks/" + tk.ID.String(), map[string]any{"title": "x"}}, {"DELETE", "/tasks/" + tk.ID.String(), nil},
				{"POST", pv + "/tasks", map[string]any{"title": "x"}}, {"PATCH", board, map[string]any{"name": "x"}},
				{"POST", "/tasks/" + tk.ID.String() + "/comments", map[string]any{"body": "x"}},
				{"DELETE", "/comments/" + comment.ID.String(), nil}, {"DELETE", pv, nil},
			} {
				code, body := w.do(user, wr.method, wr.path, wr.body, http.Header{"If-Match": {`"1"`}})
				if code != http.StatusNotFound {
					t.Errorf("%s %s %s: %d %s", user, wr.method, wr.path, code, body)
				}
			}
			if ids := listed(user); slices.Contains(ids, private.ID) || !slices.Contains(ids, open.ID) {
				t.Errorf("%s lists %v (private %s, open %s)", user, ids, private.ID, open.ID)
			}
			w.must(200, user, "GET", "/projects/"+open.ID.String(), nil, nil)
		}
		// An ADMIN sees it without being a member.
		for _, path := range reads {
			w.must(200, "adam", "GET", path, nil, nil)
		}
		if ids := listed("adam"); !slices.Contains(ids, private.ID) {
			t.Errorf("ADMIN lists %v", ids)
		}
		// Added to the project, carol sees it, its tasks and its board.
		w.must(201, "alice", "POST", pv+"/members", map[string]string{"user_id": w.users["carol"].String(), "role": "member"}, nil)
		for _, path := range reads[:5] {
			w.must(200, "carol", "GET", path, nil, nil)
		}
		if ids := listed("carol"); !slices.Contains(ids, private.ID) {
			t.Errorf("member lists %v", ids)
		}
		w.must(201, "carol", "POST", "/tasks/"+tk.ID.String()+"/comments", map[string]any{"body": "hi"}, nil)
		// Removed again, it is gone again; mia never saw it.
		w.must(204, "alice", "DELETE", pv+"/members/"+w.users["carol"].String(), nil, nil)
		w.must(404, "carol", "GET", "/tasks/"+tk.ID.String(), nil, nil)
		// Opening the project to the organization shows it to everyone.
		var p projectJSON
		w.must(200, "alice", "GET", pv, nil, &p)
		if code, body := w.do("alice", "PATCH", pv, map[string]string{"visibility": "organization"},
			http.Header{"If-Match": {fmt.Sprint(p.Version)}}); code != 200 {
			t.Fatalf("open the project: %d %s", code, body)
		}
		w.must(200, "mia", "GET", "/tasks/"+tk.ID.String(), nil, nil)
		if code, body := w.do("carol", "GET", pv+"/tasks/by-key/PV-1", nil, nil); code != 200 || !strings.Contains(string(body), "secret") {
			t.Errorf("carol by key after opening: %d %s", code, body)
		}
	})
}
