package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/session"
	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/ent/userrole"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// lastSeenGranularity limits last_seen_at writes to one per session per
// minute instead of one per request.
const lastSeenGranularity = time.Minute

// Authenticate turns an access token into the request's viewer. The
// session is checked on every request (a revoked session stops its tokens
// at once, on every replica), and memberships and roles are loaded once
// per request, not per row.
func (s *Service) Authenticate(ctx context.Context, token string) (*viewer.Viewer, error) {
	claims, err := s.signer.Verify(token)
	if err != nil {
		s.onFailure("invalid_token")
		return nil, ErrInvalidToken
	}
	uid, err1 := uuid.Parse(claims.Subject)
	sid, err2 := uuid.Parse(claims.SessionID)
	if err1 != nil || err2 != nil {
		return nil, ErrInvalidToken
	}
	// Why a system context: this builds the viewer, so none exists yet.
	sys := viewer.NewSystemContext(ctx, "authenticate")
	now := s.now()
	sess, err := s.client.Session.Query().
		Where(session.ID(sid), session.UserID(uid), session.RevokedAtIsNil(), session.ExpiresAtGT(now)).
		WithUser().Only(sys)
	if ent.IsNotFound(err) || (err == nil && !active(sess.Edges.User)) {
		s.onFailure("revoked_session")
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("identity: load session: %w", err)
	}
	v, err := s.loadViewer(sys, sess.Edges.User)
	if err != nil {
		return nil, err
	}
	v.SessionID = sid
	s.touch(sys, sess, now)
	return v, nil
}

func active(u *ent.User) bool {
	return u != nil && u.Status == user.StatusActive
}

// loadViewer reads the user's memberships and organization roles (two
// queries whatever the number of organizations).
func (s *Service) loadViewer(ctx context.Context, u *ent.User) (*viewer.Viewer, error) {
	v := &viewer.Viewer{UserID: u.ID, Superuser: u.IsSuperuser, Memberships: map[uuid.UUID]viewer.Membership{}}
	members, err := s.client.OrganizationMember.Query().
		Where(organizationmember.UserID(u.ID), organizationmember.StatusEQ(organizationmember.StatusActive)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("identity: load memberships: %w", err)
	}
	for _, m := range members {
		v.Memberships[m.OrganizationID] = viewer.Membership{OrganizationID: m.OrganizationID}
	}
	grants, err := s.client.UserRole.Query().Where(userrole.UserID(u.ID)).WithRole().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("identity: load roles: %w", err)
	}
	for _, g := range grants {
		m, ok := v.Memberships[g.OrganizationID]
		if !ok || g.Edges.Role == nil {
			continue
		}
		m.Roles = append(m.Roles, viewer.Role(g.Edges.Role.Name))
		v.Memberships[g.OrganizationID] = m
	}
	return v, nil
}

// touch records session activity at most once a minute; a failure only
// costs freshness of "last seen", so it is logged, not returned.
func (s *Service) touch(ctx context.Context, sess *ent.Session, now time.Time) {
	if sess.LastSeenAt != nil && now.Sub(*sess.LastSeenAt) < lastSeenGranularity {
		return
	}
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		return tx.Session.UpdateOneID(sess.ID).SetLastSeenAt(now).Exec(ctx)
	})
	if err != nil {
		s.log.WarnContext(ctx, "update session last_seen_at", "session_id", sess.ID, "error", err)
	}
}
