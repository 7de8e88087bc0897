// Package agents governs the AI agents of an organization: their
// configuration and its version history, the users' rights on them, the
// tool registry and the agents' own API keys. Authorization is in the ent
// privacy rules (internal/rule/agents.go); this package adds the
// transactions, the versioning and the checks that need a clear answer
// (403/409) rather than "not found".
package agents

import (
	"context"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agentuserpermission"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Service runs the agent operations.
type Service struct {
	client *ent.Client
}

// New returns the service.
func New(client *ent.Client) *Service { return &Service{client: client} }

// Problem slugs of this package.
const (
	// SlugAgentInactive: the agent is paused or archived and makes no call.
	SlugAgentInactive = "agent-inactive"
)

// Create creates an agent in org: apply sets the fields the request names.
// The creator gets the admin right, and version 1 is written, in the same
// transaction.
func (s *Service) Create(ctx context.Context, org uuid.UUID, apply func(*ent.AgentCreate)) (*ent.Agent, error) {
	v := viewer.FromContext(ctx)
	var out *ent.Agent
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		c := tx.Agent.Create().SetOrganizationID(org)
		if v.UserID != uuid.Nil {
			c.SetCreatedBy(v.UserID)
		}
		apply(c)
		a, err := c.Save(ctx)
		if err != nil {
			return err
		}
		if v.UserID != uuid.Nil {
			// System context: the creator holds no right on an agent that did
			// not exist a moment ago, and agent:create was just checked by
			// the Agent policy; granting admin is what makes it theirs.
			sys := viewer.NewSystemContext(ctx, "grant the creator admin on a new agent")
			if err := tx.AgentUserPermission.Create().SetOrganizationID(org).SetAgentID(a.ID).
				SetUserID(v.UserID).SetPermission(agentuserpermission.PermissionAdmin).Exec(sys); err != nil {
				return err
			}
		}
		out, err = commitVersion(ctx, tx, a.ID)
		return err
	})
	return out, err
}

// Get returns a visible agent with its tools (404 otherwise).
func (s *Service) Get(ctx context.Context, id uuid.UUID) (*ent.Agent, error) {
	return s.client.Agent.Query().Where(agent.ID(id)).WithTools().Only(ctx)
}

// List pages the visible agents of org, newest first.
func (s *Service) List(ctx context.Context, org uuid.UUID, status *agent.Status, p pagination.Params) (pagination.Page[*ent.Agent], error) {
	if err := rule.RequireOrganization(ctx, s.client, org); err != nil {
		return pagination.Page[*ent.Agent]{}, err
	}
	q := s.client.Agent.Query().Where(agent.OrganizationID(org)).WithTools()
	if status != nil {
		q.Where(agent.StatusEQ(*status))
	}
	return pagination.List(ctx, q, p, func(a *ent.Agent) uuid.UUID { return a.ID })
}

// Update changes the fields apply sets (needs configure). A change of the
// versioned configuration writes a version in the same transaction.
func (s *Service) Update(ctx context.Context, id uuid.UUID, apply func(*ent.AgentUpdateOne)) (*ent.Agent, error) {
	var out *ent.Agent
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		u, err := configurable(ctx, tx, id)
		if err != nil {
			return err
		}
		apply(u)
		if err := u.Exec(ctx); err != nil {
			return err
		}
		out, err = commitVersion(ctx, tx, id)
		return err
	})
	return out, err
}

// configurable returns an update of agent id after checking it is visible
// (404) and that the viewer may configure it (403): the privacy filter
// alone would make a forbidden update look like a missing agent.
func configurable(ctx context.Context, tx *ent.Tx, id uuid.UUID) (*ent.AgentUpdateOne, error) {
	if _, err := tx.Agent.Get(ctx, id); err != nil {
		return nil, err
	}
	if err := require(ctx, tx.Client(), id, rule.AgentConfigure); err != nil {
		return nil, err
	}
	return tx.Agent.UpdateOneID(id), nil
}

// require answers 403 unless the viewer holds one of rights on the agent
// (admin and agent:manage always do).
func require(ctx context.Context, c *ent.Client, id uuid.UUID, rights ...string) error {
	ok, err := holds(ctx, c, id, rights...)
	if err != nil {
		return err
	}
	if !ok {
		return problem.Forbidden("this needs the " + rights[0] + " right on the agent")
	}
	return nil
}

// holds reports whether the viewer holds one of rights on agent id.
func holds(ctx context.Context, c *ent.Client, id uuid.UUID, rights ...string) (bool, error) {
	v := viewer.FromContext(ctx)
	a, err := c.Agent.Get(ctx, id)
	if err != nil {
		return false, err
	}
	if v.IsSystem() || v.Superuser || v.Can(a.OrganizationID, "agent", viewer.ActionManage) {
		return true, nil
	}
	if v.UserID == uuid.Nil {
		return false, nil
	}
	perms := []agentuserpermission.Permission{agentuserpermission.PermissionAdmin}
	for _, r := range rights {
		perms = append(perms, agentuserpermission.Permission(r))
	}
	return c.AgentUserPermission.Query().Where(agentuserpermission.AgentID(id),
		agentuserpermission.UserID(v.UserID), agentuserpermission.PermissionIn(perms...)).Exist(ctx)
}

// Delete soft-deletes an agent (admin right or agent:manage).
func (s *Service) Delete(ctx context.Context, id uuid.UUID) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if _, err := tx.Agent.Get(ctx, id); err != nil {
			return err
		}
		if err := require(ctx, tx.Client(), id, rule.AgentAdmin); err != nil {
			return err
		}
		return tx.Agent.DeleteOneID(id).Exec(ctx)
	})
}

// Authorize is Authorize with the service's client.
func (s *Service) Authorize(ctx context.Context, agentID uuid.UUID, use Use) (*ent.Agent, error) {
	return Authorize(ctx, s.client, agentID, use)
}
