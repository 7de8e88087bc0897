package identity

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/permission"
	"github.com/worksynapse/worksynapse/ent/role"
	"github.com/worksynapse/worksynapse/ent/rolepermission"
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
	v, err := LoadViewer(sys, s.client, sess.Edges.User)
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

// LoadViewer builds the viewer of user u: its active memberships and, per
// organization, its roles and the union of their permissions. It costs two
// queries whatever the number of organizations, roles and permissions
// (memberships; then user_roles joined to roles, role_permissions and
// permissions), so privacy rules never query per row. ctx must be a system
// context. Authenticate calls it on every request, which is why a role or
// permission change takes effect on the caller's next request.
func LoadViewer(ctx context.Context, client *ent.Client, u *ent.User) (*viewer.Viewer, error) {
	v := &viewer.Viewer{UserID: u.ID, Superuser: u.IsSuperuser, Memberships: map[uuid.UUID]viewer.Membership{}}
	members, err := client.OrganizationMember.Query().
		Where(organizationmember.UserID(u.ID), organizationmember.StatusEQ(organizationmember.StatusActive)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("identity: load memberships: %w", err)
	}
	for _, m := range members {
		v.Memberships[m.OrganizationID] = viewer.Membership{OrganizationID: m.OrganizationID}
	}
	grants, err := loadGrants(ctx, client, u.ID)
	if err != nil {
		return nil, err
	}
	for _, g := range grants {
		m, ok := v.Memberships[g.OrganizationID]
		if !ok {
			continue // a role in an organization the user has left
		}
		if !slices.Contains(m.Roles, viewer.Role(g.RoleName)) {
			m.Roles = append(m.Roles, viewer.Role(g.RoleName))
		}
		if g.Resource.Valid {
			m.Permissions.Add(g.Resource.String, g.Action.String)
		}
		v.Memberships[g.OrganizationID] = m
	}
	return v, nil
}

// grantRow is one (organization, role, permission) of a user; the
// permission is NULL for a role without any.
type grantRow struct {
	OrganizationID uuid.UUID      `sql:"organization_id"`
	RoleName       string         `sql:"role_name"`
	Resource       sql.NullString `sql:"resource"`
	Action         sql.NullString `sql:"action"`
}

// loadGrants is the one join behind the viewer's permissions. Deleted
// (soft-deleted) roles grant nothing.
func loadGrants(ctx context.Context, client *ent.Client, uid uuid.UUID) ([]grantRow, error) {
	var rows []grantRow
	err := client.UserRole.Query().Where(userrole.UserID(uid)).Modify(func(s *entsql.Selector) {
		r, rp, p := entsql.Table(role.Table), entsql.Table(rolepermission.Table), entsql.Table(permission.Table)
		s.Join(r).On(s.C(userrole.FieldRoleID), r.C(role.FieldID)).
			LeftJoin(rp).On(r.C(role.FieldID), rp.C(rolepermission.FieldRoleID)).
			LeftJoin(p).On(rp.C(rolepermission.FieldPermissionID), p.C(permission.FieldID)).
			Where(entsql.IsNull(r.C(role.FieldDeletedAt))).
			Select(
				s.C(userrole.FieldOrganizationID),
				entsql.As(r.C(role.FieldName), "role_name"),
				entsql.As(p.C(permission.FieldResource), "resource"),
				entsql.As(p.C(permission.FieldAction), "action"),
			)
	}).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("identity: load roles and permissions: %w", err)
	}
	return rows, nil
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
