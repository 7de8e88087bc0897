package rule_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/label"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/permission"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/ent/role"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

var seedRoles = []string{seed.RoleAdmin, seed.RoleManager, seed.RoleDeveloper, seed.RoleViewer}

// world is organization A with one user per seeded role, and organization
// B with its own ADMIN: every case runs in A and against B.
type world struct {
	c      *ent.Client
	a, b   *ent.Organization
	projA  *ent.Project
	projB  *ent.Project
	as     map[string]context.Context // seeded role -> viewer in A
	asB    context.Context            // ADMIN of B
	people map[string]*ent.User
}

func newWorld(t *testing.T, c *ent.Client) *world {
	t.Helper()
	w := &world{c: c, a: testfix.Org(t, c, "A"), b: testfix.Org(t, c, "B"),
		as: map[string]context.Context{}, people: map[string]*ent.User{}}
	for _, r := range seedRoles {
		u := testfix.User(t, c, strings.ToLower(r))
		w.people[r] = u
		w.as[r] = testfix.AsRole(t, c, u, w.a, r)
	}
	w.asB = testfix.AsRole(t, c, testfix.User(t, c, "bob"), w.b, seed.RoleAdmin)
	w.projA, w.projB = project(t, c, w.a, w.people[seed.RoleAdmin]), project(t, c, w.b, w.people[seed.RoleAdmin])
	return w
}

var uniq atomic.Int64

// project is an organization-wide project of org: the role matrix is
// tested on it (private projects are projects_test.go's).
func project(t *testing.T, c *ent.Client, org *ent.Organization, owner *ent.User) *ent.Project {
	t.Helper()
	var p *ent.Project
	sys := testfix.System()
	testfix.Tx(t, sys, c, func(tx *ent.Tx) (err error) {
		p, err = tx.Project.Create().SetOrganizationID(org.ID).SetKey(fmt.Sprintf("P%d", uniq.Add(1))).
			SetName("Project").SetOwnerID(owner.ID).SetVisibility("organization").Save(sys)
		return err
	})
	return p
}

// subject is one tenant entity under test: how to make a row (as
// system), and how a viewer counts, creates, updates and deletes them.
type subject struct {
	name   string
	make   func(t *testing.T, w *world, org *ent.Organization) uuid.UUID
	count  func(ctx context.Context, w *world, org *ent.Organization) (int, error)
	exists func(w *world, id uuid.UUID) bool
	create func(ctx context.Context, tx *ent.Tx, w *world, org *ent.Organization, fresh *ent.User) error
	update func(ctx context.Context, tx *ent.Tx, id uuid.UUID) error
	delete func(ctx context.Context, tx *ent.Tx, id uuid.UUID) error
}

func (w *world) projectOf(org *ent.Organization) *ent.Project {
	if org.ID == w.a.ID {
		return w.projA
	}
	return w.projB
}

var labels = subject{
	name: "label",
	make: func(t *testing.T, w *world, org *ent.Organization) uuid.UUID {
		var id uuid.UUID
		testfix.Tx(t, testfix.System(), w.c, func(tx *ent.Tx) error {
			l, err := tx.Label.Create().SetOrganizationID(org.ID).SetProjectID(w.projectOf(org).ID).
				SetName(fmt.Sprintf("bug%d", uniq.Add(1))).Save(testfix.System())
			if err == nil {
				id = l.ID
			}
			return err
		})
		return id
	},
	count: func(ctx context.Context, w *world, org *ent.Organization) (int, error) {
		return w.c.Label.Query().Where(label.OrganizationID(org.ID)).Count(ctx)
	},
	exists: func(w *world, id uuid.UUID) bool {
		return w.c.Label.Query().Where(label.ID(id)).ExistX(testfix.System())
	},
	create: func(ctx context.Context, tx *ent.Tx, w *world, org *ent.Organization, fresh *ent.User) error {
		return tx.Label.Create().SetOrganizationID(org.ID).SetProjectID(w.projectOf(org).ID).
			SetName(fmt.Sprintf("new%d", uniq.Add(1))).Exec(ctx)
	},
	update: func(ctx context.Context, tx *ent.Tx, id uuid.UUID) error {
		return tx.Label.UpdateOneID(id).SetName(fmt.Sprintf("renamed%d", uniq.Add(1))).Exec(ctx)
	},
	delete: func(ctx context.Context, tx *ent.Tx, id uuid.UUID) error {
		return tx.Label.DeleteOneID(id).Exec(ctx)
	},
}

