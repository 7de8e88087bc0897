package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/authtoken"
	"github.com/worksynapse/worksynapse/internal/auth/tokens"
)

// oneTime describes one kind of mailed, single-use token. Only the SHA-256
// of a token is stored (AuthToken.token_hash), like refresh tokens.
type oneTime struct {
	purpose authtoken.Purpose
	prefix  string // lets secret scanners and support tell the kinds apart
	ttl     time.Duration
}

// Lifetimes follow Keycloak's defaults for the same actions (verify email
// 24 h; a reset link is short-lived because it is a password substitute).
var (
	verificationToken = oneTime{authtoken.PurposeEmailVerification, "wsv_", 24 * time.Hour}
	resetToken        = oneTime{authtoken.PurposePasswordReset, "wsp_", time.Hour}
)

// issue supersedes the user's unused tokens of kind k (only the newest
// mail works) and returns a new token to mail. ctx must be a system
// context: AuthToken rows are written by identity code only.
func (s *Service) issue(ctx context.Context, tx *ent.Tx, uid uuid.UUID, k oneTime) (string, error) {
	if err := s.invalidate(ctx, tx, uid, k); err != nil {
		return "", err
	}
	token, hash, err := tokens.NewOpaqueWithPrefix(k.prefix)
	if err != nil {
		return "", err
	}
	err = tx.AuthToken.Create().SetUserID(uid).SetPurpose(k.purpose).SetTokenHash(hash).
		SetExpiresAt(s.now().Add(k.ttl)).Exec(ctx)
	if err != nil {
		return "", fmt.Errorf("identity: create %s token: %w", k.purpose, err)
	}
	return token, nil
}

// invalidate marks the user's unused tokens of kind k as used: used_at
// means "can no longer be redeemed", whether redeemed or superseded, and
// the rows stay as a trail.
func (s *Service) invalidate(ctx context.Context, tx *ent.Tx, uid uuid.UUID, k oneTime) error {
	err := tx.AuthToken.Update().
		Where(authtoken.UserID(uid), authtoken.PurposeEQ(k.purpose), authtoken.UsedAtIsNil()).
		SetUsedAt(s.now()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("identity: invalidate %s tokens: %w", k.purpose, err)
	}
	return nil
}

// lookup returns the live token of kind k with its user, without using it.
func (s *Service) lookup(ctx context.Context, client *ent.Client, token string, k oneTime) (*ent.AuthToken, error) {
	t, err := client.AuthToken.Query().
		Where(authtoken.TokenHash(tokens.HashOpaque(token)), authtoken.PurposeEQ(k.purpose),
			authtoken.UsedAtIsNil(), authtoken.ExpiresAtGT(s.now())).
		WithUser().Only(ctx)
	if ent.IsNotFound(err) || (err == nil && !active(t.Edges.User)) {
		return nil, ErrInvalidOneTimeToken
	}
	if err != nil {
		return nil, fmt.Errorf("identity: find %s token: %w", k.purpose, err)
	}
	return t, nil
}

// redeem marks a looked-up token used. The conditional update makes the
// token single-use even when two requests race with it: only one of them
// can flip used_at.
func (s *Service) redeem(ctx context.Context, tx *ent.Tx, t *ent.AuthToken) error {
	n, err := tx.AuthToken.Update().Where(authtoken.ID(t.ID), authtoken.UsedAtIsNil()).SetUsedAt(s.now()).Save(ctx)
	if err != nil {
		return fmt.Errorf("identity: redeem token: %w", err)
	}
	if n == 0 {
		return ErrInvalidOneTimeToken
	}
	return nil
}
