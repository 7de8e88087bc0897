package projects

import (
	"context"
	"fmt"
	"strings"
	"time"

	// Time zones are validated against the IANA database embedded in the
	// binary, so the answer does not depend on the host's tzdata package.
	_ "time/tzdata"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/ent/projectmember"
	"github.com/worksynapse/worksynapse/ent/role"
	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/ent/userrole"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// OrganizationInput is what a client may set on an organization; nil
// leaves a field as it is (or at its default on create). Plan is billing
// data and never client input.
type OrganizationInput struct {
	Name, Slug, Description, TimeZone *string
	AuditRetentionDays                *int
	LLMCaptureRetentionDays           *int
	ManagerTrackingEnabled            *bool
}

// CreateOrganization creates an organization and makes the viewer its
// first member with the ADMIN role, in one transaction.
func (s *Service) CreateOrganization(ctx context.Context, in OrganizationInput) (*ent.Organization, error) {
	if err := checkTimeZone(in.TimeZone); err != nil {
		return nil, err
	}
	me := viewer.FromContext(ctx).UserID
	var org *ent.Organization
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		var err error
		org, err = tx.Organization.Create().SetName(*in.Name).SetSlug(*in.Slug).
			SetNillableDescription(in.Description).SetNillableTimeZone(in.TimeZone).Save(ctx)
		if ent.IsConstraintError(err) {
			return problem.Conflict(fmt.Sprintf("the slug %s is taken", *in.Slug))
		}
		if err != nil {
			return err
		}
		admin, err := tx.Role.Query().Where(role.Name(seed.RoleAdmin), role.OrganizationID(uuid.Nil)).OnlyID(ctx)
		if err != nil {
			return fmt.Errorf("projects: load the ADMIN role: %w", err)
		}
		// Why a system context: the creator holds no role in the new
		// organization yet (permissions are loaded per request), so the
		// membership and ADMIN grant that bootstrap it cannot pass
		// member:create and role:create; the organization itself was
		// created as the viewer.
		sys := viewer.NewSystemContext(ctx, "bootstrap organization admin")
		err = tx.OrganizationMember.Create().SetOrganizationID(org.ID).SetUserID(me).
			SetStatus(organizationmember.StatusActive).SetJoinedAt(s.now()).Exec(sys)
		if err != nil {
			return fmt.Errorf("projects: add creator: %w", err)
		}
		return tx.UserRole.Create().SetOrganizationID(org.ID).SetUserID(me).SetRoleID(admin).
			SetGrantedBy(me).Exec(sys)
	})
	return org, err
}

// ListOrganizations pages through the viewer's organizations.
func (s *Service) ListOrganizations(ctx context.Context, p pagination.Params) (pagination.Page[*ent.Organization], error) {
	return pagination.List(ctx, s.client.Organization.Query(), p, func(o *ent.Organization) uuid.UUID { return o.ID })
}

// Organization returns an organization of the viewer (404 otherwise).
func (s *Service) Organization(ctx context.Context, id uuid.UUID) (*ent.Organization, error) {
	o, err := s.client.Organization.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, errOrgNotFound
	}
	return o, err
}

// UpdateOrganization changes the fields in set. Organizations carry no
// version yet: concurrent edits are last-write-wins.
func (s *Service) UpdateOrganization(ctx context.Context, id uuid.UUID, in OrganizationInput) (*ent.Organization, error) {
	if err := checkTimeZone(in.TimeZone); err != nil {
		return nil, err
	}
	var org *ent.Organization
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if err := rule.RequireOrganization(ctx, tx.Client(), id); err != nil {
			return err
		}
		var err error
		org, err = tx.Organization.UpdateOneID(id).SetNillableName(in.Name).SetNillableDescription(in.Description).
			SetNillableTimeZone(in.TimeZone).SetNillableAuditRetentionDays(in.AuditRetentionDays).
			SetNillableLlmCaptureRetentionDays(in.LLMCaptureRetentionDays).SetNillableManagerTrackingEnabled(in.ManagerTrackingEnabled).Save(ctx)
		return rule.DeniedIfFiltered(err, "projects")
	})
	return org, err
}

func checkTimeZone(tz *string) error {
	if tz == nil {
		return nil
	}
	if _, err := time.LoadLocation(*tz); err != nil || *tz == "" || *tz == "Local" {
		return problem.Validation("unknown time zone",
			problem.FieldError{Field: "time_zone", Message: "not an IANA time zone name"})
	}
	return nil
}

// AddMember makes the user registered with email an active member of org
// holding the system role roleName. There are no invitations: an email
// without an account is 404.
func (s *Service) AddMember(ctx context.Context, org uuid.UUID, email, roleName string) (identity.OrganizationUser, error) {
	var out identity.OrganizationUser
	if roleName == seed.RoleSuperAdmin {
		return out, problem.Validation("SUPER_ADMIN is the platform flag is_superuser, not an organization role",
			problem.FieldError{Field: "role", Message: "not assignable in an organization"})
	}
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if err := rule.RequireOrganization(ctx, tx.Client(), org); err != nil {
			return err
		}
		// Why a system context: a user is invisible to the viewer until they
		// share an organization; only the account's id and profile are used,
		// and every write below runs as the viewer.
		sys := viewer.NewSystemContext(ctx, "find user to add by email")
		u, err := tx.User.Query().Where(user.Email(strings.ToLower(strings.TrimSpace(email)))).Only(sys)
		if ent.IsNotFound(err) {
			return problem.NotFound("no account is registered with this email; the user has to sign up first")
		}
		if err != nil {
			return fmt.Errorf("projects: find user: %w", err)
		}
		if err := s.addMember(ctx, tx, org, u.ID, roleName); err != nil {
			return err
		}
		out = identity.OrganizationUser{User: u, MembershipStatus: organizationmember.StatusActive, Roles: []string{roleName}}
		return nil
	})
	return out, err
}