var members = subject{
	name: "organization member",
	make: func(t *testing.T, w *world, org *ent.Organization) uuid.UUID {
		u := testfix.User(t, w.c, "m")
		testfix.Member(t, w.c, org, u)
		return w.c.OrganizationMember.Query().Where(organizationmember.UserID(u.ID)).OnlyIDX(testfix.System())
	},
	count: func(ctx context.Context, w *world, org *ent.Organization) (int, error) {
		return w.c.OrganizationMember.Query().Where(organizationmember.OrganizationID(org.ID)).Count(ctx)
	},
	exists: func(w *world, id uuid.UUID) bool {
		return w.c.OrganizationMember.Query().Where(organizationmember.ID(id)).ExistX(testfix.System())
	},
	create: func(ctx context.Context, tx *ent.Tx, w *world, org *ent.Organization, fresh *ent.User) error {
		return tx.OrganizationMember.Create().SetOrganizationID(org.ID).SetUserID(fresh.ID).Exec(ctx)
	},
	update: func(ctx context.Context, tx *ent.Tx, id uuid.UUID) error {
		return tx.OrganizationMember.UpdateOneID(id).SetStatus(organizationmember.StatusSuspended).Exec(ctx)
	},
	delete: func(ctx context.Context, tx *ent.Tx, id uuid.UUID) error {
		return tx.OrganizationMember.DeleteOneID(id).Exec(ctx)
	},
}

var customRoles = subject{
	name: "custom role",
	make: func(t *testing.T, w *world, org *ent.Organization) uuid.UUID {
		var id uuid.UUID
		testfix.Tx(t, testfix.System(), w.c, func(tx *ent.Tx) error {
			r, err := tx.Role.Create().SetOrganizationID(org.ID).SetName(fmt.Sprintf("R%d", uniq.Add(1))).Save(testfix.System())
			if err == nil {
				id = r.ID
			}
			return err
		})
		return id
	},
	count: func(ctx context.Context, w *world, org *ent.Organization) (int, error) {
		return w.c.Role.Query().Where(role.OrganizationID(org.ID)).Count(ctx)
	},
	exists: func(w *world, id uuid.UUID) bool {
		return w.c.Role.Query().Where(role.ID(id)).ExistX(testfix.System())
	},
	create: func(ctx context.Context, tx *ent.Tx, w *world, org *ent.Organization, fresh *ent.User) error {
		return tx.Role.Create().SetOrganizationID(org.ID).SetName(fmt.Sprintf("NEW%d", uniq.Add(1))).Exec(ctx)
	},
	update: func(ctx context.Context, tx *ent.Tx, id uuid.UUID) error {
		return tx.Role.UpdateOneID(id).SetDescription("changed").Exec(ctx)
	},
	delete: func(ctx context.Context, tx *ent.Tx, id uuid.UUID) error {
		return tx.Role.DeleteOneID(id).Exec(ctx)
	},
}

// rbacCases is the expected matrix, written out rather than derived from
// seed.Matrix so a change of the matrix shows up here: c r u d, "-" for
// denied. MANAGER's member:manage implies member CRUD (as Keycloak's
// manage-users includes view-users).
var rbacCases = []struct {
	subject subject
	allowed map[string]string
}{
	{labels, map[string]string{"ADMIN": "crud", "MANAGER": "crud", "DEVELOPER": "cru-", "VIEWER": "-r--"}},
	{members, map[string]string{"ADMIN": "crud", "MANAGER": "crud", "DEVELOPER": "-r--", "VIEWER": "-r--"}},
	{customRoles, map[string]string{"ADMIN": "crud", "MANAGER": "-r--", "DEVELOPER": "-r--", "VIEWER": "-r--"}},
}

