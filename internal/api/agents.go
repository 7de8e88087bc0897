package api

import (
	"context"
	"encoding/json"
	"time"

	"github.com/go-faster/jx"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agenttool"
	"github.com/worksynapse/worksynapse/ent/agentuserpermission"
	"github.com/worksynapse/worksynapse/internal/agents"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/oas"
)

// The agent operations map exactly the fields each request schema names
// onto the agents service (which versions configuration changes in one
// place); authorization is in the privacy rules and the service.

// CreateAgent implements POST /organizations/{org_id}/agents.
func (h *Handler) CreateAgent(ctx context.Context, req *oas.AgentCreateRequest, params oas.CreateAgentParams) (oas.CreateAgentRes, error) {
	a, err := h.agents.Create(ctx, params.OrgID, func(c *ent.AgentCreate) {
		c.SetName(req.Name).SetNillableDescription(optPtr[string](req.Description)).
			SetProvider(agent.Provider(req.Provider)).SetModel(req.Model).
			SetNillableSystemPrompt(optPtr[string](req.SystemPrompt)).SetGoals(req.Goals).
			SetNillableStatus(optEnum[agent.Status](req.Status)).
			SetNillableMonthlyBudgetMicros(optPtr[int64](req.MonthlyBudgetMicros)).
			SetNillableDailyBudgetMicros(optPtr[int64](req.DailyBudgetMicros)).
			SetNillableBudgetWarnPercent(optPtr[int](req.BudgetWarnPercent)).
			SetNillableMaxContextTokens(optPtr[int](req.MaxContextTokens)).
			SetNillableMaxContextBytes(optPtr[int](req.MaxContextBytes)).
			SetNillableInjectionPolicy(optEnum[agent.InjectionPolicy](req.InjectionPolicy)).
			SetNillableCapturePolicy(optEnum[agent.CapturePolicy](req.CapturePolicy)).
			SetNillableRequiresApproval(optPtr[bool](req.RequiresApproval))
		if p, ok := req.Parameters.Get(); ok {
			c.SetParameters(fromRaw(p))
		}
	})
	if err != nil {
		return nil, err
	}
	return toAPIAgent(a), nil
}

// GetAgent implements GET /agents/{agent_id}.
func (h *Handler) GetAgent(ctx context.Context, params oas.GetAgentParams) (oas.GetAgentRes, error) {
	a, err := h.agents.Get(ctx, params.AgentID)
	if err != nil {
		return nil, err
	}
	return toAPIAgent(a), nil
}

