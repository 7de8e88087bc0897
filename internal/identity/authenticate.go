package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"entgo.io/ent/dialect"
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
	"github.com/worksynapse/worksynapse/internal/sessioncache"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// lastSeenGranularity limits last_seen_at writes to one per session per
// minute instead of one per request.
const lastSeenGranularity = time.Minute

// Authenticate turns an access token into the request's viewer. The
// session is checked on every request (a revoked session stops its tokens
// at once, on every replica): from this replica's session cache when it
// holds the session (internal/sessioncache keeps it current across
// replicas), otherwise with one SQL statement that also loads memberships
// and roles once per request, not per row (see loadViewerRows);
// TestAuthenticateIsOneQuery keeps it that way.
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
	e, ok := s.sessions.Get(sid)
	if !ok {
		if e, err = s.loadSession(sys, uid, sid, now); err != nil {
			return nil, err
		}
	}
	if e.Viewer.UserID != uid {
		// A token naming another user's session (the signature makes this
		// impossible unless the secret leaked): the query finds nothing.
		s.onFailure("revoked_session")
		return nil, ErrInvalidToken
	}
	if s.touch(sys, sid, e.LastSeenAt, now) {
		s.sessions.Seen(sid, now)
	}
	v := *e.Viewer // the cached viewer is shared: the request gets its own copy
	return &v, nil
}

// loadSession reads session sid of user uid and the user's viewer, and
// keeps them in the session cache unless a change raced the read.
func (s *Service) loadSession(ctx context.Context, uid, sid uuid.UUID, now time.Time) (sessioncache.Entry, error) {
	gen := s.sessions.Generation()
	// The user must be active and not deleted (the soft-delete interceptor
	// of the User query), the session theirs, live and unexpired.
	rows, err := loadViewerRows(ctx, s.client.User.Query().Where(user.ID(uid), user.StatusEQ(user.StatusActive)),
		func(q *entsql.Selector) {
			t := entsql.Table(session.Table)
			q.Join(t).OnP(entsql.And(
				entsql.ColumnsEQ(t.C(session.FieldUserID), q.C(user.FieldID)),
				entsql.EQ(t.C(session.FieldID), sid),
				entsql.IsNull(t.C(session.FieldRevokedAt)),
				entsql.GT(t.C(session.FieldExpiresAt), now),
			))
			q.AppendSelectAs(t.C(session.FieldLastSeenAt), "last_seen_at").
				AppendSelectAs(t.C(session.FieldExpiresAt), "expires_at")
		})
	if err != nil {
		return sessioncache.Entry{}, fmt.Errorf("identity: load session: %w", err)
	}
	if len(rows) == 0 {
		s.onFailure("revoked_session")
		return sessioncache.Entry{}, ErrInvalidToken
	}
	v := newViewer(uid, rows)
	v.SessionID = sid
	e := sessioncache.Entry{Viewer: v, ExpiresAt: *rows[0].ExpiresAt, LastSeenAt: rows[0].LastSeenAt}
	s.sessions.Put(sid, e, gen)
	return e, nil
}

// active reports whether u may hold sessions (Authenticate checks the same
// in SQL).
func active(u *ent.User) bool {
	return u != nil && u.Status == user.StatusActive
}

// LoadViewer builds the viewer of user u: its active memberships and, per
// organization, its roles and the union of their permissions, in one query
// whatever the number of organizations, roles and permissions, so privacy
// rules never query per row. ctx must be a system context. A deleted user
// gets no memberships.
func LoadViewer(ctx context.Context, client *ent.Client, u *ent.User) (*viewer.Viewer, error) {
	rows, err := loadViewerRows(ctx, client.User.Query().Where(user.ID(u.ID)), nil)
	if err != nil {
		return nil, fmt.Errorf("identity: load roles and permissions: %w", err)
	}
	v := newViewer(u.ID, rows)
	v.Superuser = u.IsSuperuser
	return v, nil
}

// viewerRow is one (organization, role) of a user with the role's
// permissions, and the user's flag and, for Authenticate, the session's
// last activity. Organization and role are NULL (zero) where the user has
// no active membership or the membership no role; Permissions lists
// "resource:action" pairs separated by commas (empty for none).
type viewerRow struct {
	IsSuperuser    bool       `sql:"is_superuser"`
	LastSeenAt     *time.Time `sql:"last_seen_at"`
	ExpiresAt      *time.Time `sql:"expires_at"`
	OrganizationID uuid.UUID  `sql:"organization_id"`
	RoleName       string     `sql:"role_name"`
	Permissions    string     `sql:"permissions"`
}