func (s *Service) addMember(ctx context.Context, tx *ent.Tx, org, userID uuid.UUID, roleName string) error {
	member, err := tx.OrganizationMember.Query().
		Where(organizationmember.OrganizationID(org), organizationmember.UserID(userID)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("projects: check membership: %w", err)
	}
	if member {
		return problem.Conflict("the user is already a member of the organization")
	}
	r, err := tx.Role.Query().Where(role.Name(roleName), role.OrganizationID(uuid.Nil)).OnlyID(ctx)
	if err != nil {
		return fmt.Errorf("projects: load role %s: %w", roleName, err)
	}
	err = tx.OrganizationMember.Create().SetOrganizationID(org).SetUserID(userID).
		SetStatus(organizationmember.StatusActive).SetJoinedAt(s.now()).Exec(ctx)
	if err != nil {
		return err
	}
	return tx.UserRole.Create().SetOrganizationID(org).SetUserID(userID).SetRoleID(r).
		SetGrantedBy(viewer.FromContext(ctx).UserID).Exec(ctx)
}

// RemoveMember ends a membership (soft delete), removes the member's role
// grants in org, their project and channel memberships, and makes their
// open streams re-authorize. The last ADMIN stays.
func (s *Service) RemoveMember(ctx context.Context, org, userID uuid.UUID) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		// Locked: concurrent removals of the last two ADMINs must not both pass.
		if err := lockedOrg(ctx, tx, org); err != nil {
			return err
		}
		m, err := tx.OrganizationMember.Query().
			Where(organizationmember.OrganizationID(org), organizationmember.UserID(userID)).Only(ctx)
		if ent.IsNotFound(err) {
			return problem.NotFound("the user is not a member of the organization")
		}
		if err != nil {
			return err
		}
		if err := identity.CheckRank(ctx, tx.Client(), userID, org); err != nil {
			return err
		}
		if err := tx.OrganizationMember.DeleteOneID(m.ID).Exec(ctx); err != nil {
			return rule.DeniedIfFiltered(err, "projects")
		}
		if err := dropGrants(ctx, tx, org, userID); err != nil {
			return err
		}
		// Why a system context: leaving the organization ends the project
		// memberships in it; the removal itself passed member:delete above.
		sys := viewer.NewSystemContext(ctx, "remove member from projects")
		mine := projectmember.And(projectmember.OrganizationID(org), projectmember.UserID(userID))
		memberships, err := tx.ProjectMember.Query().Where(mine).All(sys)
		if err != nil {
			return fmt.Errorf("projects: list the member's projects: %w", err)
		}
		if _, err = tx.ProjectMember.Delete().Where(mine).Exec(sys); err != nil {
			return err
		}
		projects := make([]uuid.UUID, len(memberships))
		for i, m := range memberships {
			projects[i] = m.ProjectID
		}
		return s.chat.LeaveOrganization(ctx, tx, org, userID, projects)
	})
}

// dropGrants removes every role grant of user in org, refusing when the
// viewer may not remove them all (role:delete) or when none of the
// remaining members would be an ADMIN: nobody could administer org then.
func dropGrants(ctx context.Context, tx *ent.Tx, org, userID uuid.UUID) error {
	isAdmin := userrole.HasRoleWith(role.Name(seed.RoleAdmin), role.OrganizationID(uuid.Nil))
	// Why a system context: the counts must include every grant and every
	// ADMIN, whatever the viewer may read of them; the deletion runs as the
	// viewer.
	sys := viewer.NewSystemContext(ctx, "count role grants")
	grants := tx.UserRole.Query().Where(userrole.OrganizationID(org), userrole.UserID(userID))
	held, err := grants.Clone().Count(sys)
	if err != nil {
		return fmt.Errorf("projects: count grants: %w", err)
	}
	wasAdmin, err := grants.Clone().Where(isAdmin).Exist(sys)
	if err != nil {
		return fmt.Errorf("projects: check admin: %w", err)
	}
	n, err := tx.UserRole.Delete().Where(userrole.OrganizationID(org), userrole.UserID(userID)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("projects: remove role grants: %w", err)
	}
	if n != held {
		return privacy.Denyf("projects: role:delete needed to remove the member's roles")
	}
	if !wasAdmin {
		return nil
	}
	admins, err := tx.UserRole.Query().Where(userrole.OrganizationID(org), isAdmin).Count(sys)
	if err != nil {
		return fmt.Errorf("projects: count admins: %w", err)
	}
	if admins == 0 {
		return problem.Conflict("the last ADMIN cannot be removed; make another member ADMIN first")
	}
	return nil
}
