package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/authtoken"
	"github.com/worksynapse/worksynapse/ent/session"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Cleaned counts the rows a cleanup removed.
type Cleaned struct {
	Sessions, Tokens int
}

// CleanupExpired removes sessions that expired more than keep ago and
// one-time tokens that expired or were used more than keep ago. A revoked
// session is kept until it would have expired (plus keep): until then a
// replay of one of its refresh tokens is still recognized as reuse, not
// just as an unknown token. Idempotent; the periodic job
// "session.cleanup" runs it.
func CleanupExpired(ctx context.Context, client *ent.Client, now time.Time, keep time.Duration) (Cleaned, error) {
	// Why a system context: cleanup spans every user's rows.
	sys := viewer.NewSystemContext(ctx, "expired session and token cleanup")
	cutoff := now.Add(-keep)
	var c Cleaned
	err := database.WithTx(sys, client, func(tx *ent.Tx) (err error) {
		if c.Sessions, err = tx.Session.Delete().Where(session.ExpiresAtLT(cutoff)).Exec(sys); err != nil {
			return fmt.Errorf("delete sessions: %w", err)
		}
		c.Tokens, err = tx.AuthToken.Delete().Where(authtoken.Or(
			authtoken.ExpiresAtLT(cutoff), authtoken.UsedAtLT(cutoff))).Exec(sys)
		if err != nil {
			return fmt.Errorf("delete one-time tokens: %w", err)
		}
		return nil
	})
	if err != nil {
		return Cleaned{}, fmt.Errorf("identity: cleanup: %w", err)
	}
	return c, nil
}
