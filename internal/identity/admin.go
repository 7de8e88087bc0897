package identity

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Administration (roles, permissions, assignments, account state) runs as
// the viewer: the ent privacy rules decide who may do what (role:*,
// member:manage, SUPER_ADMIN), so this code only looks rows up, changes
// exactly the fields the operation names (nothing from a request body is
// copied wholesale: no is_superuser, organization_id or status) and
// records a SecurityAuditLog event in the same transaction. Permissions
// are loaded per request (LoadViewer), so every change takes effect on the
// affected user's next request.

// adminChange runs fn as the viewer in one transaction and records the
// event fn returns (none when it returns a zero event: nothing changed).
func (s *Service) adminChange(ctx context.Context, fn func(tx *ent.Tx) (event, error)) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		e, err := fn(tx)
		if err != nil || e.kind == "" {
			return err
		}
		e.user = viewer.FromContext(ctx).UserID
		if e.severity == "" {
			e.severity = securityauditlog.SeverityInfo
		}
		// Why a system context: SecurityAuditLog accepts inserts from system
		// code only; the change itself ran as the viewer.
		return record(viewer.NewSystemContext(ctx, "admin security event"), tx, e)
	})
}

// memberIn returns the membership of user in org, if the viewer may see it.
func memberIn(ctx context.Context, c *ent.Client, org, user uuid.UUID) (*ent.OrganizationMember, error) {
	m, err := c.OrganizationMember.Query().
		Where(organizationmember.OrganizationID(org), organizationmember.UserID(user)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, problem.NotFound("the user is not a member of the organization")
	}
	return m, err
}

// requireToRepeat guards idempotent no-ops (granting what is granted):
// repeating a change still needs the right to make it.
func requireToRepeat(ctx context.Context, org uuid.UUID, resource, action string) error {
	if !viewer.FromContext(ctx).Can(org, resource, action) {
		return privacy.Denyf("identity: %s:%s not granted", resource, action)
	}
	return nil
}

// CheckRank refuses (403) administering the account of target (unlock,
// deactivate, role grants, removal) when target outranks the viewer:
// nobody acts on an account of a higher role. Target outranks the viewer
// when it is a SUPER_ADMIN and the viewer is not, or holds, in one of orgs,
// a permission the viewer does not hold there. Comparing permissions
// rather than role names also ranks custom roles. With no orgs, every
// organization target is an active member of counts: an account-wide
// change (a lockout cleared) also opens the doors of target's other
// organizations. Every user-administration operation calls it, so the
// rule lives here only.
func CheckRank(ctx context.Context, c *ent.Client, target uuid.UUID, orgs ...uuid.UUID) error {
	v := viewer.FromContext(ctx)
	if v.IsSystem() || v.Superuser {
		return nil
	}
	// Why a system context: the target's grants must all count, whatever
	// the viewer may read of them.
	sys := viewer.NewSystemContext(ctx, "rank of an administered account")
	u, err := c.User.Get(sys, target)
	if err != nil {
		return fmt.Errorf("identity: load administered user: %w", err)
	}
	tv, err := LoadViewer(sys, c, u)
	if err != nil {
		return err
	}
	if tv.Superuser {
		return errOutranked
	}
	if len(orgs) == 0 {
		orgs = tv.OrganizationIDs()
	}
	for _, org := range orgs {
		for p := range tv.Memberships[org].Permissions {
			if !v.Can(org, p.Resource, p.Action) {
				return errOutranked
			}
		}
	}
	return nil
}

var errOutranked = problem.Forbidden("the account holds a role above yours")
