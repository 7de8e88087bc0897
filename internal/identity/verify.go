package identity

import (
	"context"
	"fmt"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// VerifyEmail redeems an email verification token and marks the address
// verified.
func (s *Service) VerifyEmail(ctx context.Context, token string) error {
	// Why a system context: the token is the only credential (the link is
	// often opened where the user is not signed in).
	sys := viewer.NewSystemContext(ctx, "email verification")
	return database.WithTx(sys, s.client, func(tx *ent.Tx) error {
		t, err := s.lookup(sys, tx.Client(), token, verificationToken)
		if err != nil {
			return err
		}
		if err := s.redeem(sys, tx, t); err != nil {
			return err
		}
		// Already verified (e.g. by a password reset): nothing to change.
		err = tx.User.Update().Where(user.ID(t.UserID), user.EmailVerifiedAtIsNil()).
			SetEmailVerifiedAt(s.now()).Exec(sys)
		if err != nil {
			return fmt.Errorf("identity: verify email: %w", err)
		}
		return record(sys, tx, event{kind: EventEmailVerified, severity: securityauditlog.SeverityInfo, user: t.UserID,
			details: map[string]any{"email": t.Edges.User.Email}})
	})
}

// ResendVerification mails the viewer a new verification token; older
// ones stop working.
func (s *Service) ResendVerification(ctx context.Context, v *viewer.Viewer) error {
	u, err := s.client.User.Get(ctx, v.UserID)
	if err != nil {
		return err
	}
	if u.EmailVerifiedAt != nil {
		return ErrEmailVerified
	}
	// Why a system context: AuthToken rows are written by identity code only.
	sys := viewer.NewSystemContext(ctx, "resend email verification")
	return database.WithTx(sys, s.client, func(tx *ent.Tx) error {
		token, err := s.issue(sys, tx, u.ID, verificationToken)
		if err != nil {
			return err
		}
		return s.mail.Enqueue(sys, tx, verificationMail(u, token))
	})
}
