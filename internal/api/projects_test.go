package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent/board"
	"github.com/worksynapse/worksynapse/ent/boardcolumn"
	"github.com/worksynapse/worksynapse/ent/projectmember"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

type projectJSON struct {
	ID             uuid.UUID  `json:"id"`
	OrganizationID uuid.UUID  `json:"organization_id"`
	Key            string     `json:"key"`
	Name           string     `json:"name"`
	Status         string     `json:"status"`
	Visibility     string     `json:"visibility"`
	ArchivedAt     *time.Time `json:"archived_at"`
	OwnerID        uuid.UUID  `json:"owner_id"`
	DefaultBoardID *uuid.UUID `json:"default_board_id"`
	Version        int        `json:"version"`
}

type projectPage struct {
	Items []projectJSON `json:"items"`
}

// projectWorld: alice (ADMIN) and bobby (VIEWER) in acme, mallory ADMIN
// of another organization, and alice's organization-wide project WS
// (bobby reads it as a member of acme; private projects are
// projects_visibility_test.go's).
type projectWorld struct {
	*workspace
	org  orgJSON
	proj projectJSON
	path string
}

func newProjectWorld(t *testing.T, db *database.DB) *projectWorld {
	t.Helper()
	w := &projectWorld{workspace: newWorkspace(t, db, "alice", "bobby", "mallory")}
	w.org = w.createOrg("alice", "acme")
	w.createOrg("mallory", "evil")
	w.addMember("alice", w.org.ID, "bobby", "VIEWER")
	w.must(201, "alice", "POST", fmt.Sprintf("/organizations/%s/projects", w.org.ID),
		map[string]string{"key": "WS", "name": "WorkSynapse", "visibility": "organization"}, &w.proj)
	w.path = "/projects/" + w.proj.ID.String()
	return w
}

// patch sends PATCH /projects/{id} with If-Match.
func (w *projectWorld) patch(user, ifMatch string, body any) (int, []byte) {
	w.t.Helper()
	h := http.Header{}
	if ifMatch != "" {
		h.Set("If-Match", ifMatch)
	}
	return w.do(user, "PATCH", w.path, body, h)
}

func (w *projectWorld) get() projectJSON {
	w.t.Helper()
	var p projectJSON
	w.must(200, "alice", "GET", w.path, nil, &p)
	return p
}

func TestCreateProjectWithDefaultBoard(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newProjectWorld(t, db)
		p := w.proj
		if p.Key != "WS" || p.Status != "active" || p.Visibility != "organization" || p.Version != 1 ||
			p.OwnerID != w.users["alice"] || p.OrganizationID != w.org.ID || p.DefaultBoardID == nil {
			t.Fatalf("created: %+v", p)
		}
		sys := testfix.System()
		b := db.Ent.Board.Query().Where(board.ProjectID(p.ID)).OnlyX(sys)
		if b.ID != *p.DefaultBoardID || !b.IsDefault {
			t.Errorf("board: %+v", b)
		}
		cols := db.Ent.BoardColumn.Query().Where(boardcolumn.BoardID(b.ID)).Order(boardcolumn.ByPosition()).AllX(sys)
		var got []string
		for _, c := range cols {
			got = append(got, c.Name+"="+string(c.MappedStatus))
		}
		if strings.Join(got, ",") != "To Do=todo,In Progress=in_progress,In Review=in_review,Done=done" {
			t.Errorf("columns: %v", got)
		}
		owner := db.Ent.ProjectMember.Query().Where(projectmember.ProjectID(p.ID)).OnlyX(sys)
		if owner.UserID != w.users["alice"] || owner.Role != projectmember.RoleOwner {
			t.Errorf("owner member: %+v", owner)
		}
		// Creating sets the default board right after the board exists.
		wantActions(t, w.activity(p.ID), "project.create", "project.update")
		wantActions(t, w.activity(b.ID), "board.create")

		code, body := w.do("alice", "POST", fmt.Sprintf("/organizations/%s/projects", w.org.ID), map[string]string{"key": "WS", "name": "Again"}, nil)
		if code != 409 || !strings.Contains(problemOf(t, body).Detail, "WS") {
			t.Errorf("duplicate key: %d %s", code, body)
		}
		if code, _ := w.do("bobby", "POST", fmt.Sprintf("/organizations/%s/projects", w.org.ID), map[string]string{"key": "VW", "name": "Viewer's"}, nil); code != 403 {
			t.Errorf("viewer creating: %d", code)
		}
		var page projectPage
		w.must(200, "bobby", "GET", fmt.Sprintf("/organizations/%s/projects", w.org.ID), nil, &page)
		if len(page.Items) != 1 || page.Items[0].ID != p.ID {
			t.Errorf("list: %+v", page)
		}
	})
}

