package identity

import (
	"context"
	"fmt"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/internal/auth/mfa"
	"github.com/worksynapse/worksynapse/internal/auth/password"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// mfaIssuer labels the account in authenticator apps. It is not the JWT
// issuer, which may be a URL.
const mfaIssuer = "WorkSynapse"

// MFAEnrollment is a pending TOTP secret to load into an authenticator.
type MFAEnrollment struct {
	Secret, URI string
}

// EnrollMFA creates a TOTP secret for the viewer, stored encrypted. MFA
// stays off until ConfirmMFA proves the authenticator works, so a botched
// enrollment cannot lock anyone out; enrolling again replaces the secret.
func (s *Service) EnrollMFA(ctx context.Context, v *viewer.Viewer) (*MFAEnrollment, error) {
	u, err := s.client.User.Get(ctx, v.UserID)
	if err != nil {
		return nil, err
	}
	if u.MfaEnabled {
		return nil, ErrMFAEnabled
	}
	secret, uri, err := mfa.Enroll(mfaIssuer, u.Email)
	if err != nil {
		return nil, err
	}
	sealed, err := s.box.Seal([]byte(secret))
	if err != nil {
		return nil, fmt.Errorf("identity: seal mfa secret: %w", err)
	}
	err = database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		return tx.User.UpdateOneID(u.ID).Where(user.MfaEnabled(false)).SetMfaSecret(sealed).Exec(ctx)
	})
	if ent.IsNotFound(err) {
		return nil, ErrMFAEnabled // enabled concurrently
	}
	if err != nil {
		return nil, fmt.Errorf("identity: store mfa secret: %w", err)
	}
	return &MFAEnrollment{Secret: secret, URI: uri}, nil
}

// ConfirmMFA turns MFA on once code matches the pending secret and returns
// the recovery codes, shown this once (only their hashes are stored). The
// confirming code's step is stored, so it cannot be replayed to sign in.
func (s *Service) ConfirmMFA(ctx context.Context, v *viewer.Viewer, code string) ([]string, error) {
	u, err := s.client.User.Get(ctx, v.UserID)
	if err != nil {
		return nil, err
	}
	switch {
	case u.MfaEnabled:
		return nil, ErrMFAEnabled
	case len(u.MfaSecret) == 0:
		return nil, ErrMFANotPending
	}
	step, ok, err := s.checkTOTP(u, code)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, problem.Validation("the code does not match",
			problem.FieldError{Field: "code", Message: "does not match the authenticator (check its clock)"})
	}
	plain, hashes, err := mfa.NewRecoveryCodes(mfa.RecoveryCodeCount)
	if err != nil {
		return nil, err
	}
	// Why a system context: security events are written by identity code only.
	sys := viewer.NewSystemContext(ctx, "mfa confirm")
	err = database.WithTx(sys, s.client, func(tx *ent.Tx) error {
		// Conditional on the checked secret: a concurrent re-enrollment
		// must not be switched on with a secret nobody confirmed.
		err := tx.User.UpdateOneID(u.ID).Where(user.MfaEnabled(false), user.MfaSecret(u.MfaSecret)).
			SetMfaEnabled(true).SetRecoveryCodes(hashes).SetMfaLastUsedStep(step).Exec(ctx)
		if ent.IsNotFound(err) {
			return ErrMFANotPending
		}
		if err != nil {
			return fmt.Errorf("identity: enable mfa: %w", err)
		}
		return record(sys, tx, event{kind: EventMFAEnabled, severity: securityauditlog.SeverityInfo, user: u.ID})
	})
	if err != nil {
		return nil, err
	}
	return plain, nil
}

// DisableMFA turns MFA off and forgets the secret and recovery codes. It
// needs the password and a current second factor (TOTP or recovery code):
// a stolen access token alone must not remove the second factor.
func (s *Service) DisableMFA(ctx context.Context, v *viewer.Viewer, pw, code string) error {
	u, err := s.client.User.Get(ctx, v.UserID)
	if err != nil {
		return err
	}
	if !u.MfaEnabled {
		return ErrMFANotEnabled
	}
	// Why a system context: security events are written by identity code only.
	sys := viewer.NewSystemContext(ctx, "mfa disable")
	if password.Verify(u.PasswordHash, pw) != nil {
		return s.refuse(sys, u, EventMFADisableFailed, "bad_password", ErrWrongPassword)
	}
	method, err := s.checkAnyFactor(u, code)
	if err != nil {
		return err
	}
	if method == "" {
		return s.refuse(sys, u, EventMFADisableFailed, reasonMFA, ErrWrongMFACode)
	}
	return database.WithTx(sys, s.client, func(tx *ent.Tx) error {
		err := tx.User.UpdateOneID(u.ID).Where(user.MfaEnabled(true)).SetMfaEnabled(false).
			ClearMfaSecret().ClearRecoveryCodes().ClearMfaLastUsedStep().Exec(ctx)
		if ent.IsNotFound(err) {
			return ErrMFANotEnabled
		}
		if err != nil {
			return fmt.Errorf("identity: disable mfa: %w", err)
		}
		return record(sys, tx, event{kind: EventMFADisabled, severity: securityauditlog.SeverityWarning, user: u.ID,
			details: map[string]any{"method": method}})
	})
}

// checkTOTP validates code against the user's (pending or active) secret,
// refusing steps already used.
func (s *Service) checkTOTP(u *ent.User, code string) (int64, bool, error) {
	secret, err := s.box.Open(u.MfaSecret)
	if err != nil {
		return 0, false, fmt.Errorf("identity: open mfa secret: %w", err)
	}
	step, ok := mfa.Validate(string(secret), code, s.now(), u.MfaLastUsedStep)
	return step, ok, nil
}

// checkAnyFactor accepts a TOTP code or a recovery code and names which
// matched ("" for neither). Nothing is consumed: the caller is about to
// clear both.
func (s *Service) checkAnyFactor(u *ent.User, code string) (string, error) {
	if _, ok := mfa.MatchRecoveryCode(u.RecoveryCodes, code); ok {
		return "recovery_code", nil
	}
	_, ok, err := s.checkTOTP(u, code)
	if err != nil || !ok {
		return "", err
	}
	return "totp", nil
}