func TestSeededRolesOnTenantEntities(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db.Ent)
		for _, tc := range rbacCases {
			for _, r := range seedRoles {
				t.Run(tc.subject.name+"/"+r, func(t *testing.T) {
					checkOwnOrganization(t, w, tc.subject, w.as[r], tc.allowed[r])
					checkOtherOrganization(t, w, tc.subject, w.as[r])
				})
			}
		}
	})
}

// write runs fn as ctx in a transaction.
func write(ctx context.Context, c *ent.Client, fn func(tx *ent.Tx) error) error {
	return database.WithTx(ctx, c, fn)
}

func checkOwnOrganization(t *testing.T, w *world, s subject, ctx context.Context, allowed string) {
	t.Helper()
	s.make(t, w, w.a) // something to read
	n, err := s.count(ctx, w, w.a)
	if err != nil || (n > 0) != (allowed[1] == 'r') {
		t.Errorf("read: allowed=%t, saw %d rows (%v)", allowed[1] == 'r', n, err)
	}
	fresh := testfix.User(t, w.c, "fresh") // outside the write: SQLite has one connection
	err = write(ctx, w.c, func(tx *ent.Tx) error { return s.create(ctx, tx, w, w.a, fresh) })
	expect(t, "create", allowed[0] == 'c', err)
	id := s.make(t, w, w.a)
	err = write(ctx, w.c, func(tx *ent.Tx) error { return s.update(ctx, tx, id) })
	expect(t, "update", allowed[2] == 'u', err)
	err = write(ctx, w.c, func(tx *ent.Tx) error { return s.delete(ctx, tx, id) })
	expect(t, "delete", allowed[3] == 'd', err)
	if gone := !s.exists(w, id); gone != (allowed[3] == 'd') {
		t.Errorf("delete: allowed=%t but row gone=%t", allowed[3] == 'd', gone)
	}
}

// checkOtherOrganization: whatever the role in A, nothing of B.
func checkOtherOrganization(t *testing.T, w *world, s subject, ctx context.Context) {
	t.Helper()
	id := s.make(t, w, w.b)
	if n, err := s.count(ctx, w, w.b); err != nil || n != 0 {
		t.Errorf("cross-tenant read: saw %d rows (%v)", n, err)
	}
	fresh := testfix.User(t, w.c, "fresh")
	expect(t, "cross-tenant create", false, write(ctx, w.c, func(tx *ent.Tx) error { return s.create(ctx, tx, w, w.b, fresh) }))
	expect(t, "cross-tenant update", false, write(ctx, w.c, func(tx *ent.Tx) error { return s.update(ctx, tx, id) }))
	expect(t, "cross-tenant delete", false, write(ctx, w.c, func(tx *ent.Tx) error { return s.delete(ctx, tx, id) }))
	if !s.exists(w, id) {
		t.Errorf("cross-tenant delete removed B's row")
	}
}

// expect checks a write: allowed means no error; denied means a privacy
// denial (creates) or "not found" (filtered updates and deletes).
func expect(t *testing.T, what string, allowed bool, err error) {
	t.Helper()
	denied := errors.Is(err, privacy.Deny) || ent.IsNotFound(err)
	switch {
	case allowed && err != nil:
		t.Errorf("%s: want allowed, got %v", what, err)
	case !allowed && !denied:
		t.Errorf("%s: want privacy deny or not found, got %v", what, err)
	}
}

func TestCreatesAreDeniedNotFiltered(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db.Ent)
		ctx := w.as[seed.RoleViewer]
		err := write(ctx, w.c, func(tx *ent.Tx) error { return labels.create(ctx, tx, w, w.a, nil) })
		if !errors.Is(err, privacy.Deny) {
			t.Fatalf("VIEWER creating a label: want privacy.Deny, got %v", err)
		}
		ctx = w.as[seed.RoleDeveloper]
		id := labels.make(t, w, w.a)
		err = write(ctx, w.c, func(tx *ent.Tx) error { return labels.delete(ctx, tx, id) })
		if !ent.IsNotFound(err) {
			t.Fatalf("DEVELOPER deleting a label: want not found (filtered), got %v", err)
		}
	})
}