func TestUpdateProjectIfMatch(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newProjectWorld(t, db)
		before := len(w.activity(w.proj.ID))
		for _, tc := range []struct{ ifMatch, what string }{{"", "missing"}, {`"2"`, "stale"}, {"abc", "garbage"}} {
			code, body := w.patch("alice", tc.ifMatch, map[string]string{"name": "Lost"})
			if code != 412 || problemOf(t, body).Status != 412 {
				t.Errorf("%s If-Match: %d %s", tc.what, code, body)
			}
		}
		if p := w.get(); p.Name != "WorkSynapse" || p.Version != 1 || len(w.activity(p.ID)) != before {
			t.Fatalf("a refused PATCH changed something: %+v", p)
		}
		var p projectJSON
		code, body := w.patch("alice", `W/"1"`, map[string]string{"name": "WorkSynapse API", "description": "The API"})
		if code != 200 {
			t.Fatalf("PATCH: %d %s", code, body)
		}
		p = w.get()
		if p.Name != "WorkSynapse API" || p.Visibility != "organization" || p.Version != 2 {
			t.Errorf("updated: %+v", p)
		}
		rows := w.activity(p.ID)
		wantActions(t, rows, "project.create", "project.update", "project.update")
		upd := rows[len(rows)-1]
		if upd.OldValues["name"] != "WorkSynapse" || upd.NewValues["name"] != "WorkSynapse API" ||
			upd.NewValues["description"] != "The API" {
			t.Errorf("update row: old %v new %v", upd.OldValues, upd.NewValues)
		}
		// The version the client read is now stale.
		if code, _ := w.patch("alice", "1", map[string]string{"name": "Overwrite"}); code != 412 {
			t.Errorf("stale PATCH: %d", code)
		}
		if code, _ := w.patch("bobby", "2", map[string]string{"name": "Viewer"}); code != 403 {
			t.Errorf("viewer PATCH: %d", code)
		}
		if p := w.get(); p.Name != "WorkSynapse API" || p.Version != 2 {
			t.Errorf("refused PATCHes changed the project: %+v", p)
		}
		var feed struct {
			Items []struct {
				Action      string         `json:"action"`
				ActorUserID uuid.UUID      `json:"actor_user_id"`
				OldValues   map[string]any `json:"old_values"`
				NewValues   map[string]any `json:"new_values"`
				CreatedAt   time.Time      `json:"created_at"`
			} `json:"items"`
		}
		w.must(200, "alice", "GET", w.path+"/activity", nil, &feed)
		if len(feed.Items) != 3 || feed.Items[0].Action != "project.update" || feed.Items[0].NewValues["name"] != "WorkSynapse API" ||
			feed.Items[0].ActorUserID != w.users["alice"] || feed.Items[2].Action != "project.create" {
			t.Errorf("activity feed: %+v", feed.Items)
		}
		// Dates are calendar days; null clears a date or the description.
		var dated struct {
			StartDate   *time.Time `json:"start_date"`
			EndDate     *time.Time `json:"end_date"`
			Description *string    `json:"description"`
			Version     int        `json:"version"`
		}
		if code, body := w.patch("alice", "2", map[string]any{"start_date": "2026-03-01T10:30:00Z", "end_date": "2026-04-01T00:00:00Z"}); code != 200 {
			t.Fatalf("PATCH dates: %d %s", code, body)
		}
		w.must(200, "alice", "GET", w.path, nil, &dated)
		if dated.StartDate == nil || !dated.StartDate.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) || dated.EndDate == nil {
			t.Errorf("dates: %+v", dated)
		}
		if code, body := w.patch("alice", "3", map[string]any{"start_date": nil, "description": nil}); code != 200 {
			t.Fatalf("PATCH null: %d %s", code, body)
		}
		w.must(200, "alice", "GET", w.path, nil, &dated)
		if dated.StartDate != nil || dated.EndDate == nil || dated.Description == nil || *dated.Description != "" || dated.Version != 4 {
			t.Errorf("null did not clear exactly the start date and the description: %+v", dated)
		}
		if code, _ := w.patch("alice", "4", map[string]any{"owner_id": w.users["bobby"]}); code != 400 {
			t.Errorf("PATCH with a field the body does not name: %d", code)
		}
	})
}

