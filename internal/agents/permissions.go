package agents

import (
	"context"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentuserpermission"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Grant gives a member of the agent's organization a right on the agent
// (admin right or agent:manage; 409 when already held).
func (s *Service) Grant(ctx context.Context, agentID, userID uuid.UUID, right agentuserpermission.Permission) (*ent.AgentUserPermission, error) {
	var out *ent.AgentUserPermission
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		a, err := tx.Agent.Get(ctx, agentID)
		if err != nil {
			return err
		}
		if err := require(ctx, tx.Client(), agentID, rule.AgentAdmin); err != nil {
			return err
		}
		// System context: membership is a fact about the grantee, which an
		// agent admin may check without member:read.
		member, err := tx.OrganizationMember.Query().Where(organizationmember.OrganizationID(a.OrganizationID),
			organizationmember.UserID(userID)).Exist(viewer.NewSystemContext(ctx, "check a grantee's membership"))
		if err != nil {
			return err
		}
		if !member {
			return problem.Validation("the user is not a member of the agent's organization",
				problem.FieldError{Field: "user_id", Message: "not a member of the organization"})
		}
		out, err = tx.AgentUserPermission.Create().SetOrganizationID(a.OrganizationID).SetAgentID(agentID).
			SetUserID(userID).SetPermission(right).Save(ctx)
		return err
	})
	return out, err
}

// Revoke removes a grant of the agent (admin right or agent:manage).
func (s *Service) Revoke(ctx context.Context, agentID, grantID uuid.UUID) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if _, err := tx.Agent.Get(ctx, agentID); err != nil {
			return err
		}
		if err := require(ctx, tx.Client(), agentID, rule.AgentAdmin); err != nil {
			return err
		}
		n, err := tx.AgentUserPermission.Delete().
			Where(agentuserpermission.ID(grantID), agentuserpermission.AgentID(agentID)).Exec(ctx)
		if err == nil && n == 0 {
			return problem.NotFound("grant not found")
		}
		return err
	})
}

// Permissions pages the grants of a visible agent the viewer may see.
func (s *Service) Permissions(ctx context.Context, agentID uuid.UUID, p pagination.Params) (pagination.Page[*ent.AgentUserPermission], error) {
	if _, err := s.client.Agent.Get(ctx, agentID); err != nil {
		return pagination.Page[*ent.AgentUserPermission]{}, err
	}
	return pagination.List(ctx, s.client.AgentUserPermission.Query().Where(agentuserpermission.AgentID(agentID)), p,
		func(g *ent.AgentUserPermission) uuid.UUID { return g.ID })
}
