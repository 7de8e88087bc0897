package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// TestOrganizationNotesOfPrivateProjectsStayUnreachable (issue 15
// follow-up): the private-project bound on organization-wide notes holds
// for every way to the note, not only reading it: a non-member of the
// private project (a MANAGER holding note:manage, a DEVELOPER) can
// neither update nor delete such a note nor list its comments, versions
// or shares (404 each, nothing changed); once a project member, the
// DEVELOPER reads them all.
func TestOrganizationNotesOfPrivateProjectsStayUnreachable(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorkspace(t, db, "alice", "mia", "dev")
		org := w.createOrg("alice", "pn-acme")
		w.addMember("alice", org.ID, "mia", "MANAGER")
		w.addMember("alice", org.ID, "dev", "DEVELOPER")
		var private projectJSON
		w.must(201, "alice", "POST", fmt.Sprintf("/organizations/%s/projects", org.ID), map[string]string{"key": "PN", "name": "Private"}, &private)
		var n noteJSON
		w.must(201, "alice", "POST", fmt.Sprintf("/organizations/%s/notes", org.ID), map[string]any{"title": "plan",
			"content": "first", "visibility": "organization", "project_id": private.ID}, &n)
		var comment idJSON
		w.must(201, "alice", "POST", fmt.Sprintf("/notes/%s/comments", n.ID), map[string]any{"body": "a remark"}, &comment)
		note := "/notes/" + n.ID.String()
		code, body := w.do("alice", "PATCH", note, map[string]any{"content": "second"},
			http.Header{"If-Match": {fmt.Sprintf("%q", fmt.Sprint(n.Version))}})
		if code != 200 || json.Unmarshal(body, &n) != nil {
			t.Fatalf("the owner's edit: %d %s", code, body)
		}
		ifMatch := http.Header{"If-Match": {fmt.Sprintf("%q", fmt.Sprint(n.Version))}}
		commentPath := "/note-comments/" + comment.ID.String()

		for _, user := range []string{"mia", "dev"} {
			for _, op := range [][2]string{{"GET", note}, {"GET", note + "/comments"}, {"GET", note + "/versions"},
				{"GET", note + "/versions/1"}, {"GET", note + "/diff?from=1&to=2"}, {"GET", note + "/shares"},
				{"POST", commentPath + "/resolve"}, {"DELETE", commentPath}, {"DELETE", note}} {
				if code, body := w.do(user, op[0], op[1], nil, ifMatch); code != http.StatusNotFound {
					t.Errorf("%s: %s %s: %d %s", user, op[0], op[1], code, body)
				}
			}
			if code, body := w.do(user, "PATCH", note, map[string]any{"content": "changed by " + user}, ifMatch); code != http.StatusNotFound {
				t.Errorf("%s: PATCH the note: %d %s", user, code, body)
			}
		}
		var after noteJSON
		w.must(200, "alice", "GET", note, nil, &after)
		var comments pageJSON[struct {
			Body       string  `json:"body"`
			ResolvedAt *string `json:"resolved_at"`
		}]
		w.must(200, "alice", "GET", note+"/comments", nil, &comments)
		if len(comments.Items) != 1 || comments.Items[0].ResolvedAt != nil {
			t.Errorf("refused writes changed the comments: %+v", comments.Items)
		}
		if after.Version != n.Version {
			t.Errorf("refused writes changed the note: version %d → %d", n.Version, after.Version)
		}

		w.must(201, "alice", "POST", "/projects/"+private.ID.String()+"/members", map[string]string{"user_id": w.users["dev"].String(), "role": "member"}, nil)
		w.must(200, "dev", "GET", note+"/comments", nil, &comments)
		if len(comments.Items) != 1 {
			t.Errorf("a project member's comments: %+v", comments.Items)
		}
		w.must(200, "dev", "GET", note+"/versions", nil, nil)
	})
}
