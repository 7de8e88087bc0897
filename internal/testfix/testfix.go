// Package testfix creates test fixtures through the ent client, each in its
// own audited transaction, the way production code writes.
package testfix

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/role"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

var seq atomic.Int64

// System is a system context for fixture setup.
func System() context.Context {
	// Why a system context: fixtures are arranged before any viewer exists.
	return viewer.NewSystemContext(context.Background(), "test fixture")
}

// Tx runs fn in a committed transaction or fails the test.
func Tx(t testing.TB, ctx context.Context, client *ent.Client, fn func(tx *ent.Tx) error) {
	t.Helper()
	if err := database.WithTx(ctx, client, fn); err != nil {
		t.Fatalf("fixture transaction: %v", err)
	}
}

// Org creates an organization with a unique slug.
func Org(t testing.TB, client *ent.Client, name string) *ent.Organization {
	t.Helper()
	slug := fmt.Sprintf("%s-%d", strings.ToLower(name), seq.Add(1))
	var o *ent.Organization
	Tx(t, System(), client, func(tx *ent.Tx) (err error) {
		o, err = tx.Organization.Create().SetName(name).SetSlug(slug).Save(System())
		return err
	})
	return o
}

// User creates an active user with a unique username and email.
func User(t testing.TB, client *ent.Client, name string) *ent.User {
	t.Helper()
	n := seq.Add(1)
	var u *ent.User
	Tx(t, System(), client, func(tx *ent.Tx) (err error) {
		u, err = tx.User.Create().
			SetUsername(fmt.Sprintf("%s%d", name, n)).
			SetEmail(fmt.Sprintf("%s%d@example.com", name, n)).
			SetPasswordHash("$2a$04$not-a-real-hash-for-tests.......................").
			Save(System())
		return err
	})
	return u
}

// Member adds user to org.
func Member(t testing.TB, client *ent.Client, org *ent.Organization, user *ent.User) {
	t.Helper()
	Tx(t, System(), client, func(tx *ent.Tx) error {
		return tx.OrganizationMember.Create().SetOrganizationID(org.ID).SetUserID(user.ID).Exec(System())
	})
}

// As returns a context whose viewer is user, member of orgs without any
// role (so without permissions); see AsRole for a viewer with a role.
func As(user *ent.User, orgs ...*ent.Organization) context.Context {
	v := &viewer.Viewer{UserID: user.ID, Superuser: user.IsSuperuser, Memberships: map[uuid.UUID]viewer.Membership{}}
	for _, o := range orgs {
		v.Memberships[o.ID] = viewer.Membership{OrganizationID: o.ID}
	}
	return viewer.NewContext(context.Background(), v)
}

// Seed runs the idempotent seed (system roles and permission matrix) the
// role fixtures need. The seeded database is cached per client.
func Seed(t testing.TB, client *ent.Client) {
	t.Helper()
	if _, err := seed.Run(context.Background(), client); err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// Grant gives user the seeded system roles (e.g. "ADMIN") in org; the user
// must be a member. Seed must have run.
func Grant(t testing.TB, client *ent.Client, org *ent.Organization, user *ent.User, roles ...string) {
	t.Helper()
	sys := System()
	Tx(t, sys, client, func(tx *ent.Tx) error {
		for _, name := range roles {
			r, err := tx.Role.Query().Where(role.Name(name), role.OrganizationID(uuid.Nil)).Only(sys)
			if err != nil {
				return fmt.Errorf("role %s (did Seed run?): %w", name, err)
			}
			if err := tx.UserRole.Create().SetOrganizationID(org.ID).SetUserID(user.ID).SetRoleID(r.ID).Exec(sys); err != nil {
				return err
			}
		}
		return nil
	})
}

// ViewerOf returns a context whose viewer is user as a request would see
// them: memberships, roles and permissions loaded from the database by the
// same loader as identity.Authenticate.
func ViewerOf(t testing.TB, client *ent.Client, user *ent.User) context.Context {
	t.Helper()
	u := client.User.GetX(System(), user.ID)
	v, err := identity.LoadViewer(System(), client, u)
	if err != nil {
		t.Fatalf("load viewer: %v", err)
	}
	return viewer.NewContext(context.Background(), v)
}

// AsRole makes user a member of org holding the seeded system role (seeding
// first) and returns their viewer context, e.g. AsRole(t, c, u, org, "ADMIN").
func AsRole(t testing.TB, client *ent.Client, user *ent.User, org *ent.Organization, roleName string) context.Context {
	t.Helper()
	Seed(t, client)
	member, err := client.OrganizationMember.Query().
		Where(organizationmember.OrganizationID(org.ID), organizationmember.UserID(user.ID)).Exist(System())
	if err != nil {
		t.Fatal(err)
	}
	if !member {
		Member(t, client, org, user)
	}
	Grant(t, client, org, user, roleName)
	return ViewerOf(t, client, user)
}

// Superuser returns a context whose viewer is user acting as SUPER_ADMIN.
func Superuser(user *ent.User) context.Context {
	return viewer.NewContext(context.Background(), &viewer.Viewer{UserID: user.ID, Superuser: true})
}