func TestProjectsOfOtherOrganizationsAreNotFound(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newProjectWorld(t, db)
		list := fmt.Sprintf("/organizations/%s/projects", w.org.ID)
		for _, r := range []struct{ method, path string }{
			{"GET", w.path}, {"DELETE", w.path}, {"POST", w.path + "/archive"}, {"GET", w.path + "/members"},
			{"GET", w.path + "/activity"}, {"GET", list}, {"POST", list},
		} {
			if code, body := w.do("mallory", r.method, r.path, map[string]string{"key": "XX", "name": "x"}, nil); code != 404 {
				t.Errorf("%s %s: %d %s", r.method, r.path, code, body)
			}
		}
		if code, _ := w.patch("mallory", "1", map[string]string{"name": "Hijacked"}); code != 404 {
			t.Errorf("PATCH: %d", code)
		}
		if p := w.get(); p.Name != "WorkSynapse" || p.Version != 1 || p.Status != "active" {
			t.Errorf("changed by another organization: %+v", p)
		}
	})
}

func TestArchiveUnarchiveAndDeleteProject(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newProjectWorld(t, db)
		var p projectJSON
		w.must(200, "alice", "POST", w.path+"/archive", nil, &p)
		if p.Status != "archived" || p.ArchivedAt == nil || p.Version != 2 {
			t.Errorf("archived: %+v", p)
		}
		if code, _ := w.do("alice", "POST", w.path+"/archive", nil, nil); code != 409 {
			t.Errorf("archive twice: %d", code)
		}
		if code, _ := w.patch("alice", "2", map[string]string{"name": "Edit"}); code != 409 {
			t.Errorf("PATCH archived: %d", code)
		}
		if code, _ := w.do("bobby", "POST", w.path+"/unarchive", nil, nil); code != 403 {
			t.Errorf("viewer unarchive: %d", code)
		}
		var page projectPage
		w.must(200, "alice", "GET", fmt.Sprintf("/organizations/%s/projects?status=archived", w.org.ID), nil, &page)
		if len(page.Items) != 1 {
			t.Errorf("archived list: %+v", page)
		}
		w.must(200, "alice", "GET", fmt.Sprintf("/organizations/%s/projects?status=active", w.org.ID), nil, &page)
		if len(page.Items) != 0 {
			t.Errorf("active list: %+v", page)
		}
		p = projectJSON{}
		w.must(200, "alice", "POST", w.path+"/unarchive", nil, &p)
		if p.Status != "active" || p.ArchivedAt != nil || p.Version != 3 {
			t.Errorf("unarchived: %+v", p)
		}
		if code, _ := w.do("bobby", "DELETE", w.path, nil, nil); code != 403 {
			t.Errorf("viewer delete: %d", code)
		}
		w.must(204, "alice", "DELETE", w.path, nil, nil)
		if code, _ := w.do("alice", "GET", w.path, nil, nil); code != 404 {
			t.Errorf("deleted project: %d", code)
		}
		wantActions(t, w.activity(w.proj.ID), "project.create", "project.update",
			"project.status_change", "project.status_change", "project.delete")
		// The key of a deleted project can be reused.
		w.must(201, "alice", "POST", fmt.Sprintf("/organizations/%s/projects", w.org.ID), map[string]string{"key": "WS", "name": "New"}, nil)
	})
}

