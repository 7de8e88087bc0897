package identity

import (
	"context"
	"fmt"
	"slices"

	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/sqljson"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/predicate"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/internal/auth/mfa"
	"github.com/worksynapse/worksynapse/internal/database"
)

// checkSecondFactor enforces TOTP or a recovery code for MFA accounts. A
// TOTP step is stored once used, so a code cannot be replayed; a recovery
// code is removed once used.
func (s *Service) checkSecondFactor(ctx context.Context, u *ent.User, in LoginInput) (bool, error) {
	if !u.MfaEnabled {
		return false, nil
	}
	switch {
	case in.TOTPCode != "":
		return true, s.useTOTP(ctx, u, in)
	case in.RecoveryCode != "":
		return true, s.useRecoveryCode(ctx, u, in)
	}
	return false, ErrMFARequired
}

func (s *Service) useTOTP(ctx context.Context, u *ent.User, in LoginInput) error {
	secret, err := s.box.Open(u.MfaSecret)
	if err != nil {
		return fmt.Errorf("identity: open mfa secret: %w", err)
	}
	step, ok := mfa.Validate(string(secret), in.TOTPCode, s.now(), u.MfaLastUsedStep)
	if !ok {
		return s.fail(ctx, u, in.Identifier, reasonMFA, true)
	}
	// The conditional update makes two concurrent logins with the same
	// code race for one step: only one of them can store it.
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		n, err := tx.User.Update().Where(user.ID(u.ID), user.Or(user.MfaLastUsedStepIsNil(), user.MfaLastUsedStepLT(step))).
			SetMfaLastUsedStep(step).Save(ctx)
		if err != nil {
			return fmt.Errorf("identity: store totp step: %w", err)
		}
		if n == 0 {
			return ErrInvalidCredentials
		}
		return nil
	})
}

func (s *Service) useRecoveryCode(ctx context.Context, u *ent.User, in LoginInput) error {
	i, ok := mfa.MatchRecoveryCode(u.RecoveryCodes, in.RecoveryCode)
	if !ok {
		return s.fail(ctx, u, in.Identifier, reasonMFA, true)
	}
	left := slices.Delete(slices.Clone(u.RecoveryCodes), i, i+1)
	// Like useTOTP, the update is conditional: it only applies while the
	// stored list is still the one read above (it holds the matched code
	// and as many codes as before; codes are only ever removed), so two
	// concurrent logins cannot both spend the same code, and a concurrent
	// use of another code cannot be undone by writing a stale list back.
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		n, err := tx.User.Update().Where(user.ID(u.ID), recoveryCodesUnchanged(u.RecoveryCodes[i], len(u.RecoveryCodes))).
			SetRecoveryCodes(left).Save(ctx)
		if err != nil {
			return fmt.Errorf("identity: spend recovery code: %w", err)
		}
		if n == 0 {
			return ErrInvalidCredentials
		}
		return record(ctx, tx, event{kind: EventRecoveryCodeUsed, severity: securityauditlog.SeverityWarning, user: u.ID,
			details: map[string]any{"remaining": len(left)}})
	})
}

// recoveryCodesUnchanged matches a user whose recovery_codes JSON array
// still contains hash and has n entries.
func recoveryCodesUnchanged(hash string, n int) predicate.User {
	return func(s *sql.Selector) {
		col := s.C(user.FieldRecoveryCodes)
		s.Where(sql.And(sqljson.ValueContains(col, hash), sqljson.LenEQ(col, n)))
	}
}
