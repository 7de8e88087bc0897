package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/role"
	"github.com/worksynapse/worksynapse/ent/userrole"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/softdelete"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// workspace is a test server with users registered and signed in
// through the API; tokens are keyed by username.
type workspace struct {
	t      *testing.T
	s      *testserver.Server
	db     *database.DB
	users  map[string]uuid.UUID
	tokens map[string]string
}

func newWorkspace(t *testing.T, db *database.DB, usernames ...string) *workspace {
	t.Helper()
	return newWorkspaceEnv(t, db, nil, usernames...)
}

// newWorkspaceEnv is newWorkspace on a server configured by env.
func newWorkspaceEnv(t *testing.T, db *database.DB, env testserver.Env, usernames ...string) *workspace {
	t.Helper()
	w := &workspace{t: t, s: testserver.Start(t, db, env), db: db, users: map[string]uuid.UUID{}, tokens: map[string]string{}}
	testfix.Seed(t, db.Ent)
	for _, name := range usernames {
		w.users[name] = register(t, w.s, name).ID
		w.tokens[name] = login(t, w.s, name, goodPassword).AccessToken
	}
	return w
}

// do sends a JSON request as user (with extra headers) and returns the
// status and body.
func (w *workspace) do(user, method, path string, body any, header http.Header) (int, []byte) {
	w.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			w.t.Fatal(err)
		}
	}
	h := http.Header{"Authorization": {"Bearer " + w.tokens[user]}}
	for k, v := range header {
		h[k] = v
	}
	resp, b := w.s.Do(w.t, method, path, "application/json", raw, h)
	return resp.StatusCode, b
}

// must fails unless the request answers want, decoding the body into out.
func (w *workspace) must(want int, user, method, path string, body, out any) {
	w.t.Helper()
	code, b := w.do(user, method, path, body, nil)
	if code != want {
		w.t.Fatalf("%s %s as %s: want %d, got %d %s", method, path, user, want, code, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			w.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

type orgJSON struct {
	ID                 uuid.UUID `json:"id"`
	Name               string    `json:"name"`
	Slug               string    `json:"slug"`
	TimeZone           string    `json:"time_zone"`
	AuditRetentionDays int       `json:"audit_retention_days"`
}

// createOrg creates an organization as user through the API.
func (w *workspace) createOrg(user, slug string) orgJSON {
	w.t.Helper()
	var o orgJSON
	w.must(201, user, "POST", "/organizations", map[string]string{"name": strings.ToUpper(slug), "slug": slug}, &o)
	return o
}

// addMember adds user to org with a system role through the API.
func (w *workspace) addMember(admin string, org uuid.UUID, user, roleName string) {
	w.t.Helper()
	w.must(201, admin, "POST", fmt.Sprintf("/organizations/%s/members", org),
		map[string]string{"email": user + "@example.com", "role": roleName}, nil)
}

// activity returns the audit rows of resource id, oldest first.
func (w *workspace) activity(id uuid.UUID) []*ent.ActivityLog {
	w.t.Helper()
	rows, err := w.db.Ent.ActivityLog.Query().Where(activitylog.ResourceID(id)).
		Order(ent.Asc(activitylog.FieldID)).All(testfix.System())
	if err != nil {
		w.t.Fatal(err)
	}
	return rows
}

// actions lists the actions of rows.
func actions(rows []*ent.ActivityLog) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Action
	}
	return out
}

func wantActions(t *testing.T, rows []*ent.ActivityLog, want ...string) {
	t.Helper()
	if got := strings.Join(actions(rows), ","); got != strings.Join(want, ",") {
		t.Errorf("activity: got %s, want %s", got, strings.Join(want, ","))
	}
}

func TestCreateOrganizationMakesTheCreatorAdmin(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorkspace(t, db, "alice")
		o := w.createOrg("alice", "acme")
		if o.Name != "ACME" || o.TimeZone != "UTC" || o.AuditRetentionDays != 365 {
			t.Errorf("created: %+v", o)
		}
		sys := testfix.System()
		m := db.Ent.OrganizationMember.Query().Where(organizationmember.OrganizationID(o.ID)).OnlyX(sys)
		if m.UserID != w.users["alice"] || m.Status != organizationmember.StatusActive || m.JoinedAt == nil {
			t.Errorf("membership: %+v", m)
		}
		grant := db.Ent.UserRole.Query().Where(userrole.OrganizationID(o.ID)).WithRole().OnlyX(sys)
		if grant.UserID != w.users["alice"] || grant.Edges.Role.Name != "ADMIN" {
			t.Errorf("grant: %+v", grant)
		}
		wantActions(t, w.activity(o.ID), "organization.create")

		code, body := w.do("alice", "POST", "/organizations", map[string]string{"name": "Other", "slug": "acme"}, nil)
		if code != 409 || !strings.Contains(problemOf(t, body).Detail, "acme") {
			t.Errorf("duplicate slug: %d %s", code, body)
		}
		code, _ = w.do("alice", "POST", "/organizations", map[string]string{"name": "Bad", "slug": "Not A Slug"}, nil)
		if code != 422 {
			t.Errorf("invalid slug: %d", code)
		}
		var page struct {
			Items      []orgJSON `json:"items"`
			NextCursor *string   `json:"next_cursor"`
		}
		w.must(200, "alice", "GET", "/organizations", nil, &page)
		if len(page.Items) != 1 || page.Items[0].ID != o.ID || page.NextCursor != nil {
			t.Errorf("list: %+v", page)
		}

		// The same person administers a second organization: one role held
		// in two organizations (an ent edge schema would have made
		// (user_id, role_id) unique and refused this grant).
		second := w.createOrg("alice", "globex")
		admins := db.Ent.UserRole.Query().Where(userrole.UserID(w.users["alice"])).WithRole().AllX(sys)
		if len(admins) != 2 || admins[0].RoleID != admins[1].RoleID || admins[0].Edges.Role.Name != "ADMIN" {
			t.Errorf("grants in two organizations: %+v", admins)
		}
		w.must(200, "alice", "GET", "/organizations", nil, &page)
		if len(page.Items) != 2 {
			t.Errorf("list after a second organization: %+v", page)
		}
		w.must(200, "alice", "GET", "/organizations/"+second.ID.String(), nil, nil)
	})
}

