package identity

import (
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/predicate"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/ent/session"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// maxRotatedHashes bounds how many rotated-out tokens a session remembers
// for reuse detection (a month of 15-minute refreshes is ~3,000; older
// replays are still refused, just without revoking the family).
const maxRotatedHashes = 200

// Refresh rotates a refresh token. Presenting a token that was already
// rotated means it leaked (or a client is buggy): the whole family is
// revoked and a critical event recorded.
func (s *Service) Refresh(ctx context.Context, token string) (*TokenPair, error) {
	// Why a system context: the refresh token is the only credential.
	sys := viewer.NewSystemContext(ctx, "token refresh")
	sid, ok := parseRefreshToken(token)
	if !ok {
		return nil, ErrInvalidToken
	}
	hash := hashToken(token)
	var pair *TokenPair
	var reused bool
	err := database.WithTx(sys, s.client, func(tx *ent.Tx) error {
		sess, err := tx.Session.Query().Where(session.ID(sid)).WithUser().Only(sys)
		if ent.IsNotFound(err) {
			return ErrInvalidToken
		}
		if err != nil {
			return fmt.Errorf("identity: load session: %w", err)
		}
		switch {
		case subtle.ConstantTimeCompare([]byte(sess.RefreshTokenHash), []byte(hash)) == 1:
			pair, err = s.rotate(sys, tx, sess)
			return err
		case wasRotated(sess.RotatedTokenHashes, hash):
			reused = true
			return s.revokeFamily(sys, tx, sess)
		}
		return record(sys, tx, event{kind: EventRefreshInvalid, severity: securityauditlog.SeverityWarning,
			user: sess.UserID, details: map[string]any{"session_id": sid.String()}})
	})
	if err != nil {
		return nil, err
	}
	if reused || pair == nil {
		s.onFailure(map[bool]string{true: "refresh_token_reuse", false: "invalid_refresh_token"}[reused])
		return nil, ErrInvalidToken
	}
	return pair, nil
}

func wasRotated(hashes []string, hash string) bool {
	found := 0
	for _, h := range hashes {
		found |= subtle.ConstantTimeCompare([]byte(h), []byte(hash))
	}
	return found == 1
}

// rotate replaces the session's refresh token. The conditional update
// (on the old hash) lets only one of two concurrent refreshes win.
func (s *Service) rotate(ctx context.Context, tx *ent.Tx, sess *ent.Session) (*TokenPair, error) {
	now := s.now()
	if sess.RevokedAt != nil || !sess.ExpiresAt.After(now) || sess.Edges.User == nil || !active(sess.Edges.User) {
		return nil, ErrInvalidToken
	}
	refresh, hash, err := newRefreshToken(sess.ID)
	if err != nil {
		return nil, err
	}
	rotated := append(sess.RotatedTokenHashes, sess.RefreshTokenHash)
	if len(rotated) > maxRotatedHashes {
		rotated = rotated[len(rotated)-maxRotatedHashes:]
	}
	n, err := tx.Session.Update().
		Where(session.ID(sess.ID), session.RefreshTokenHash(sess.RefreshTokenHash)).
		SetRefreshTokenHash(hash).SetRotatedTokenHashes(rotated).SetLastSeenAt(now).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("identity: rotate: %w", err)
	}
	if n == 0 {
		return nil, ErrInvalidToken
	}
	return s.pair(sess.UserID, sess.ID, refresh, sess.ExpiresAt)
}

// revokeFamily revokes every live session descending from the same login.
func (s *Service) revokeFamily(ctx context.Context, tx *ent.Tx, sess *ent.Session) error {
	n, err := s.revoke(ctx, tx, sess.UserID, "refresh token reuse", session.TokenFamily(sess.TokenFamily))
	if err != nil {
		return fmt.Errorf("identity: revoke family: %w", err)
	}
	return record(ctx, tx, event{kind: EventRefreshReuse, severity: securityauditlog.SeverityCritical, user: sess.UserID,
		details: map[string]any{"session_id": sess.ID.String(), "token_family": sess.TokenFamily.String(), "revoked_sessions": n}})
}

// Logout revokes one session of the viewer.
func (s *Service) Logout(ctx context.Context, v *viewer.Viewer) error {
	return s.RevokeSession(ctx, v, v.SessionID, EventLogout)
}

// RevokeSession revokes session id if it belongs to the viewer; another
// user's session is "not found".
func (s *Service) RevokeSession(ctx context.Context, v *viewer.Viewer, id uuid.UUID, kind string) error {
	// Why a system context: sessions are written by identity code only;
	// ownership is checked by the user_id predicate.
	sys := viewer.NewSystemContext(ctx, "revoke session")
	return database.WithTx(sys, s.client, func(tx *ent.Tx) error {
		n, err := s.revoke(sys, tx, v.UserID, kind, session.ID(id))
		if err != nil {
			return err
		}
		if n == 0 {
			return &ent.NotFoundError{}
		}
		return record(sys, tx, event{kind: kind, severity: securityauditlog.SeverityInfo, user: v.UserID,
			details: map[string]any{"session_id": id.String()}})
	})
}

// LogoutAll revokes every live session of the viewer.
func (s *Service) LogoutAll(ctx context.Context, v *viewer.Viewer) error {
	// Why a system context: see RevokeSession.
	sys := viewer.NewSystemContext(ctx, "logout all")
	return database.WithTx(sys, s.client, func(tx *ent.Tx) error {
		n, err := s.revokeSessions(sys, tx, v.UserID, uuid.Nil, EventLogoutAll)
		if err != nil {
			return err
		}
		return record(sys, tx, event{kind: EventLogoutAll, severity: securityauditlog.SeverityInfo, user: v.UserID,
			details: map[string]any{"revoked_sessions": n}})
	})
}

// revokeSessions revokes every live session of user uid except keep (pass
// uuid.Nil to keep none) and returns how many it revoked.
func (s *Service) revokeSessions(ctx context.Context, tx *ent.Tx, uid, keep uuid.UUID, reason string) (int, error) {
	var where []predicate.Session
	if keep != uuid.Nil {
		where = append(where, session.IDNEQ(keep))
	}
	return s.revoke(ctx, tx, uid, reason, where...)
}

// revoke revokes the live sessions of user uid that match where and, in
// the same transaction, tells the user's open streams to re-authorize
// (Options.Events): a stream of a revoked session then ends at once
// instead of outliving its logout. Every revocation of a user's own
// sessions goes through here.
func (s *Service) revoke(ctx context.Context, tx *ent.Tx, uid uuid.UUID, reason string, where ...predicate.Session) (int, error) {
	n, err := tx.Session.Update().Where(session.UserID(uid), session.RevokedAtIsNil()).Where(where...).
		SetRevokedAt(s.now()).SetRevokeReason(reason).Save(ctx)
	if err != nil {
		return 0, fmt.Errorf("identity: revoke sessions: %w", err)
	}
	if n > 0 && s.events != nil {
		if err := s.events.AccessChanged(ctx, tx, uid, reason); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// ListSessions pages through the viewer's own live (unrevoked) sessions.
func (s *Service) ListSessions(ctx context.Context, v *viewer.Viewer, p pagination.Params) (pagination.Page[*ent.Session], error) {
	q := s.client.Session.Query().Where(session.UserID(v.UserID), session.RevokedAtIsNil())
	return pagination.List(ctx, q, p, func(row *ent.Session) uuid.UUID { return row.ID })
}
