package identity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/ent/session"
	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/internal/auth/password"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/requestmeta"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// LoginInput is what a client sends to sign in.
type LoginInput struct {
	Identifier, Password   string
	TOTPCode, RecoveryCode string
	DeviceName, DeviceType string
}

// TokenPair is what a successful login or refresh returns.
type TokenPair struct {
	AccessToken      string
	ExpiresIn        time.Duration
	RefreshToken     string
	RefreshExpiresAt time.Time
	SessionID        uuid.UUID
}

// failure reasons stored in LoginHistory (never shown to the client).
const (
	reasonUnknown  = "unknown_identifier"
	reasonPassword = "bad_password"
	reasonLocked   = "locked"
	reasonInactive = "inactive"
	reasonMFA      = "bad_mfa_code"
)

// Login checks the credentials and opens a session. Every attempt writes
// LoginHistory; failures never say which part was wrong.
func (s *Service) Login(ctx context.Context, in LoginInput) (*TokenPair, error) {
	// Why a system context: the caller is not authenticated yet, and the
	// rows involved (user, session, login history) belong to nobody visible.
	sys := viewer.NewSystemContext(ctx, "login")
	ident := strings.ToLower(strings.TrimSpace(in.Identifier))
	u, err := s.client.User.Query().Where(user.Or(user.Email(ident), user.Username(strings.TrimSpace(in.Identifier)))).Only(sys)
	if ent.IsNotFound(err) {
		// Spend the same bcrypt time as for a real account.
		_ = password.Verify(password.DummyHash(s.cfg.BcryptCost), in.Password)
		return nil, s.fail(sys, nil, ident, reasonUnknown, false)
	}
	if err != nil {
		return nil, fmt.Errorf("identity: find user: %w", err)
	}
	pwErr := password.Verify(u.PasswordHash, in.Password)
	switch {
	case u.LockedUntil != nil && u.LockedUntil.After(s.now()):
		return nil, s.fail(sys, u, ident, reasonLocked, false)
	case u.Status != user.StatusActive:
		return nil, s.fail(sys, u, ident, reasonInactive, false)
	case pwErr != nil:
		return nil, s.fail(sys, u, ident, reasonPassword, true)
	}
	mfaUsed, err := s.checkSecondFactor(sys, u, in)
	if err != nil {
		return nil, err
	}
	return s.openSession(sys, u, ident, in, mfaUsed)
}

// fail records a failed attempt and, for a wrong password, counts it
// towards the lockout. It returns the one error every failure shares.
func (s *Service) fail(ctx context.Context, u *ent.User, ident, reason string, count bool) error {
	s.onFailure(reason)
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		uid := uuid.Nil
		if u != nil {
			uid = u.ID
		}
		if err := s.history(ctx, tx, uid, ident, false, reason, false); err != nil {
			return err
		}
		if err := record(ctx, tx, event{kind: EventLoginFailed, severity: securityauditlog.SeverityWarning, user: uid,
			details: map[string]any{"reason": reason}}); err != nil {
			return err
		}
		if count && u != nil {
			return s.countFailure(ctx, tx, u.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return ErrInvalidCredentials
}

// countFailure increments the counter with one atomic UPDATE (concurrent
// attempts cannot lose increments) and locks the account at the limit.
func (s *Service) countFailure(ctx context.Context, tx *ent.Tx, id uuid.UUID) error {
	if err := tx.User.Update().Where(user.ID(id)).AddFailedLoginAttempts(1).Exec(ctx); err != nil {
		return fmt.Errorf("identity: count failure: %w", err)
	}
	u, err := tx.User.Get(ctx, id)
	if err != nil {
		return err
	}
	if u.FailedLoginAttempts < s.cfg.Lockout.MaxAttempts {
		return nil
	}
	until := s.now().Add(s.cfg.Lockout.Duration)
	if err := tx.User.UpdateOneID(id).SetLockedUntil(until).SetFailedLoginAttempts(0).Exec(ctx); err != nil {
		return fmt.Errorf("identity: lock account: %w", err)
	}
	return record(ctx, tx, event{kind: EventAccountLocked, severity: securityauditlog.SeverityWarning, user: id,
		details: map[string]any{"locked_until": until.UTC().Format(time.RFC3339), "attempts": u.FailedLoginAttempts}})
}

func (s *Service) history(ctx context.Context, tx *ent.Tx, uid uuid.UUID, ident string, ok bool, reason string, mfa bool) error {
	meta := requestmeta.FromContext(ctx)
	b := tx.LoginHistory.Create().SetIdentifier(truncate(ident, 254)).SetSuccess(ok).SetMfaUsed(mfa).
		SetIP(meta.ClientIP).SetUserAgent(meta.UserAgent)
	if reason != "" {
		b.SetFailureReason(reason)
	}
	if uid != uuid.Nil {
		b.SetUserID(uid)
	}
	if err := b.Exec(ctx); err != nil {
		return fmt.Errorf("identity: login history: %w", err)
	}
	return nil
}

// openSession creates the session, resets the failure counter and issues
// the token pair, all in one transaction.
func (s *Service) openSession(ctx context.Context, u *ent.User, ident string, in LoginInput, mfaUsed bool) (*TokenPair, error) {
	meta := requestmeta.FromContext(ctx)
	sid := uuid.Must(uuid.NewV7())
	refresh, hash, err := newRefreshToken(sid)
	if err != nil {
		return nil, err
	}
	now := s.now()
	expires := now.Add(s.cfg.RefreshTokenTTL)
	err = database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		err := tx.Session.Create().SetID(sid).SetUserID(u.ID).SetRefreshTokenHash(hash).
			SetTokenFamily(uuid.Must(uuid.NewV7())).SetDeviceName(truncate(in.DeviceName, 200)).
			SetDeviceType(deviceType(in.DeviceType)).SetIP(meta.ClientIP).SetUserAgent(meta.UserAgent).
			SetLastSeenAt(now).SetExpiresAt(expires).Exec(ctx)
		if err != nil {
			return fmt.Errorf("identity: create session: %w", err)
		}
		upd := tx.User.UpdateOneID(u.ID).SetLastLoginAt(now).SetLastLoginIP(meta.ClientIP)
		if u.FailedLoginAttempts != 0 || u.LockedUntil != nil {
			upd.SetFailedLoginAttempts(0).ClearLockedUntil()
		}
		if err := upd.Exec(ctx); err != nil {
			return fmt.Errorf("identity: update user: %w", err)
		}
		if err := s.history(ctx, tx, u.ID, ident, true, "", mfaUsed); err != nil {
			return err
		}
		return record(ctx, tx, event{kind: EventLogin, severity: securityauditlog.SeverityInfo, user: u.ID,
			details: map[string]any{"session_id": sid.String(), "mfa": mfaUsed}})
	})
	if err != nil {
		return nil, err
	}
	return s.pair(u.ID, sid, refresh, expires)
}

func (s *Service) pair(uid, sid uuid.UUID, refresh string, refreshExpires time.Time) (*TokenPair, error) {
	access, _, err := s.signer.Sign(uid.String(), sid.String())
	if err != nil {
		return nil, fmt.Errorf("identity: sign access token: %w", err)
	}
	return &TokenPair{AccessToken: access, ExpiresIn: s.cfg.AccessTokenTTL, RefreshToken: refresh,
		RefreshExpiresAt: refreshExpires, SessionID: sid}, nil
}

func deviceType(s string) session.DeviceType {
	dt := session.DeviceType(s)
	if session.DeviceTypeValidator(dt) != nil {
		return session.DeviceTypeUnknown
	}
	return dt
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