func TestUpdateOrganizationNeedsPermissionAndIsAudited(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorkspace(t, db, "alice", "bobby", "mallory")
		o := w.createOrg("alice", "acme")
		w.createOrg("mallory", "evil")
		w.addMember("alice", o.ID, "bobby", "VIEWER")
		path := fmt.Sprintf("/organizations/%s", o.ID)

		var got orgJSON
		w.must(200, "alice", "PATCH", path, map[string]any{"name": "Acme Corp", "audit_retention_days": 730, "time_zone": "Europe/Berlin"}, &got)
		if got.Name != "Acme Corp" || got.AuditRetentionDays != 730 || got.TimeZone != "Europe/Berlin" || got.Slug != "acme" {
			t.Errorf("updated: %+v", got)
		}
		rows := w.activity(o.ID)
		wantActions(t, rows, "organization.create", "organization.update")
		upd := rows[len(rows)-1]
		if upd.OldValues["name"] != "ACME" || upd.NewValues["name"] != "Acme Corp" || upd.ActorUserID == nil || *upd.ActorUserID != w.users["alice"] {
			t.Errorf("update row: old %v new %v actor %v", upd.OldValues, upd.NewValues, upd.ActorUserID)
		}
		if code, _ := w.do("alice", "PATCH", path, map[string]any{"time_zone": "Mars/Olympus"}, nil); code != 422 {
			t.Errorf("unknown time zone: %d", code)
		}

		w.must(200, "bobby", "GET", path, nil, &got)
		if code, _ := w.do("bobby", "PATCH", path, map[string]any{"name": "Hijacked"}, nil); code != 403 {
			t.Errorf("viewer PATCH: %d", code)
		}
		for _, m := range []string{"GET", "PATCH"} {
			if code, _ := w.do("mallory", m, path, map[string]any{"name": "Hijacked"}, nil); code != 404 {
				t.Errorf("other organization %s: %d", m, code)
			}
		}
		if code, _ := w.do("mallory", "DELETE", path+"/members/"+w.users["bobby"].String(), nil, nil); code != 404 {
			t.Errorf("other organization DELETE member: %d", code)
		}
		w.must(200, "alice", "GET", path, nil, &got)
		if got.Name != "Acme Corp" {
			t.Errorf("denied updates changed the organization: %+v", got)
		}
		wantActions(t, w.activity(o.ID), "organization.create", "organization.update")

		// null clears the description; the budgets are not part of the
		// organization's shape (members without agent_call:read see it).
		w.must(200, "alice", "PATCH", path, map[string]any{"description": "Rockets"}, nil)
		var raw map[string]any
		w.must(200, "alice", "PATCH", path, map[string]any{"description": nil}, &raw)
		if raw["description"] != "" {
			t.Errorf("null description: %v", raw["description"])
		}
		for _, k := range []string{"monthly_budget_micros", "daily_budget_micros", "budget_warn_percent", "deleted_at"} {
			if _, ok := raw[k]; ok {
				t.Errorf("the organization carries %s", k)
			}
		}
		if code, _ := w.do("alice", "PATCH", path, map[string]any{"slug": "renamed"}, nil); code != 400 {
			t.Errorf("PATCH slug (not in the body): %d", code)
		}
	})
}

type memberJSON struct {
	UserID   uuid.UUID `json:"user_id"`
	Email    string    `json:"email"`
	Username string    `json:"username"`
	Status   string    `json:"status"`
	Roles    []string  `json:"roles"`
}

