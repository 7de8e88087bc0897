package identity_test

import (
	"context"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// TestAuthenticateIsOneQuery: checking an access token on a request costs
// one SQL statement, whatever the user's organizations, roles and
// permissions: the session (not revoked, not expired), the user's state
// (active, not deleted) and the viewer's memberships and grants come from
// one join. Only the last_seen_at update, at most once a minute, adds one.
func TestAuthenticateIsOneQuery(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, raw *database.DB) {
		db, counter := testdb.CountQueries(raw, nil)
		s, token := newService(t, db)
		c := db.Ent
		u := c.User.Query().Where(user.Username("bench")).OnlyX(testfix.System())
		a, b, left := testfix.Org(t, c, "A"), testfix.Org(t, c, "B"), testfix.Org(t, c, "Left")
		testfix.Seed(t, c)
		testfix.Member(t, c, a, u)
		testfix.Grant(t, c, a, u, seed.RoleAdmin)
		testfix.Member(t, c, b, u)
		testfix.Grant(t, c, b, u, seed.RoleDeveloper, seed.RoleViewer)
		// A role kept in an organization where the user's membership is
		// suspended grants nothing there.
		testfix.Member(t, c, left, u)
		testfix.Grant(t, c, left, u, seed.RoleManager)
		testfix.Tx(t, testfix.System(), c, func(tx *ent.Tx) error {
			return tx.OrganizationMember.Update().Where(organizationmember.OrganizationID(left.ID)).
				SetStatus(organizationmember.StatusSuspended).Exec(testfix.System())
		})

		ctx := context.Background()
		if _, err := s.Authenticate(ctx, token); err != nil { // may write last_seen_at
			t.Fatal(err)
		}
		counter.Reset()
		v, err := s.Authenticate(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if stmts := counter.Statements(); len(stmts) != 1 {
			t.Errorf("Authenticate issued %d statements, want 1:\n%s", len(stmts), strings.Join(stmts, "\n"))
		}
		if v.UserID != u.ID || v.SessionID.String() == "" || len(v.Memberships) != 2 {
			t.Fatalf("viewer: %+v", v)
		}
		if !v.HasRole(a.ID, seed.RoleAdmin) || !v.HasRole(b.ID, seed.RoleDeveloper) || !v.HasRole(b.ID, seed.RoleViewer) {
			t.Errorf("roles: %+v", v.Memberships)
		}
		if !v.Can(a.ID, "role", "delete") || !v.Can(b.ID, "task", "update") || v.Can(b.ID, "task", "delete") || v.Can(left.ID, "task", "read") {
			t.Errorf("permissions disagree with the matrix: %+v", v.Memberships)
		}
	})
}
