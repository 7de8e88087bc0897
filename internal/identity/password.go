package identity

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/internal/auth/password"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// ChangePassword replaces the viewer's password after checking the current
// one, and signs out every other session (a thief who knew the old password
// loses access; the device making the change stays signed in).
func (s *Service) ChangePassword(ctx context.Context, v *viewer.Viewer, current, next string) error {
	u, err := s.client.User.Get(ctx, v.UserID)
	if err != nil {
		return err
	}
	// Why a system context: sessions and security events are written by
	// identity code only; the user row itself is changed as the viewer, so
	// the activity log names them.
	sys := viewer.NewSystemContext(ctx, "password change")
	if password.Verify(u.PasswordHash, current) != nil {
		return s.refuse(sys, u, EventPasswordChangeFailed, "bad_password", ErrWrongPassword)
	}
	hash, err := s.hashNewPassword("new_password", next, u.Username, u.Email)
	if err != nil {
		return err
	}
	return database.WithTx(sys, s.client, func(tx *ent.Tx) error {
		err := tx.User.UpdateOneID(u.ID).SetPasswordHash(hash).SetPasswordChangedAt(s.now()).Exec(ctx)
		if err != nil {
			return fmt.Errorf("identity: change password: %w", err)
		}
		// A reset mailed before the change must not undo it.
		if err := s.invalidate(sys, tx, u.ID, resetToken); err != nil {
			return err
		}
		n, err := s.revokeSessions(sys, tx, u.ID, v.SessionID, EventPasswordChanged)
		if err != nil {
			return err
		}
		return record(sys, tx, event{kind: EventPasswordChanged, severity: securityauditlog.SeverityInfo, user: u.ID,
			details: map[string]any{"revoked_sessions": n}})
	})
}

// refuse records a failed re-authentication of a signed-in user and
// returns err. It is not counted towards the login lockout: the caller
// already holds a valid session, and the auth rate limit bounds guessing.
func (s *Service) refuse(sys context.Context, u *ent.User, kind, reason string, err error) error {
	if rerr := s.recordAlone(sys, event{kind: kind, severity: securityauditlog.SeverityWarning, user: u.ID,
		details: map[string]any{"reason": reason}}); rerr != nil {
		return rerr
	}
	return err
}

// ForgotPassword mails a reset token when email belongs to an active
// account. The caller always gets the same answer, and both paths do the
// same kind of work (one lookup, one transaction, no mail I/O before
// answering), so neither the response nor its timing tells whether the
// account exists.
func (s *Service) ForgotPassword(ctx context.Context, email string) error {
	// Why a system context: the caller is not authenticated.
	sys := viewer.NewSystemContext(ctx, "password reset request")
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := s.client.User.Query().Where(user.Email(email), user.StatusEQ(user.StatusActive)).Only(sys)
	if err != nil && !ent.IsNotFound(err) {
		return fmt.Errorf("identity: find user: %w", err)
	}
	return database.WithTx(sys, s.client, func(tx *ent.Tx) error {
		e := event{kind: EventPasswordResetRequested, severity: securityauditlog.SeverityInfo,
			details: map[string]any{"known_account": u != nil}}
		if u != nil {
			e.user = u.ID
			token, err := s.issue(sys, tx, u.ID, resetToken)
			if err != nil {
				return err
			}
			// Queued, not sent: an SMTP round trip here would make "account
			// exists" measurably slower than "no such account".
			if err := s.mail.Enqueue(sys, tx, resetMail(u, token)); err != nil {
				return err
			}
		}
		return record(sys, tx, e)
	})
}

// ResetPassword sets a new password with a mailed reset token. Like
// Keycloak and Kratos it also ends every session, lifts a lockout and
// counts as proof that the user reads the address (email verified).
func (s *Service) ResetPassword(ctx context.Context, token, next string) error {
	// Why a system context: the token is the only credential.
	sys := viewer.NewSystemContext(ctx, "password reset")
	t, err := s.lookup(sys, s.client, token, resetToken)
	if err != nil {
		return err
	}
	u := t.Edges.User
	// The policy is checked before the token is spent, so a rejected
	// password can be corrected with the same mail.
	hash, err := s.hashNewPassword("new_password", next, u.Username, u.Email)
	if err != nil {
		return err
	}
	return database.WithTx(sys, s.client, func(tx *ent.Tx) error {
		if err := s.redeem(sys, tx, t); err != nil {
			return err
		}
		now := s.now()
		upd := tx.User.UpdateOneID(u.ID).SetPasswordHash(hash).SetPasswordChangedAt(now).
			SetFailedLoginAttempts(0).ClearLockedUntil()
		if u.EmailVerifiedAt == nil {
			upd.SetEmailVerifiedAt(now)
		}
		if err := upd.Exec(sys); err != nil {
			return fmt.Errorf("identity: reset password: %w", err)
		}
		if err := s.invalidate(sys, tx, u.ID, resetToken); err != nil {
			return err
		}
		n, err := s.revokeSessions(sys, tx, u.ID, uuid.Nil, EventPasswordReset)
		if err != nil {
			return err
		}
		return record(sys, tx, event{kind: EventPasswordReset, severity: securityauditlog.SeverityWarning, user: u.ID,
			details: map[string]any{"revoked_sessions": n}})
	})
}