func TestOrganizationMembers(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorkspace(t, db, "alice", "bobby")
		o := w.createOrg("alice", "acme")
		path := fmt.Sprintf("/organizations/%s/members", o.ID)
		var m memberJSON
		w.must(201, "alice", "POST", path, map[string]string{"email": "BOBBY@example.com", "role": "DEVELOPER"}, &m)
		if m.UserID != w.users["bobby"] || m.Username != "bobby" || m.Status != "active" || len(m.Roles) != 1 || m.Roles[0] != "DEVELOPER" {
			t.Errorf("added: %+v", m)
		}
		code, body := w.do("alice", "POST", path, map[string]string{"email": "nobody@example.com", "role": "VIEWER"}, nil)
		if code != 404 || !strings.Contains(problemOf(t, body).Detail, "sign up") {
			t.Errorf("unknown email: %d %s", code, body)
		}
		if code, _ := w.do("alice", "POST", path, map[string]string{"email": "bobby@example.com", "role": "VIEWER"}, nil); code != 409 {
			t.Errorf("existing member: %d", code)
		}
		if code, _ := w.do("bobby", "POST", path, map[string]string{"email": "alice@example.com", "role": "VIEWER"}, nil); code != 403 && code != 409 {
			t.Errorf("developer adding: %d", code)
		}
		var page struct {
			Items []memberJSON `json:"items"`
		}
		w.must(200, "bobby", "GET", path, nil, &page)
		if len(page.Items) != 2 || page.Items[0].UserID != w.users["bobby"] || page.Items[1].Roles[0] != "ADMIN" {
			t.Errorf("members: %+v", page.Items)
		}

		code, body = w.do("alice", "DELETE", path+"/"+w.users["alice"].String(), nil, nil)
		if code != 409 || !strings.Contains(problemOf(t, body).Detail, "last ADMIN") {
			t.Errorf("removing the last admin: %d %s", code, body)
		}
		if code, _ := w.do("bobby", "DELETE", path+"/"+w.users["alice"].String(), nil, nil); code != 403 {
			t.Errorf("developer removing: %d", code)
		}
		w.must(204, "alice", "DELETE", path+"/"+w.users["bobby"].String(), nil, nil)
		sys := softdelete.Skip(testfix.System())
		gone := db.Ent.OrganizationMember.Query().
			Where(organizationmember.OrganizationID(o.ID), organizationmember.UserID(w.users["bobby"])).OnlyX(sys)
		if gone.DeletedAt == nil {
			t.Error("membership not soft-deleted")
		}
		if n := db.Ent.UserRole.Query().Where(userrole.UserID(w.users["bobby"])).CountX(sys); n != 0 {
			t.Errorf("%d role grants left", n)
		}
		wantActions(t, w.activity(gone.ID), "organization_member.create", "organization_member.delete")
		if code, _ := w.do("bobby", "GET", fmt.Sprintf("/organizations/%s", o.ID), nil, nil); code != 404 {
			t.Errorf("removed member still sees the organization: %d", code)
		}
		// Removed members can be added again (the unique index is partial).
		w.addMember("alice", o.ID, "bobby", "ADMIN")
		if db.Ent.Role.Query().Where(role.Name("ADMIN"), role.HasUserRolesWith(userrole.UserID(w.users["bobby"]))).CountX(sys) != 1 {
			t.Error("re-added member is not ADMIN")
		}
		w.must(204, "bobby", "DELETE", path+"/"+w.users["alice"].String(), nil, nil)
	})
}

// Two ADMINs removing each other at the same time: the organization row
// lock makes the second removal see the first, so one ADMIN always stays
// (without it both checks could pass on PostgreSQL: write skew).
func TestConcurrentRemovalsKeepAnAdmin(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorkspace(t, db, "alice", "bobby")
		o := w.createOrg("alice", "acme")
		w.addMember("alice", o.ID, "bobby", "ADMIN")
		path := fmt.Sprintf("/organizations/%s/members/", o.ID)
		codes := make(chan int, 2)
		for _, pair := range [][2]string{{"alice", "bobby"}, {"bobby", "alice"}} {
			go func() {
				code, _ := w.do(pair[0], "DELETE", path+w.users[pair[1]].String(), nil, nil)
				codes <- code
			}()
		}
		got := []int{<-codes, <-codes}
		admins := db.Ent.UserRole.Query().Where(userrole.OrganizationID(o.ID),
			userrole.HasRoleWith(role.Name("ADMIN"))).CountX(testfix.System())
		// The loser is 409 (last ADMIN) or, when it authenticated after the
		// winner committed, 404 (no longer a member).
		loser := got[0] + got[1] - 204
		if admins != 1 || (got[0] != 204 && got[1] != 204) || (loser != 409 && loser != 404) {
			t.Errorf("concurrent removals answered %v and left %d ADMINs", got, admins)
		}
	})
}
