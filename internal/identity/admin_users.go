package identity

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/ent/session"
	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/ent/userrole"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// OrganizationUser is a user as an organization's administrators see it.
type OrganizationUser struct {
	User             *ent.User
	MembershipStatus organizationmember.Status
	Roles            []string
	Locked           bool // a login lockout is in force
}

// ListOrganizationUsers pages through org's members (any membership
// status) with their account status and roles in org: three queries per
// page, whatever its size.
func (s *Service) ListOrganizationUsers(ctx context.Context, org uuid.UUID, p pagination.Params) (pagination.Page[OrganizationUser], error) {
	var out pagination.Page[OrganizationUser]
	if err := rule.RequireOrganization(ctx, s.client, org); err != nil {
		return out, err
	}
	q := s.client.User.Query().Where(user.HasMembershipsWith(
		organizationmember.OrganizationID(org), organizationmember.DeletedAtIsNil()))
	page, err := pagination.List(ctx, q, p, func(u *ent.User) uuid.UUID { return u.ID })
	if err != nil {
		return out, err
	}
	ids := make([]uuid.UUID, len(page.Items))
	for i, u := range page.Items {
		ids[i] = u.ID
	}
	members, err := s.client.OrganizationMember.Query().
		Where(organizationmember.OrganizationID(org), organizationmember.UserIDIn(ids...)).All(ctx)
	if err != nil {
		return out, fmt.Errorf("identity: load memberships: %w", err)
	}
	grants, err := s.client.UserRole.Query().
		Where(userrole.OrganizationID(org), userrole.UserIDIn(ids...)).WithRole().All(ctx)
	if err != nil {
		return out, fmt.Errorf("identity: load roles: %w", err)
	}
	out.NextCursor = page.NextCursor
	for _, u := range page.Items {
		out.Items = append(out.Items, organizationUser(u, members, grants, s.now()))
	}
	return out, nil
}

func organizationUser(u *ent.User, members []*ent.OrganizationMember, grants []*ent.UserRole, now time.Time) OrganizationUser {
	ou := OrganizationUser{User: u, Roles: []string{}, Locked: u.LockedUntil != nil && u.LockedUntil.After(now)}
	for _, m := range members {
		if m.UserID == u.ID {
			ou.MembershipStatus = m.Status
		}
	}
	for _, g := range grants {
		if g.UserID == u.ID && g.Edges.Role != nil {
			ou.Roles = append(ou.Roles, g.Edges.Role.Name)
		}
	}
	slices.Sort(ou.Roles)
	return ou
}

// UnlockUser clears a user's login lockout (failed attempts and
// locked_until), as Keycloak's "clear brute-force detection for user".
// The privacy rule allows it to the SUPER_ADMIN and to whoever holds
// member:manage in an organization the user belongs to.
func (s *Service) UnlockUser(ctx context.Context, id uuid.UUID) error {
	return s.adminChange(ctx, func(tx *ent.Tx) (event, error) {
		u, err := tx.User.Get(ctx, id)
		if err != nil {
			return event{}, err
		}
		if err := CheckRank(ctx, tx.Client(), id); err != nil {
			return event{}, err
		}
		if err := tx.User.UpdateOneID(id).SetFailedLoginAttempts(0).ClearLockedUntil().Exec(ctx); err != nil {
			return event{}, rule.DeniedIfFiltered(err, "identity")
		}
		details := map[string]any{"target_user_id": id.String(), "failed_login_attempts": u.FailedLoginAttempts}
		if u.LockedUntil != nil {
			details["locked_until"] = u.LockedUntil.UTC().Format(time.RFC3339)
		}
		return event{kind: EventUserUnlocked, details: details}, nil
	})
}

// DeactivateUser disables an account platform-wide and revokes all its
// sessions, so its access tokens stop at once (Authenticate checks the
// session and the account status on every request) and its refresh tokens
// are refused, and its open streams end. Only the SUPER_ADMIN may (status
// is a protected field).
func (s *Service) DeactivateUser(ctx context.Context, id uuid.UUID) error {
	if id == viewer.FromContext(ctx).UserID {
		return problem.Conflict("you cannot deactivate your own account")
	}
	return s.adminChange(ctx, func(tx *ent.Tx) (event, error) {
		if _, err := tx.User.Get(ctx, id); err != nil {
			return event{}, err
		}
		if err := CheckRank(ctx, tx.Client(), id); err != nil {
			return event{}, err
		}
		if err := tx.User.UpdateOneID(id).SetStatus(user.StatusDeactivated).Exec(ctx); err != nil {
			return event{}, rule.DeniedIfFiltered(err, "identity")
		}
		// Why a system context: sessions are written by identity code only;
		// the deactivation itself passed the privacy rules above.
		sys := viewer.NewSystemContext(ctx, "deactivate user")
		n, err := tx.Session.Update().Where(session.UserID(id), session.RevokedAtIsNil()).
			SetRevokedAt(s.now()).SetRevokeReason(EventUserDeactivated).Save(sys)
		if err != nil {
			return event{}, fmt.Errorf("identity: revoke sessions: %w", err)
		}
		// Open streams do not pass authentication again: told in this
		// transaction, they re-authorize and end.
		if s.events != nil {
			if err := s.events.AccessChanged(ctx, tx, id, EventUserDeactivated); err != nil {
				return event{}, err
			}
		}
		return event{kind: EventUserDeactivated, severity: securityauditlog.SeverityWarning,
			details: map[string]any{"target_user_id": id.String(), "revoked_sessions": n}}, nil
	})
}
