package identity_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/authtoken"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// TestCleanupExpired keeps what may still matter (live sessions, revoked
// ones whose refresh tokens could still be replayed, recent tokens) and
// removes the rest, once.
func TestCleanupExpired(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		ctx := testfix.System()
		u := testfix.User(t, db.Ent, "sessions")
		now := time.Now()
		const keep = 7 * 24 * time.Hour
		sessions := map[string]time.Time{ // name -> expires_at
			"live":           now.Add(time.Hour),
			"expired_recent": now.Add(-time.Hour),
			"expired_old":    now.Add(-keep - time.Hour),
			"revoked_live":   now.Add(24 * time.Hour),
		}
		ids := map[string]uuid.UUID{}
		tokens := map[string]func(*ent.AuthTokenCreate){
			"unused": func(c *ent.AuthTokenCreate) { c.SetExpiresAt(now.Add(time.Hour)) },
			"used_old": func(c *ent.AuthTokenCreate) {
				c.SetExpiresAt(now.Add(time.Hour)).SetUsedAt(now.Add(-keep - time.Minute))
			},
			"exp_old": func(c *ent.AuthTokenCreate) { c.SetExpiresAt(now.Add(-keep - time.Minute)) },
		}
		testfix.Tx(t, ctx, db.Ent, func(tx *ent.Tx) error {
			for name, exp := range sessions {
				c := tx.Session.Create().SetUserID(u.ID).SetRefreshTokenHash(name).SetTokenFamily(uuid.New()).SetExpiresAt(exp)
				if name == "revoked_live" {
					c.SetRevokedAt(now.Add(-keep - time.Hour))
				}
				s, err := c.Save(ctx)
				if err != nil {
					return err
				}
				ids[name] = s.ID
			}
			for name, set := range tokens {
				c := tx.AuthToken.Create().SetUserID(u.ID).SetPurpose(authtoken.PurposePasswordReset).SetTokenHash(name)
				set(c)
				if err := c.Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		})
		got, err := identity.CleanupExpired(ctx, db.Ent, now, keep)
		if err != nil || got != (identity.Cleaned{Sessions: 1, Tokens: 2}) {
			t.Fatalf("cleanup: %+v %v", got, err)
		}
		left := db.Ent.Session.Query().IDsX(ctx)
		if len(left) != 3 || slices.Contains(left, ids["expired_old"]) {
			t.Errorf("sessions left: %v (expired_old was %s)", left, ids["expired_old"])
		}
		if hashes := db.Ent.AuthToken.Query().Select(authtoken.FieldTokenHash).StringsX(ctx); len(hashes) != 1 || hashes[0] != "unused" {
			t.Errorf("tokens left: %v", hashes)
		}
		if again, err := identity.CleanupExpired(ctx, db.Ent, now, keep); err != nil || again != (identity.Cleaned{}) {
			t.Errorf("a second run must remove nothing: %+v %v", again, err)
		}
	})
}
