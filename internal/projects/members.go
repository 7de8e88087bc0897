package projects

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/projectmember"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
)

func memberID(m *ent.ProjectMember) uuid.UUID { return m.ID }

// ListProjectMembers pages through a project's members with their users.
func (s *Service) ListProjectMembers(ctx context.Context, projectID uuid.UUID, p pagination.Params) (pagination.Page[*ent.ProjectMember], error) {
	if _, err := s.client.Project.Get(ctx, projectID); err != nil {
		return pagination.Page[*ent.ProjectMember]{}, err
	}
	q := s.client.ProjectMember.Query().Where(projectmember.ProjectID(projectID)).WithUser()
	return pagination.List(ctx, q, p, memberID)
}

// AddProjectMember adds a member of the project's organization to the project.
func (s *Service) AddProjectMember(ctx context.Context, projectID, userID uuid.UUID, r projectmember.Role) (*ent.ProjectMember, error) {
	var out *ent.ProjectMember
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		p, err := tx.Project.Get(ctx, projectID)
		if err != nil {
			return err
		}
		inOrg, err := tx.OrganizationMember.Query().
			Where(organizationmember.OrganizationID(p.OrganizationID), organizationmember.UserID(userID)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("projects: check organization membership: %w", err)
		}
		if !inOrg {
			return problem.NotFound("the user is not a member of the project's organization")
		}
		if _, err := projectMember(ctx, tx, projectID, userID); err == nil {
			return problem.Conflict("the user is already a member of the project")
		}
		m, err := tx.ProjectMember.Create().SetOrganizationID(p.OrganizationID).SetProjectID(projectID).
			SetUserID(userID).SetRole(r).Save(ctx)
		if err != nil {
			return err
		}
		if err := s.chat.SyncProjectMember(ctx, tx, projectID, userID, &r); err != nil {
			return err
		}
		out, err = tx.ProjectMember.Query().Where(projectmember.ID(m.ID)).WithUser().Only(ctx)
		return err
	})
	return out, err
}

// UpdateProjectMember changes a member's project role (nil keeps it); the last owner
// stays an owner.
func (s *Service) UpdateProjectMember(ctx context.Context, projectID, userID uuid.UUID, role *projectmember.Role) (*ent.ProjectMember, error) {
	var out *ent.ProjectMember
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		m, err := projectMember(ctx, tx, projectID, userID)
		if err != nil {
			return err
		}
		r := m.Role
		if role != nil {
			r = *role
		}
		if r != projectmember.RoleOwner {
			if err := keepAnOwner(ctx, tx, m); err != nil {
				return err
			}
		}
		if m.Role != r {
			if err := tx.ProjectMember.UpdateOneID(m.ID).SetRole(r).Exec(ctx); err != nil {
				return rule.DeniedIfFiltered(err, "projects")
			}
			if err := s.chat.SyncProjectMember(ctx, tx, projectID, userID, &r); err != nil {
				return err
			}
		}
		out, err = tx.ProjectMember.Query().Where(projectmember.ID(m.ID)).WithUser().Only(ctx)
		return err
	})
	return out, err
}

// RemoveProjectMember ends a project membership; the last owner stays.
func (s *Service) RemoveProjectMember(ctx context.Context, projectID, userID uuid.UUID) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		m, err := projectMember(ctx, tx, projectID, userID)
		if err != nil {
			return err
		}
		if err := keepAnOwner(ctx, tx, m); err != nil {
			return err
		}
		if err := tx.ProjectMember.DeleteOneID(m.ID).Exec(ctx); err != nil {
			return rule.DeniedIfFiltered(err, "projects")
		}
		return s.chat.SyncProjectMember(ctx, tx, projectID, userID, nil)
	})
}

// projectMember returns the membership of user in project, locking the
// project so concurrent changes cannot both take away its last owner.
func projectMember(ctx context.Context, tx *ent.Tx, projectID, userID uuid.UUID) (*ent.ProjectMember, error) {
	if _, err := lockedProject(ctx, tx, projectID); err != nil {
		return nil, err
	}
	m, err := tx.ProjectMember.Query().
		Where(projectmember.ProjectID(projectID), projectmember.UserID(userID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, problem.NotFound("the user is not a member of the project")
	}
	return m, err
}

// keepAnOwner refuses to take the owner role from the last owner.
func keepAnOwner(ctx context.Context, tx *ent.Tx, m *ent.ProjectMember) error {
	if m.Role != projectmember.RoleOwner {
		return nil
	}
	others, err := tx.ProjectMember.Query().Where(projectmember.ProjectID(m.ProjectID),
		projectmember.RoleEQ(projectmember.RoleOwner), projectmember.IDNEQ(m.ID)).Count(ctx)
	if err != nil {
		return fmt.Errorf("projects: count owners: %w", err)
	}
	if others == 0 {
		return problem.Conflict("the project's last owner cannot be removed or demoted; make another member owner first")
	}
	return nil
}

// Activity pages through the audit rows of the project itself, newest
// first. The audit policy applies: without activity_log:read the viewer
// sees their own actions only.
func (s *Service) Activity(ctx context.Context, projectID uuid.UUID, p pagination.Params) (pagination.Page[*ent.ActivityLog], error) {
	if _, err := s.client.Project.Get(ctx, projectID); err != nil {
		return pagination.Page[*ent.ActivityLog]{}, err
	}
	return audit.ResourceFeed(ctx, s.client, "Project", projectID, p)
}
