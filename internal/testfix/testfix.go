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
	"github.com/worksynapse/worksynapse/internal/database"
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

// As returns a context whose viewer is user, member of orgs.
func As(user *ent.User, orgs ...*ent.Organization) context.Context {
	v := &viewer.Viewer{UserID: user.ID, Superuser: user.IsSuperuser, Memberships: map[uuid.UUID]viewer.Membership{}}
	for _, o := range orgs {
		v.Memberships[o.ID] = viewer.Membership{OrganizationID: o.ID}
	}
	return viewer.NewContext(context.Background(), v)
}

// Superuser returns a context whose viewer is user acting as SUPER_ADMIN.
func Superuser(user *ent.User) context.Context {
	return viewer.NewContext(context.Background(), &viewer.Viewer{UserID: user.ID, Superuser: true})
}