func TestUpdatePermissionCannotSoftDelete(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db.Ent)
		ctx := w.as[seed.RoleDeveloper] // label: create, read, update; no delete
		id := labels.make(t, w, w.a)
		err := write(ctx, w.c, func(tx *ent.Tx) error {
			return tx.Label.UpdateOneID(id).SetDeletedAt(w.a.CreatedAt).Exec(ctx)
		})
		if !ent.IsNotFound(err) {
			t.Fatalf("setting deleted_at is a delete: want not found, got %v", err)
		}
		if !labels.exists(w, id) {
			t.Fatal("the label was deleted")
		}
	})
}

func TestOrganizationChangesNeedOrganizationPermissions(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db.Ent)
		for _, r := range seedRoles {
			ctx := w.as[r]
			if n, err := w.c.Organization.Query().Count(ctx); err != nil || n != 1 {
				t.Errorf("%s sees %d organizations (%v), want its own", r, n, err)
			}
			err := write(ctx, w.c, func(tx *ent.Tx) error { return tx.Organization.UpdateOneID(w.a.ID).SetDescription(r).Exec(ctx) })
			expect(t, r+" updates the organization", r == seed.RoleAdmin, err)
			err = write(ctx, w.c, func(tx *ent.Tx) error { return tx.Organization.UpdateOneID(w.b.ID).SetDescription(r).Exec(ctx) })
			expect(t, r+" updates another organization", false, err)
		}
		for _, r := range []string{seed.RoleViewer, seed.RoleDeveloper, seed.RoleManager} {
			ctx := w.as[r]
			err := write(ctx, w.c, func(tx *ent.Tx) error { return tx.Organization.DeleteOneID(w.a.ID).Exec(ctx) })
			expect(t, r+" deletes the organization", false, err)
		}
		// A signed-in user without any organization may still create one.
		newcomer := testfix.As(testfix.User(t, w.c, "founder"))
		err := write(newcomer, w.c, func(tx *ent.Tx) error {
			return tx.Organization.Create().SetName("New").SetSlug("new-org").Exec(newcomer)
		})
		if err != nil {
			t.Errorf("creating an organization: %v", err)
		}
		ctx := w.as[seed.RoleAdmin]
		err = write(ctx, w.c, func(tx *ent.Tx) error { return tx.Organization.DeleteOneID(w.a.ID).Exec(ctx) })
		expect(t, "ADMIN deletes the organization", true, err)
	})
}

func TestMembersWithoutRolesAndSuperusers(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db.Ent)
		labels.make(t, w, w.a)
		labels.make(t, w, w.b)
		roleless := testfix.User(t, w.c, "roleless")
		testfix.Member(t, w.c, w.a, roleless)
		ctx := testfix.ViewerOf(t, w.c, roleless)
		if n, _ := labels.count(ctx, w, w.a); n != 0 {
			t.Errorf("a member without roles read %d labels", n)
		}
		expect(t, "roleless create", false, write(ctx, w.c, func(tx *ent.Tx) error { return labels.create(ctx, tx, w, w.a, nil) }))
		root := testfix.Superuser(testfix.User(t, w.c, "root"))
		if n, _ := labels.count(root, w, w.b); n != 1 {
			t.Errorf("SUPER_ADMIN should read every tenant, saw %d labels of B", n)
		}
		expect(t, "SUPER_ADMIN create in B", true, write(root, w.c, func(tx *ent.Tx) error { return labels.create(root, tx, w, w.b, nil) }))
	})
}