func TestProjectMembers(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newProjectWorld(t, db)
		members := w.path + "/members"
		bobby, alice := w.users["bobby"].String(), w.users["alice"].String()
		var m struct {
			UserID   uuid.UUID `json:"user_id"`
			Username string    `json:"username"`
			Role     string    `json:"role"`
		}
		w.must(201, "alice", "POST", members, map[string]string{"user_id": bobby, "role": "viewer"}, &m)
		if m.Username != "bobby" || m.Role != "viewer" {
			t.Errorf("added: %+v", m)
		}
		if code, _ := w.do("alice", "POST", members, map[string]string{"user_id": bobby, "role": "member"}, nil); code != 409 {
			t.Errorf("add twice: %d", code)
		}
		if code, _ := w.do("alice", "POST", members, map[string]string{"user_id": w.users["mallory"].String(), "role": "member"}, nil); code != 404 {
			t.Errorf("add a non-member of the organization: %d", code)
		}
		if code, _ := w.do("bobby", "PATCH", members+"/"+bobby, map[string]string{"role": "owner"}, nil); code != 403 {
			t.Errorf("viewer promoting themself: %d", code)
		}
		w.must(200, "alice", "PATCH", members+"/"+bobby, map[string]string{"role": "admin"}, &m)
		if m.Role != "admin" {
			t.Errorf("role change: %+v", m)
		}
		w.must(200, "alice", "PATCH", members+"/"+bobby, map[string]string{}, &m)
		if m.Role != "admin" || m.Username != "bobby" {
			t.Errorf("an empty PATCH changed the member: %+v", m)
		}
		if code, _ := w.do("alice", "PATCH", members+"/"+alice, map[string]string{"role": "member"}, nil); code != 409 {
			t.Errorf("demote the last owner: %d", code)
		}
		if code, _ := w.do("alice", "DELETE", members+"/"+alice, nil, nil); code != 409 {
			t.Errorf("remove the last owner: %d", code)
		}
		var page struct {
			Items []struct {
				UserID uuid.UUID `json:"user_id"`
				Role   string    `json:"role"`
			} `json:"items"`
		}
		w.must(200, "bobby", "GET", members, nil, &page)
		if len(page.Items) != 2 || page.Items[0].UserID != w.users["bobby"] || page.Items[0].Role != "admin" {
			t.Errorf("members: %+v", page.Items)
		}
		w.must(204, "alice", "DELETE", members+"/"+bobby, nil, nil)
		if code, _ := w.do("alice", "DELETE", members+"/"+bobby, nil, nil); code != 404 {
			t.Errorf("remove twice: %d", code)
		}
		sys := testfix.System()
		id := db.Ent.ProjectMember.Query().Where(projectmember.ProjectID(w.proj.ID)).OnlyX(sys).ID
		wantActions(t, w.activity(id), "project_member.create")
	})
}

// TestDeletedProjectTakesItsRowsAlong: once a project is deleted, its
// tasks and everything under them answer 404, for its admin as for its
// members (the project rule hides rows of deleted projects), while the
// project's audit trail stays readable.
func TestDeletedProjectTakesItsRowsAlong(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newProjectWorld(t, db)
		var task struct {
			ID uuid.UUID `json:"id"`
		}
		w.must(201, "alice", "POST", w.path+"/tasks", map[string]any{"title": "doomed"}, &task)
		tp := "/tasks/" + task.ID.String()
		w.must(201, "alice", "POST", tp+"/comments", map[string]any{"body": "a remark"}, nil)
		var boards struct {
			Items []struct {
				ID uuid.UUID `json:"id"`
			} `json:"items"`
		}
		w.must(200, "alice", "GET", w.path+"/boards", nil, &boards)
		if len(boards.Items) == 0 {
			t.Fatal("no default board")
		}
		w.must(200, "bobby", "GET", tp+"/comments", nil, nil)

		w.must(204, "alice", "DELETE", w.path, nil, nil)
		for _, user := range []string{"alice", "bobby"} {
			for _, path := range []string{tp, tp + "/comments", tp + "/attachments", tp + "/time-logs",
				tp + "/dependencies"} {
				if code, body := w.do(user, "GET", path, nil, nil); code != http.StatusNotFound {
					t.Errorf("GET %s of a deleted project as %s: %d %.200s", path, user, code, body)
				}
			}
		}
		board := "/boards/" + boards.Items[0].ID.String()
		if code, body := w.do("alice", "PATCH", board, map[string]any{"name": "renamed"}, http.Header{"If-Match": {"1"}}); code != http.StatusNotFound {
			t.Errorf("PATCH a board of a deleted project: %d %.200s", code, body)
		}
		if code, body := w.do("alice", "POST", tp+"/comments", map[string]any{"body": "late"}, nil); code != http.StatusNotFound {
			t.Errorf("comment on a task of a deleted project: %d %.200s", code, body)
		}
		wantActions(t, w.activity(w.proj.ID), "project.create", "project.update", "project.delete")
	})
}
