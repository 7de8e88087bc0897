package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/role"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/ent/session"
	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/ent/userrole"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// org is one organization with an ADMIN (alice) and a VIEWER (bob),
// both registered and signed in through the API.
type org struct {
	t             *testing.T
	s             *testserver.Server
	db            *database.DB
	org           *ent.Organization
	alice, bob    *oas.Me
	adminT, viewT string // access tokens
}

func newOrg(t *testing.T, db *database.DB, env testserver.Env) *org {
	t.Helper()
	o := &org{t: t, s: testserver.Start(t, db, env), db: db}
	testfix.Seed(t, db.Ent)
	o.org = testfix.Org(t, db.Ent, "Acme")
	o.alice, o.bob = register(t, o.s, "alice"), register(t, o.s, "bobby")
	o.join(o.alice.ID, seed.RoleAdmin)
	o.join(o.bob.ID, seed.RoleViewer)
	o.adminT = login(t, o.s, "alice", goodPassword).AccessToken
	o.viewT = login(t, o.s, "bobby", goodPassword).AccessToken
	return o
}

// join makes user a member of the organization holding a seeded role.
func (o *org) join(id uuid.UUID, roleName string) {
	u := o.db.Ent.User.GetX(testfix.System(), id)
	testfix.Member(o.t, o.db.Ent, o.org, u)
	testfix.Grant(o.t, o.db.Ent, o.org, u, roleName)
}

// call sends a JSON request with token and returns the status and body.
func (o *org) call(token, method, path string, body any) (int, []byte) {
	o.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			o.t.Fatal(err)
		}
	}
	resp, b := o.s.Do(o.t, method, path, "application/json", raw, http.Header{"Authorization": {"Bearer " + token}})
	return resp.StatusCode, b
}