func TestLoadViewerCollectsRolesAndPermissions(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db.Ent)
		dev := w.people[seed.RoleDeveloper]
		testfix.Grant(t, w.c, w.a, dev, seed.RoleViewer)
		m := viewer.FromContext(testfix.ViewerOf(t, w.c, dev)).Memberships[w.a.ID]
		if len(m.Roles) != 2 {
			t.Errorf("roles: %v", m.Roles)
		}
		want := 0
		for _, res := range seed.Resources {
			for _, a := range seed.Actions {
				if seed.Allowed(seed.RoleDeveloper, res, a) || seed.Allowed(seed.RoleViewer, res, a) {
					want++
				}
			}
		}
		if len(m.Permissions) != want {
			t.Errorf("permissions: got %d, want the union of DEVELOPER and VIEWER (%d)", len(m.Permissions), want)
		}
		v := viewer.FromContext(testfix.ViewerOf(t, w.c, dev))
		if !v.Can(w.a.ID, "task", "update") || v.Can(w.a.ID, "task", "delete") || v.Can(w.b.ID, "task", "read") {
			t.Errorf("Can disagrees with the matrix")
		}
	})
}

// customRole creates a custom role of org with the given permissions.
func customRole(t *testing.T, c *ent.Client, org *ent.Organization, name string, perms ...string) *ent.Role {
	t.Helper()
	sys := testfix.System()
	var r *ent.Role
	testfix.Tx(t, sys, c, func(tx *ent.Tx) (err error) {
		if r, err = tx.Role.Create().SetOrganizationID(org.ID).SetName(name).Save(sys); err != nil {
			return err
		}
		for _, p := range perms {
			res, act, _ := strings.Cut(p, ":")
			pid := tx.Permission.Query().Where(permission.Resource(res), permission.ActionEQ(permission.Action(act))).OnlyIDX(sys)
			if err := tx.RolePermission.Create().SetRoleID(r.ID).SetPermissionID(pid).Exec(sys); err != nil {
				return err
			}
		}
		return nil
	})
	return r
}

func grantRole(t *testing.T, c *ent.Client, org *ent.Organization, u *ent.User, r *ent.Role) {
	t.Helper()
	testfix.Tx(t, testfix.System(), c, func(tx *ent.Tx) error {
		return tx.UserRole.Create().SetOrganizationID(org.ID).SetUserID(u.ID).SetRoleID(r.ID).Exec(testfix.System())
	})
}

func TestNoPrivilegeEscalationThroughRoles(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db.Ent)
		c := w.c
		delegate := testfix.User(t, c, "delegate")
		testfix.Member(t, c, w.a, delegate)
		grantRole(t, c, w.a, delegate, customRole(t, c, w.a, "ROLE_ADMIN", "role:create", "role:read", "role:update", "member:read", "label:read"))
		ctx := testfix.ViewerOf(t, c, delegate)
		target := w.people[seed.RoleViewer]
		admin := c.Role.Query().Where(role.Name(seed.RoleAdmin), role.OrganizationID(uuid.Nil)).OnlyX(ctx)
		assign := func(r *ent.Role) error {
			return write(ctx, c, func(tx *ent.Tx) error {
				return tx.UserRole.Create().SetOrganizationID(w.a.ID).SetUserID(target.ID).SetRoleID(r.ID).Exec(ctx)
			})
		}
		if err := assign(admin); !errors.Is(err, privacy.Deny) {
			t.Errorf("assigning ADMIN without holding its permissions: want deny, got %v", err)
		}
		small := customRole(t, c, w.a, "LABEL_READER", "label:read")
		if err := assign(small); err != nil {
			t.Errorf("assigning a role within the delegate's own permissions: %v", err)
		}
		grant := func(r *ent.Role, res string, act permission.Action) error {
			pid := c.Permission.Query().Where(permission.Resource(res), permission.ActionEQ(act)).OnlyIDX(ctx)
			return write(ctx, c, func(tx *ent.Tx) error {
				return tx.RolePermission.Create().SetRoleID(r.ID).SetPermissionID(pid).Exec(ctx)
			})
		}
		if err := grant(small, "label", permission.ActionDelete); !errors.Is(err, privacy.Deny) {
			t.Errorf("granting a permission the delegate lacks: want deny, got %v", err)
		}
		if err := grant(small, "member", permission.ActionRead); err != nil {
			t.Errorf("granting a held permission: %v", err)
		}
		if err := grant(admin, "label", permission.ActionRead); !errors.Is(err, privacy.Deny) {
			t.Errorf("changing a system role: want deny, got %v", err)
		}
		if err := grant(customRole(t, c, w.b, "B_ROLE"), "label", permission.ActionRead); !errors.Is(err, privacy.Deny) {
			t.Errorf("changing another organization's role: want deny, got %v", err)
		}
		bRole := customRole(t, c, w.b, "B_READER", "label:read")
		if err := assign(bRole); !errors.Is(err, privacy.Deny) {
			t.Errorf("assigning another organization's role: want deny, got %v", err)
		}
		// A role of the nil organization would be a system role, seen by
		// every tenant: nobody but seeding creates one, SUPER_ADMIN included.
		root := testfix.Superuser(testfix.User(t, c, "root"))
		for who, vctx := range map[string]context.Context{"a delegate": ctx, "SUPER_ADMIN": root} {
			err := write(vctx, c, func(tx *ent.Tx) error {
				return tx.Role.Create().SetOrganizationID(uuid.Nil).SetName("SNEAKY").Exec(vctx)
			})
			if !errors.Is(err, privacy.Deny) {
				t.Errorf("%s creating a role of no organization: want deny, got %v", who, err)
			}
		}
	})
}