// loadViewerRows is the one query behind a viewer: the users of q (their
// soft-delete filter applies), joined by join (e.g. to their session; nil
// for none), then left-joined to their active memberships and, per
// membership, to the roles held in that organization and their
// permissions, aggregated into one row per role. Why aggregated: an
// administrator holds about a hundred permissions, and decoding a row per
// permission on every request was the largest cost of a task read. Every
// user of q yields at least one row. Deleted roles and memberships grant
// nothing; the joined tables are not filtered by their interceptors, so
// deleted_at is checked here.
func loadViewerRows(ctx context.Context, q *ent.UserQuery, join func(*entsql.Selector)) ([]viewerRow, error) {
	var rows []viewerRow
	err := q.Modify(func(s *entsql.Selector) {
		// Columns with AppendSelectAs only: SelectedColumns (the GROUP BY)
		// must not carry their aliases.
		s.Select().AppendSelectAs(s.C(user.FieldIsSuperuser), "is_superuser")
		if join != nil {
			join(s)
		}
		m, ur, r := entsql.Table(organizationmember.Table), entsql.Table(userrole.Table), entsql.Table(role.Table)
		rp, p := entsql.Table(rolepermission.Table), entsql.Table(permission.Table)
		s.LeftJoin(m).OnP(entsql.And(
			entsql.ColumnsEQ(m.C(organizationmember.FieldUserID), s.C(user.FieldID)),
			entsql.EQ(m.C(organizationmember.FieldStatus), organizationmember.StatusActive),
			entsql.IsNull(m.C(organizationmember.FieldDeletedAt)),
		)).
			LeftJoin(ur).OnP(entsql.And(
			entsql.ColumnsEQ(ur.C(userrole.FieldUserID), s.C(user.FieldID)),
			entsql.ColumnsEQ(ur.C(userrole.FieldOrganizationID), m.C(organizationmember.FieldOrganizationID)),
		)).
			LeftJoin(r).OnP(entsql.And(
			entsql.ColumnsEQ(r.C(role.FieldID), ur.C(userrole.FieldRoleID)),
			entsql.IsNull(r.C(role.FieldDeletedAt)),
		)).
			LeftJoin(rp).On(rp.C(rolepermission.FieldRoleID), r.C(role.FieldID)).
			LeftJoin(p).On(p.C(permission.FieldID), rp.C(rolepermission.FieldPermissionID))
		s.AppendSelectAs(m.C(organizationmember.FieldOrganizationID), "organization_id").
			AppendSelectAs(r.C(role.FieldName), "role_name")
		s.GroupBy(s.SelectedColumns()...)
		s.AppendSelectExprAs(permissionList(s.Dialect(), p), "permissions")
	}).Scan(ctx, &rows)
	return rows, err
}

// permissionList aggregates the joined permissions of a group into
// "resource:action,…" (an empty string for none).
func permissionList(d string, p *entsql.SelectTable) entsql.Querier {
	agg := "string_agg"
	if d == dialect.SQLite {
		agg = "group_concat"
	}
	return entsql.Expr(fmt.Sprintf("coalesce(%s(%s || ':' || %s, ','), '')", agg, p.C(permission.FieldResource), p.C(permission.FieldAction)))
}

// newViewer folds the rows of user uid into its viewer.
func newViewer(uid uuid.UUID, rows []viewerRow) *viewer.Viewer {
	v := &viewer.Viewer{UserID: uid, Memberships: map[uuid.UUID]viewer.Membership{}}
	for _, g := range rows {
		v.Superuser = g.IsSuperuser
		if g.OrganizationID == uuid.Nil {
			continue // no active membership
		}
		m, ok := v.Memberships[g.OrganizationID]
		if !ok {
			m = viewer.Membership{OrganizationID: g.OrganizationID}
		}
		if g.RoleName != "" && !slices.Contains(m.Roles, viewer.Role(g.RoleName)) {
			m.Roles = append(m.Roles, viewer.Role(g.RoleName))
		}
		for _, pair := range strings.Split(g.Permissions, ",") {
			if resource, action, ok := strings.Cut(pair, ":"); ok {
				m.Permissions.Add(resource, action)
			}
		}
		v.Memberships[g.OrganizationID] = m
	}
	return v
}

// touch records session activity at most once a minute and reports
// whether it wrote; a failure only costs freshness of "last seen", so it
// is logged, not returned.
func (s *Service) touch(ctx context.Context, sid uuid.UUID, lastSeen *time.Time, now time.Time) bool {
	if lastSeen != nil && now.Sub(*lastSeen) < lastSeenGranularity {
		return false
	}
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		return tx.Session.UpdateOneID(sid).SetLastSeenAt(now).Exec(ctx)
	})
	if err != nil {
		s.log.WarnContext(ctx, "update session last_seen_at", "session_id", sid, "error", err)
	}
	return true
}