// ListAgents implements GET /organizations/{org_id}/agents.
func (h *Handler) ListAgents(ctx context.Context, params oas.ListAgentsParams) (oas.ListAgentsRes, error) {
	page, err := h.agents.List(ctx, params.OrgID, optEnum[agent.Status](params.Status), pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.AgentPage{Items: convertAll(page.Items, deref(toAPIAgent)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// UpdateAgent implements PATCH /agents/{agent_id}.
func (h *Handler) UpdateAgent(ctx context.Context, req *oas.AgentUpdateRequest, params oas.UpdateAgentParams) (oas.UpdateAgentRes, error) {
	a, err := h.agents.Update(ctx, params.AgentID, func(u *ent.AgentUpdateOne) {
		u.SetNillableName(optPtr[string](req.Name)).SetNillableProvider(optEnum[agent.Provider](req.Provider)).
			SetNillableModel(optPtr[string](req.Model)).SetNillableStatus(optEnum[agent.Status](req.Status)).
			SetNillableBudgetWarnPercent(optPtr[int](req.BudgetWarnPercent)).
			SetNillableInjectionPolicy(optEnum[agent.InjectionPolicy](req.InjectionPolicy)).
			SetNillableCapturePolicy(optEnum[agent.CapturePolicy](req.CapturePolicy)).
			SetNillableRequiresApproval(optPtr[bool](req.RequiresApproval))
		patchField(req.Description, u.SetDescription, u.ClearDescription)
		patchField(req.SystemPrompt, u.SetSystemPrompt, u.ClearSystemPrompt)
		patchField(req.MonthlyBudgetMicros, u.SetMonthlyBudgetMicros, u.ClearMonthlyBudgetMicros)
		patchField(req.DailyBudgetMicros, u.SetDailyBudgetMicros, u.ClearDailyBudgetMicros)
		patchField(req.MaxContextTokens, u.SetMaxContextTokens, u.ClearMaxContextTokens)
		patchField(req.MaxContextBytes, u.SetMaxContextBytes, u.ClearMaxContextBytes)
		patchField(req.Goals, u.SetGoals, u.ClearGoals)
		if p, ok := req.Parameters.Get(); ok {
			u.SetParameters(fromRaw(p))
		} else if req.Parameters.IsSet() {
			u.ClearParameters()
		}
	})
	if err != nil {
		return nil, err
	}
	return toAPIAgent(a), nil
}

// patchField applies an OptNil PATCH field: a value sets, null clears,
// absent leaves the field alone.
func patchField[T, U, V any](o nilable[T], set func(T) U, clear func() V) {
	if v, ok := o.Get(); ok {
		set(v)
	} else if o.IsSet() {
		clear()
	}
}

// DeleteAgent implements DELETE /agents/{agent_id}.
func (h *Handler) DeleteAgent(ctx context.Context, params oas.DeleteAgentParams) (oas.DeleteAgentRes, error) {
	return &oas.DeleteAgentNoContent{}, h.agents.Delete(ctx, params.AgentID)
}

// ListAgentVersions implements GET /agents/{agent_id}/versions.
func (h *Handler) ListAgentVersions(ctx context.Context, params oas.ListAgentVersionsParams) (oas.ListAgentVersionsRes, error) {
	page, err := h.agents.Versions(ctx, params.AgentID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.AgentVersionPage{Items: convertAll(page.Items, deref(apiconv.AgentVersionInfo)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// GetAgentVersion implements GET /agents/{agent_id}/versions/{version}.
func (h *Handler) GetAgentVersion(ctx context.Context, params oas.GetAgentVersionParams) (oas.GetAgentVersionRes, error) {
	v, err := h.agents.Version(ctx, params.AgentID, params.Version)
	if err != nil {
		return nil, err
	}
	return apiconv.AgentVersionInfo(v), nil
}

// DiffAgentVersions implements GET /agents/{agent_id}/version-diff.
func (h *Handler) DiffAgentVersions(ctx context.Context, params oas.DiffAgentVersionsParams) (oas.DiffAgentVersionsRes, error) {
	changes, err := h.agents.Diff(ctx, params.AgentID, params.From, params.To)
	if err != nil {
		return nil, err
	}
	out := &oas.AgentVersionDiff{From: params.From, To: params.To, Changes: []oas.AgentVersionDiffChangesItem{}}
	for _, c := range changes {
		out.Changes = append(out.Changes, oas.AgentVersionDiffChangesItem{Field: c.Field, Old: rawJSON(c.Old), New: rawJSON(c.New)})
	}
	return out, nil
}

// RestoreAgentVersion implements POST /agents/{agent_id}/versions/{version}/restore.
func (h *Handler) RestoreAgentVersion(ctx context.Context, params oas.RestoreAgentVersionParams) (oas.RestoreAgentVersionRes, error) {
	a, err := h.agents.Restore(ctx, params.AgentID, params.Version)
	if err != nil {
		return nil, err
	}
	return toAPIAgent(a), nil
}

// AttachAgentTool implements PUT /agents/{agent_id}/tools/{tool_id}.
func (h *Handler) AttachAgentTool(ctx context.Context, params oas.AttachAgentToolParams) (oas.AttachAgentToolRes, error) {
	a, err := h.agents.AttachTool(ctx, params.AgentID, params.ToolID)
	if err != nil {
		return nil, err
	}
	return toAPIAgent(a), nil
}

// DetachAgentTool implements DELETE /agents/{agent_id}/tools/{tool_id}.
func (h *Handler) DetachAgentTool(ctx context.Context, params oas.DetachAgentToolParams) (oas.DetachAgentToolRes, error) {
	a, err := h.agents.DetachTool(ctx, params.AgentID, params.ToolID)
	if err != nil {
		return nil, err
	}
	return toAPIAgent(a), nil
}

// ListAgentPermissions implements GET /agents/{agent_id}/permissions.
func (h *Handler) ListAgentPermissions(ctx context.Context, params oas.ListAgentPermissionsParams) (oas.ListAgentPermissionsRes, error) {
	page, err := h.agents.Permissions(ctx, params.AgentID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.AgentPermissionPage{Items: convertAll(page.Items, deref(apiconv.AgentPermissionInfo)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// GrantAgentPermission implements POST /agents/{agent_id}/permissions.
func (h *Handler) GrantAgentPermission(ctx context.Context, req *oas.AgentPermissionGrant, params oas.GrantAgentPermissionParams) (oas.GrantAgentPermissionRes, error) {
	g, err := h.agents.Grant(ctx, params.AgentID, req.UserID, agentuserpermission.Permission(req.Permission))
	if err != nil {
		return nil, err
	}
	return apiconv.AgentPermissionInfo(g), nil
}

// RevokeAgentPermission implements DELETE /agents/{agent_id}/permissions/{permission_id}.
func (h *Handler) RevokeAgentPermission(ctx context.Context, params oas.RevokeAgentPermissionParams) (oas.RevokeAgentPermissionRes, error) {
	return &oas.RevokeAgentPermissionNoContent{}, h.agents.Revoke(ctx, params.AgentID, params.PermissionID)
}

// CreateAgentTool implements POST /organizations/{org_id}/agent-tools.
func (h *Handler) CreateAgentTool(ctx context.Context, req *oas.AgentToolCreateRequest, params oas.CreateAgentToolParams) (oas.CreateAgentToolRes, error) {
	t, err := h.agents.CreateTool(ctx, params.OrgID, func(c *ent.AgentToolCreate) {
		c.SetName(req.Name).SetNillableDescription(optPtr[string](req.Description)).
			SetRiskLevel(agenttool.RiskLevel(req.RiskLevel)).
			SetNillableRequiresApproval(optPtr[bool](req.RequiresApproval)).SetNillableFourEyes(optPtr[bool](req.FourEyes))
		if s, ok := req.InputSchema.Get(); ok {
			c.SetInputSchema(fromRaw(s))
		}
	})
	if err != nil {
		return nil, err
	}
	return apiconv.AgentToolInfo(t), nil
}

// GetAgentTool implements GET /agent-tools/{tool_id}.
func (h *Handler) GetAgentTool(ctx context.Context, params oas.GetAgentToolParams) (oas.GetAgentToolRes, error) {
	t, err := h.agents.GetTool(ctx, params.ToolID)
	if err != nil {
		return nil, err
	}
	return apiconv.AgentToolInfo(t), nil
}

// ListAgentTools implements GET /organizations/{org_id}/agent-tools.
func (h *Handler) ListAgentTools(ctx context.Context, params oas.ListAgentToolsParams) (oas.ListAgentToolsRes, error) {
	page, err := h.agents.ListTools(ctx, params.OrgID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.AgentToolPage{Items: convertAll(page.Items, deref(apiconv.AgentToolInfo)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// UpdateAgentTool implements PATCH /agent-tools/{tool_id}.
func (h *Handler) UpdateAgentTool(ctx context.Context, req *oas.AgentToolUpdateRequest, params oas.UpdateAgentToolParams) (oas.UpdateAgentToolRes, error) {
	t, err := h.agents.UpdateTool(ctx, params.ToolID, func(u *ent.AgentToolUpdateOne) {
		u.SetNillableRiskLevel(optEnum[agenttool.RiskLevel](req.RiskLevel)).
			SetNillableRequiresApproval(optPtr[bool](req.RequiresApproval)).SetNillableFourEyes(optPtr[bool](req.FourEyes))
		patchField(req.Description, u.SetDescription, u.ClearDescription)
		if s, ok := req.InputSchema.Get(); ok {
			u.SetInputSchema(fromRaw(s))
		} else if req.InputSchema.IsSet() {
			u.ClearInputSchema()
		}
	})
	if err != nil {
		return nil, err
	}
	return apiconv.AgentToolInfo(t), nil
}

// DeleteAgentTool implements DELETE /agent-tools/{tool_id}.
func (h *Handler) DeleteAgentTool(ctx context.Context, params oas.DeleteAgentToolParams) (oas.DeleteAgentToolRes, error) {
	return &oas.DeleteAgentToolNoContent{}, h.agents.DeleteTool(ctx, params.ToolID)
}

// ListAgentKeys implements GET /agents/{agent_id}/keys.
func (h *Handler) ListAgentKeys(ctx context.Context, params oas.ListAgentKeysParams) (oas.ListAgentKeysRes, error) {
	page, err := h.agents.Keys(ctx, params.AgentID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.AgentKeyPage{Items: convertAll(page.Items, deref(apiconv.AgentKeyInfo)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// CreateAgentKey implements POST /agents/{agent_id}/keys.
func (h *Handler) CreateAgentKey(ctx context.Context, req *oas.AgentKeyCreateRequest, params oas.CreateAgentKeyParams) (oas.CreateAgentKeyRes, error) {
	k, secret, err := h.agents.CreateKey(ctx, params.AgentID, req.Name, optPtr[time.Time](req.ExpiresAt))
	if err != nil {
		return nil, err
	}
	return &oas.AgentKeyCreated{Key: *apiconv.AgentKeyInfo(k), Secret: secret}, nil
}

// RotateAgentKey implements POST /agent-keys/{key_id}/rotate.
func (h *Handler) RotateAgentKey(ctx context.Context, req oas.OptAgentKeyRotateRequest, params oas.RotateAgentKeyParams) (oas.RotateAgentKeyRes, error) {
	grace := agents.DefaultRotationGrace
	if r, ok := req.Get(); ok {
		if s, ok := r.GraceSeconds.Get(); ok {
			grace = time.Duration(s) * time.Second
		}
	}
	k, secret, err := h.agents.RotateKey(ctx, params.KeyID, grace)
	if err != nil {
		return nil, err
	}
	return &oas.AgentKeyCreated{Key: *apiconv.AgentKeyInfo(k), Secret: secret}, nil
}

// RevokeAgentKey implements POST /agent-keys/{key_id}/revoke.
func (h *Handler) RevokeAgentKey(ctx context.Context, params oas.RevokeAgentKeyParams) (oas.RevokeAgentKeyRes, error) {
	k, err := h.agents.RevokeKey(ctx, params.KeyID)
	if err != nil {
		return nil, err
	}
	return apiconv.AgentKeyInfo(k), nil
}

// fromRaw decodes a free-form request object; ogen has already checked
// that each value is JSON.
func fromRaw(m map[string]jx.Raw) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		var x any
		_ = json.Unmarshal(v, &x)
		out[k] = x
	}
	return out
}

// rawJSON encodes a JSON-decoded value (nil stays absent).
func rawJSON(v any) jx.Raw {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