func TestUserRowsProtectPrivilegeFields(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db.Ent)
		c := w.c
		dev := w.people[seed.RoleDeveloper]
		self := w.as[seed.RoleDeveloper]
		err := write(self, c, func(tx *ent.Tx) error { return tx.User.UpdateOneID(dev.ID).SetDisplayName("Dev").Exec(self) })
		if err != nil {
			t.Errorf("editing one's own profile: %v", err)
		}
		for name, upd := range map[string]func(*ent.UserUpdateOne){
			"is_superuser": func(u *ent.UserUpdateOne) { u.SetIsSuperuser(true) },
			"status":       func(u *ent.UserUpdateOne) { u.SetStatus("active") },
			"lockout":      func(u *ent.UserUpdateOne) { u.SetFailedLoginAttempts(0) },
		} {
			err := write(self, c, func(tx *ent.Tx) error { u := tx.User.UpdateOneID(dev.ID); upd(u); return u.Exec(self) })
			if !errors.Is(err, privacy.Deny) && !ent.IsNotFound(err) {
				t.Errorf("a user setting their own %s: want denied, got %v", name, err)
			}
		}
		if c.User.GetX(testfix.System(), dev.ID).IsSuperuser {
			t.Fatal("the developer made themself SUPER_ADMIN")
		}
		unlock := func(ctx context.Context) error {
			return write(ctx, c, func(tx *ent.Tx) error {
				return tx.User.UpdateOneID(dev.ID).SetFailedLoginAttempts(0).ClearLockedUntil().Exec(ctx)
			})
		}
		expect(t, "VIEWER unlocks a member", false, unlock(w.as[seed.RoleViewer]))
		expect(t, "ADMIN of another organization unlocks", false, unlock(w.asB))
		expect(t, "MANAGER (member:manage) unlocks a member", true, unlock(w.as[seed.RoleManager]))
		manager := w.as[seed.RoleManager]
		err = write(manager, c, func(tx *ent.Tx) error {
			return tx.User.UpdateOneID(dev.ID).SetFailedLoginAttempts(0).SetIsSuperuser(true).Exec(manager)
		})
		expect(t, "unlocking smuggling is_superuser", false, err)
	})
}

func TestAuditLogsFollowTheMatrix(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db.Ent)
		labels.make(t, w, w.a) // one ActivityLog row of A, by the system
		inA := activitylog.OrganizationID(w.a.ID)
		for r, want := range map[string]bool{"ADMIN": true, "MANAGER": true, "DEVELOPER": false, "VIEWER": false} {
			n, err := w.c.ActivityLog.Query().Where(inA).Count(w.as[r])
			if err != nil || (n > 0) != want {
				t.Errorf("%s reading A's activity log: want visible=%t, saw %d (%v)", r, want, n, err)
			}
		}
		if n, _ := w.c.ActivityLog.Query().Where(inA).Count(w.asB); n != 0 {
			t.Errorf("B's ADMIN read %d rows of A's activity log", n)
		}
	})
}