// must fails the test unless the call answers want; it decodes the body
// into out when given.
func (o *org) must(want int, token, method, path string, body, out any) {
	o.t.Helper()
	code, b := o.call(token, method, path, body)
	if code != want {
		o.t.Fatalf("%s %s: want %d, got %d %s", method, path, want, code, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			o.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

func (o *org) path(format string, args ...any) string {
	return fmt.Sprintf("/organizations/%s"+format, append([]any{o.org.ID}, args...)...)
}

func (o *org) systemRole(name string) uuid.UUID {
	return o.db.Ent.Role.Query().Where(role.Name(name), role.OrganizationID(uuid.Nil)).OnlyIDX(testfix.System())
}

// event returns the only SecurityAuditLog event of kind, checking who
// did it and in which organization.
func (o *org) event(kind string, actor uuid.UUID, inOrg bool) *ent.SecurityAuditLog {
	o.t.Helper()
	rows := securityEvents(o.t, o.db, kind)
	if len(rows) != 1 {
		o.t.Fatalf("want one %s event, got %d", kind, len(rows))
	}
	e := rows[0]
	if e.UserID == nil || *e.UserID != actor {
		o.t.Errorf("%s: actor %v, want %s", kind, e.UserID, actor)
	}
	if inOrg != (e.OrganizationID == o.org.ID) {
		o.t.Errorf("%s: organization %v", kind, e.OrganizationID)
	}
	return e
}

type roleJSON struct {
	ID             uuid.UUID  `json:"id"`
	OrganizationID *uuid.UUID `json:"organization_id"`
	Name           string     `json:"name"`
	Description    string     `json:"description"`
	IsSystem       bool       `json:"is_system"`
	Permissions    []struct {
		Resource string `json:"resource"`
		Action   string `json:"action"`
	} `json:"permissions"`
}

type rolePage struct {
	Items      []roleJSON `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

func TestAdminManagesCustomRoles(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		o := newOrg(t, db, nil)
		a := o.alice.ID
		var r roleJSON
		o.must(201, o.adminT, "POST", o.path("/roles"), map[string]string{"name": "RELEASE_MANAGER", "description": "Ships"}, &r)
		if r.IsSystem || r.OrganizationID == nil || *r.OrganizationID != o.org.ID || len(r.Permissions) != 0 {
			t.Fatalf("created role: %+v", r)
		}
		// System roles belong to no organization: null in the contract
		// (the nil UUID in the database, oasfield.NilIsNull).
		var all rolePage
		o.must(200, o.adminT, "GET", o.path("/roles"), nil, &all)
		system := 0
		for _, sr := range all.Items {
			if sr.IsSystem {
				system++
				if sr.OrganizationID != nil {
					t.Errorf("system role %s: organization_id %s, want null", sr.Name, sr.OrganizationID)
				}
			}
		}
		if system == 0 {
			t.Errorf("no system role among %d roles", len(all.Items))
		}
		o.event("rbac.role_created", a, true)
		grant := map[string]string{"resource": "activity_log", "action": "read"}
		o.must(204, o.adminT, "POST", o.path("/roles/%s/permissions", r.ID), grant, nil)
		o.must(204, o.adminT, "POST", o.path("/roles/%s/permissions", r.ID), grant, nil) // idempotent
		if e := o.event("rbac.permission_granted", a, true); e.Details["permission"] != "activity_log:read" {
			t.Errorf("grant event details: %v", e.Details)
		}
		o.must(200, o.adminT, "GET", o.path("/roles/%s", r.ID), nil, &r)
		if len(r.Permissions) != 1 || r.Permissions[0].Resource != "activity_log" {
			t.Errorf("role permissions: %+v", r.Permissions)
		}
		o.must(422, o.adminT, "POST", o.path("/roles/%s/permissions", r.ID), map[string]string{"resource": "nuclear_codes", "action": "read"}, nil)
		o.must(200, o.adminT, "PATCH", o.path("/roles/%s", r.ID), map[string]string{"description": "Ships releases"}, &r)
		if r.Name != "RELEASE_MANAGER" || r.Description != "Ships releases" {
			t.Errorf("updated role: %+v", r)
		}
		o.event("rbac.role_updated", a, true)

		var page rolePage
		o.must(200, o.adminT, "GET", o.path("/roles?limit=4"), nil, &page)
		if len(page.Items) != 4 || page.NextCursor == nil {
			t.Fatalf("first page: %+v", page)
		}
		var rest rolePage
		o.must(200, o.adminT, "GET", o.path("/roles?limit=4&cursor=%s", *page.NextCursor), nil, &rest)
		if len(rest.Items) != 2 || rest.NextCursor != nil {
			t.Fatalf("five system roles and one custom role expected, second page: %+v", rest)
		}

		o.must(204, o.adminT, "DELETE", o.path("/roles/%s/permissions/activity_log/read", r.ID), nil, nil)
		o.must(404, o.adminT, "DELETE", o.path("/roles/%s/permissions/activity_log/read", r.ID), nil, nil)
		o.event("rbac.permission_revoked", a, true)
		o.must(204, o.adminT, "DELETE", o.path("/roles/%s", r.ID), nil, nil)
		o.must(404, o.adminT, "GET", o.path("/roles/%s", r.ID), nil, nil)
		o.event("rbac.role_deleted", a, true)
	})
}

func TestSystemRolesAreImmutable(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		o := newOrg(t, db, nil)
		admin := o.systemRole(seed.RoleAdmin)
		o.must(409, o.adminT, "PATCH", o.path("/roles/%s", admin), map[string]string{"description": "mine"}, nil)
		o.must(409, o.adminT, "DELETE", o.path("/roles/%s", admin), nil, nil)
		o.must(409, o.adminT, "POST", o.path("/roles/%s/permissions", o.systemRole(seed.RoleViewer)),
			map[string]string{"resource": "task", "action": "delete"}, nil)
		o.must(409, o.adminT, "DELETE", o.path("/roles/%s/permissions/task/read", o.systemRole(seed.RoleViewer)), nil, nil)
		o.must(409, o.adminT, "POST", o.path("/roles"), map[string]string{"name": "ADMIN"}, nil)
		o.must(422, o.adminT, "POST", o.path("/members/%s/roles", o.bob.ID), map[string]any{"role_id": o.systemRole(seed.RoleSuperAdmin)}, nil)
		if n := len(securityEvents(t, db, "rbac.role_created")); n != 0 {
			t.Errorf("refused changes wrote %d events", n)
		}
	})
}

func TestRoleChangesTakeEffectOnTheNextRequest(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		o := newOrg(t, db, nil)
		o.must(403, o.viewT, "POST", o.path("/roles"), map[string]string{"name": "BOBS_ROLE"}, nil)
		var creator roleJSON
		o.must(201, o.adminT, "POST", o.path("/roles"), map[string]string{"name": "ROLE_CREATOR"}, &creator)
		for _, a := range []string{"create", "read"} {
			o.must(204, o.adminT, "POST", o.path("/roles/%s/permissions", creator.ID), map[string]string{"resource": "role", "action": a}, nil)
		}
		o.must(204, o.adminT, "POST", o.path("/members/%s/roles", o.bob.ID), map[string]any{"role_id": creator.ID}, nil)
		e := o.event("rbac.role_assigned", o.alice.ID, true)
		if e.Details["target_user_id"] != o.bob.ID.String() || e.Details["role"] != "ROLE_CREATOR" {
			t.Errorf("assignment event details: %v", e.Details)
		}
		// Same access token, next request: the new role applies.
		res, err := o.s.ClientWithToken(t, o.viewT).GetMe(context.Background())
		if m, ok := res.(*oas.Me); err != nil || !ok || len(m.Memberships) != 1 || !slices.Contains(m.Memberships[0].Roles, "ROLE_CREATOR") {
			t.Fatalf("me after assignment: %v %+v", err, res)
		}
		o.must(201, o.viewT, "POST", o.path("/roles"), map[string]string{"name": "BOBS_ROLE"}, nil)
		var mine rolePage
		o.must(200, o.viewT, "GET", o.path("/members/%s/roles", o.bob.ID), nil, &mine)
		if len(mine.Items) != 2 {
			t.Errorf("bob's roles: %+v", mine.Items)
		}

		o.must(204, o.adminT, "DELETE", o.path("/members/%s/roles/%s", o.bob.ID, creator.ID), nil, nil)
		o.event("rbac.role_unassigned", o.alice.ID, true)
		o.must(403, o.viewT, "POST", o.path("/roles"), map[string]string{"name": "BOBS_OTHER_ROLE"}, nil)
		o.must(404, o.adminT, "DELETE", o.path("/members/%s/roles/%s", o.bob.ID, creator.ID), nil, nil)

		// Revoking a permission of a held role also applies at once.
		o.must(204, o.adminT, "POST", o.path("/members/%s/roles", o.bob.ID), map[string]any{"role_id": creator.ID}, nil)
		o.must(201, o.viewT, "POST", o.path("/roles"), map[string]string{"name": "BOBS_THIRD_ROLE"}, nil)
		o.must(204, o.adminT, "DELETE", o.path("/roles/%s/permissions/role/create", creator.ID), nil, nil)
		o.must(403, o.viewT, "POST", o.path("/roles"), map[string]string{"name": "BOBS_FOURTH_ROLE"}, nil)
	})
}

func TestNonAdminsAreForbidden(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		o := newOrg(t, db, nil)
		var custom roleJSON
		o.must(201, o.adminT, "POST", o.path("/roles"), map[string]string{"name": "CUSTOM"}, &custom)
		admin := o.systemRole(seed.RoleAdmin)
		bob, v := o.bob.ID, o.viewT
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"POST", o.path("/roles"), map[string]string{"name": "NOPE"}},
			{"PATCH", o.path("/roles/%s", custom.ID), map[string]string{"description": "x"}},
			{"DELETE", o.path("/roles/%s", custom.ID), nil},
			{"POST", o.path("/roles/%s/permissions", custom.ID), map[string]string{"resource": "role", "action": "read"}},
			{"POST", o.path("/members/%s/roles", bob), map[string]any{"role_id": admin}},
			{"POST", o.path("/members/%s/roles", bob), map[string]any{"role_id": o.systemRole(seed.RoleViewer)}}, // even a no-op
			{"DELETE", o.path("/members/%s/roles/%s", o.alice.ID, admin), nil},
			{"POST", fmt.Sprintf("/users/%s/unlock", o.alice.ID), nil},
			{"POST", fmt.Sprintf("/users/%s/deactivate", o.alice.ID), nil},
		} {
			if code, b := o.call(v, c.method, c.path, c.body); code != http.StatusForbidden {
				t.Errorf("VIEWER %s %s: want 403, got %d %s", c.method, c.path, code, b)
			}
		}
		// An organization ADMIN is not the platform's SUPER_ADMIN.
		o.must(403, o.adminT, "POST", fmt.Sprintf("/users/%s/deactivate", bob), nil, nil)
		// Outsiders do not even learn the organization exists.
		register(t, o.s, "outsider")
		out := login(t, o.s, "outsider", goodPassword).AccessToken
		o.must(404, out, "GET", o.path("/roles"), nil, nil)
		o.must(404, out, "POST", o.path("/roles"), map[string]string{"name": "OUTSIDE"}, nil)
		o.must(404, out, "GET", o.path("/users"), nil, nil)

		c := db.Ent
		if held := c.UserRole.Query().Where(userrole.UserID(bob), userrole.RoleID(admin)).ExistX(testfix.System()); held {
			t.Error("bob became ADMIN")
		}
		if u := c.User.GetX(testfix.System(), o.alice.ID); u.Status != user.StatusActive {
			t.Errorf("alice is %s", u.Status)
		}
		for _, kind := range []string{"rbac.role_updated", "rbac.role_deleted", "rbac.permission_granted", "rbac.role_assigned", "admin.user_deactivated"} {
			if n := len(securityEvents(t, db, kind)); n != 0 {
				t.Errorf("forbidden calls wrote %d %s events", n, kind)
			}
		}
	})
}

type orgUser struct {
	ID               uuid.UUID `json:"id"`
	Status           string    `json:"status"`
	MembershipStatus string    `json:"membership_status"`
	Locked           bool      `json:"locked"`
	Roles            []string  `json:"roles"`
}

type orgUserPage struct {
	Items      []orgUser `json:"items"`
	NextCursor *string   `json:"next_cursor"`
}

// bobIn finds bob in the organization's user list (two pages of one).
func (o *org) bobIn(token string) orgUser {
	o.t.Helper()
	var first, second orgUserPage
	o.must(200, token, "GET", o.path("/users?limit=1"), nil, &first)
	if first.NextCursor == nil {
		o.t.Fatalf("first page of users should have a next cursor: %+v", first)
	}
	o.must(200, token, "GET", o.path("/users?limit=1&cursor=%s", *first.NextCursor), nil, &second)
	for _, u := range append(first.Items, second.Items...) {
		if u.ID == o.bob.ID {
			return u
		}
	}
	o.t.Fatalf("bob is not listed: %+v %+v", first, second)
	return orgUser{}
}

func TestUnlockAndOrganizationUsers(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		o := newOrg(t, db, testserver.Env{"WORKSYNAPSE_AUTH_LOCKOUT_MAX_ATTEMPTS": "3", "WORKSYNAPSE_AUTH_LOCKOUT_DURATION": "1h"})
		for range 3 {
			b, _ := json.Marshal(map[string]string{"identifier": "bobby", "password": "wrong password!!"})
			o.s.Do(t, "POST", "/auth/login", "application/json", b, nil)
		}
		bob := o.bobIn(o.adminT)
		if !bob.Locked || bob.Status != "active" || bob.MembershipStatus != "active" || !slices.Equal(bob.Roles, []string{"VIEWER"}) {
			t.Fatalf("locked bob as listed: %+v", bob)
		}
		o.must(204, o.adminT, "POST", fmt.Sprintf("/users/%s/unlock", o.bob.ID), nil, nil)
		e := o.event("admin.user_unlocked", o.alice.ID, false)
		if e.Details["target_user_id"] != o.bob.ID.String() {
			t.Errorf("unlock event details: %v", e.Details)
		}
		if bob := o.bobIn(o.adminT); bob.Locked {
			t.Errorf("bob still listed as locked")
		}
		u := db.Ent.User.GetX(testfix.System(), o.bob.ID)
		if u.LockedUntil != nil || u.FailedLoginAttempts != 0 {
			t.Errorf("lockout not cleared: %v %d", u.LockedUntil, u.FailedLoginAttempts)
		}
		login(t, o.s, "bobby", goodPassword)
		o.must(404, o.adminT, "POST", fmt.Sprintf("/users/%s/unlock", uuid.New()), nil, nil)
	})
}

func TestDeactivateRevokesSessions(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		o := newOrg(t, db, nil)
		root := register(t, o.s, "rooty")
		testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) error {
			return tx.User.UpdateOneID(root.ID).SetIsSuperuser(true).Exec(testfix.System())
		})
		rootT := login(t, o.s, "rooty", goodPassword).AccessToken
		second := login(t, o.s, "bobby", goodPassword)

		o.must(409, rootT, "POST", fmt.Sprintf("/users/%s/deactivate", root.ID), nil, nil)
		o.must(204, rootT, "POST", fmt.Sprintf("/users/%s/deactivate", o.bob.ID), nil, nil)
		for _, tok := range []string{o.viewT, second.AccessToken} {
			if code := me(t, o.s, tok); code != http.StatusUnauthorized {
				t.Errorf("token of a deactivated user: %d", code)
			}
		}
		res, _ := o.s.Client.RefreshToken(context.Background(), &oas.RefreshRequest{RefreshToken: second.RefreshToken})
		if _, ok := res.(*oas.RefreshTokenUnauthorized); !ok {
			t.Errorf("refresh of a deactivated user: %T", res)
		}
		c, sys := db.Ent, testfix.System()
		if live := c.Session.Query().Where(session.UserID(o.bob.ID), session.RevokedAtIsNil()).CountX(sys); live != 0 {
			t.Errorf("%d sessions of bob still live", live)
		}
		if u := c.User.GetX(sys, o.bob.ID); u.Status != user.StatusDeactivated {
			t.Errorf("bob is %s", u.Status)
		}
		e := o.event("admin.user_deactivated", root.ID, false)
		if e.Severity != securityauditlog.SeverityWarning || e.Details["revoked_sessions"] != float64(2) {
			t.Errorf("deactivation event: %s %v", e.Severity, e.Details)
		}
		login401, _ := json.Marshal(map[string]string{"identifier": "bobby", "password": goodPassword})
		if resp, _ := o.s.Do(t, "POST", "/auth/login", "application/json", login401, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a deactivated user signed in: %d", resp.StatusCode)
		}
	})
}

func TestAdminBodiesCannotMassAssign(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		o := newOrg(t, db, nil)
		other := testfix.Org(t, db.Ent, "Other")
		c, sys := db.Ent, testfix.System()
		// The role bodies are closed (additionalProperties: false): a field
		// the operation does not name is refused outright.
		o.must(400, o.adminT, "POST", o.path("/roles"), map[string]any{
			"name": "SNEAKY", "is_system": true, "organization_id": other.ID, "id": uuid.New(), "is_superuser": true,
		}, nil)
		if n := c.Role.Query().Where(role.Name("SNEAKY")).CountX(sys); n != 0 {
			t.Fatalf("a refused create stored %d roles", n)
		}
		var r roleJSON
		o.must(201, o.adminT, "POST", o.path("/roles"), map[string]any{"name": "SNEAKY"}, &r)
		o.must(400, o.adminT, "PATCH", o.path("/roles/%s", r.ID), map[string]any{
			"organization_id": other.ID, "is_system": true, "status": "deactivated", "description": "ok",
		}, nil)
		o.must(200, o.adminT, "PATCH", o.path("/roles/%s", r.ID), map[string]any{"description": "ok"}, nil)
		if stored := c.Role.GetX(sys, r.ID); stored.IsSystem || stored.OrganizationID != o.org.ID || stored.Description != "ok" {
			t.Fatalf("the role changed beyond its description: %+v", stored)
		}
		o.must(204, o.adminT, "POST", o.path("/members/%s/roles", o.bob.ID), map[string]any{
			"role_id": r.ID, "user_id": o.alice.ID, "organization_id": other.ID, "is_superuser": true, "status": "deactivated",
		}, nil)
		g := c.UserRole.Query().Where(userrole.RoleID(r.ID)).OnlyX(sys)
		if g.UserID != o.bob.ID || g.OrganizationID != o.org.ID {
			t.Errorf("assignment went to user %s in %s", g.UserID, g.OrganizationID)
		}
		o.must(204, o.adminT, "POST", fmt.Sprintf("/users/%s/unlock", o.bob.ID), map[string]any{"is_superuser": true, "status": "deactivated"}, nil)
		for _, id := range []uuid.UUID{o.alice.ID, o.bob.ID} {
			if u := c.User.GetX(sys, id); u.IsSuperuser || u.Status != user.StatusActive {
				t.Errorf("%s: superuser=%t status=%s", u.Username, u.IsSuperuser, u.Status)
			}
		}
	})
}
