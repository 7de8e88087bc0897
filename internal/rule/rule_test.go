package rule_test

import (
	"context"
	"errors"
	"testing"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestNoViewerIsDenied(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		if _, err := db.Ent.Organization.Query().All(ctx); !errors.Is(err, privacy.Deny) {
			t.Errorf("query without viewer: want deny, got %v", err)
		}
		if _, err := db.Ent.User.Query().All(ctx); !errors.Is(err, privacy.Deny) {
			t.Errorf("user query without viewer: want deny, got %v", err)
		}
		err := database.WithTx(ctx, db.Ent, func(tx *ent.Tx) error {
			return tx.Organization.Create().SetName("x").SetSlug("x").Exec(ctx)
		})
		if !errors.Is(err, privacy.Deny) {
			t.Errorf("create without viewer: want deny, got %v", err)
		}
	})
}

// tenants builds two organizations with one ADMIN each.
type tenants struct {
	a, b           *ent.Organization
	alice, bob     *ent.User
	asAlice, asBob context.Context
}

func newTenants(t *testing.T, c *ent.Client) tenants {
	tn := tenants{a: testfix.Org(t, c, "A"), b: testfix.Org(t, c, "B"),
		alice: testfix.User(t, c, "alice"), bob: testfix.User(t, c, "bob")}
	tn.asAlice = testfix.AsRole(t, c, tn.alice, tn.a, "ADMIN")
	tn.asBob = testfix.AsRole(t, c, tn.bob, tn.b, "ADMIN")
	return tn
}

func TestViewerSeesOnlyOwnOrganizations(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := db.Ent
		tn := newTenants(t, c)
		orgs, err := c.Organization.Query().All(tn.asAlice)
		if err != nil || len(orgs) != 1 || orgs[0].ID != tn.a.ID {
			t.Fatalf("alice should see only A, got %v (%v)", orgs, err)
		}
		if _, err := c.Organization.Get(tn.asAlice, tn.b.ID); !ent.IsNotFound(err) {
			t.Errorf("reading another tenant by id: want not found, got %v", err)
		}
		members, err := c.OrganizationMember.Query().All(tn.asAlice)
		if err != nil || len(members) != 1 || members[0].OrganizationID != tn.a.ID {
			t.Errorf("alice should see only A's members, got %v (%v)", members, err)
		}
		if n, _ := c.OrganizationMember.Query().Where(organizationmember.OrganizationID(tn.b.ID)).Count(tn.asAlice); n != 0 {
			t.Errorf("asking for B's members by id must return none, got %d", n)
		}
		users, err := c.User.Query().IDs(tn.asAlice)
		if err != nil || len(users) != 1 || users[0] != tn.alice.ID {
			t.Errorf("alice should see herself only (bob is in another org), got %v (%v)", users, err)
		}
	})
}

func TestViewerCannotWriteAnotherTenant(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := db.Ent
		tn := newTenants(t, c)
		ctx := tn.asAlice
		update := database.WithTx(ctx, c, func(tx *ent.Tx) error {
			return tx.Organization.UpdateOneID(tn.b.ID).SetName("pwned").Exec(ctx)
		})
		if !ent.IsNotFound(update) && !errors.Is(update, privacy.Deny) {
			t.Errorf("update of another tenant: want not found or deny, got %v", update)
		}
		del := database.WithTx(ctx, c, func(tx *ent.Tx) error {
			_, err := tx.OrganizationMember.Delete().Where(organizationmember.OrganizationID(tn.b.ID)).Exec(ctx)
			return err
		})
		if del != nil {
			t.Errorf("bulk delete is filtered to own rows and should succeed on none: %v", del)
		}
		create := database.WithTx(ctx, c, func(tx *ent.Tx) error {
			return tx.OrganizationMember.Create().SetOrganizationID(tn.b.ID).SetUserID(tn.alice.ID).Exec(ctx)
		})
		if !errors.Is(create, privacy.Deny) {
			t.Errorf("joining another tenant: want deny, got %v", create)
		}
		b := c.Organization.GetX(testfix.System(), tn.b.ID)
		if b.Name != "B" {
			t.Errorf("B was changed to %q", b.Name)
		}
		if n := c.OrganizationMember.Query().Where(organizationmember.OrganizationID(tn.b.ID)).CountX(testfix.System()); n != 1 {
			t.Errorf("B's members changed: %d", n)
		}
	})
}

func TestSuperuserSeesAllTenants(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := db.Ent
		newTenants(t, c)
		root := testfix.User(t, c, "root")
		n, err := c.Organization.Query().Count(testfix.Superuser(root))
		if err != nil || n != 2 {
			t.Fatalf("superuser should see both organizations, got %d (%v)", n, err)
		}
	})
}
