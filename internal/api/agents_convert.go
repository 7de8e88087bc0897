package api

import (
	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/oas"
)

func optVal[T any, O any](v *T, mk func(T) O) O {
	if v == nil {
		var zero O
		return zero
	}
	return mk(*v)
}

func toAPIAgent(a *ent.Agent) *oas.AgentInfo {
	out := &oas.AgentInfo{
		ID: a.ID, OrganizationID: a.OrganizationID, Name: a.Name, Provider: oas.AgentProvider(a.Provider),
		Model: a.Model, Goals: a.Goals, Status: oas.AgentStatus(a.Status),
		MonthlyBudgetMicros: optVal(a.MonthlyBudgetMicros, oas.NewOptInt64),
		DailyBudgetMicros:   optVal(a.DailyBudgetMicros, oas.NewOptInt64),
		BudgetWarnPercent:   a.BudgetWarnPercent,
		MaxContextTokens:    optVal(a.MaxContextTokens, oas.NewOptInt),
		MaxContextBytes:     optVal(a.MaxContextBytes, oas.NewOptInt),
		InjectionPolicy:     oas.AgentInjectionPolicy(a.InjectionPolicy), CapturePolicy: oas.AgentCapturePolicy(a.CapturePolicy),
		RequiresApproval: a.RequiresApproval, ConfigVersion: a.ConfigVersion, CreatedBy: optVal(a.CreatedBy, oas.NewOptUUID),
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, ToolIds: []uuidT{},
	}
	if a.Description != "" {
		out.Description = oas.NewOptString(a.Description)
	}
	if a.SystemPrompt != "" {
		out.SystemPrompt = oas.NewOptString(a.SystemPrompt)
	}
	if a.Parameters != nil {
		out.Parameters = oas.NewOptJSONObject(rawValues(a.Parameters))
	}
	for _, t := range a.Edges.Tools {
		out.ToolIds = append(out.ToolIds, t.ID)
	}
	return out
}

func toAPIAgentVersion(v *ent.AgentConfigVersion) *oas.AgentVersionInfo {
	changed := v.ChangedFields
	if changed == nil {
		changed = []string{}
	}
	return &oas.AgentVersionInfo{ID: v.ID, AgentID: v.AgentID, Version: v.Version, Snapshot: rawValues(v.Snapshot),
		ChangedFields: changed, AuthorID: optVal(v.AuthorID, oas.NewOptUUID), CreatedAt: v.CreatedAt}
}

func toAPIAgentPermission(g *ent.AgentUserPermission) *oas.AgentPermissionInfo {
	return &oas.AgentPermissionInfo{ID: g.ID, AgentID: g.AgentID, UserID: g.UserID,
		Permission: oas.AgentRight(g.Permission), CreatedAt: g.CreatedAt}
}

func toAPIAgentTool(t *ent.AgentTool) *oas.AgentToolInfo {
	out := &oas.AgentToolInfo{ID: t.ID, OrganizationID: t.OrganizationID, Name: t.Name,
		RiskLevel: oas.AgentRiskLevel(t.RiskLevel), RequiresApproval: t.RequiresApproval, FourEyes: t.FourEyes,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if t.Description != "" {
		out.Description = oas.NewOptString(t.Description)
	}
	if t.InputSchema != nil {
		out.InputSchema = oas.NewOptJSONObject(rawValues(t.InputSchema))
	}
	return out
}

// toAPIAgentKey never carries the secret or its hash.
func toAPIAgentKey(k *ent.AgentKey) *oas.AgentKeyInfo {
	out := &oas.AgentKeyInfo{ID: k.ID, AgentID: k.AgentID, Name: k.Name, Prefix: k.Prefix,
		CreatedBy: optVal(k.CreatedBy, oas.NewOptUUID), CreatedAt: k.CreatedAt,
		ExpiresAt: optVal(k.ExpiresAt, oas.NewOptDateTime), RevokedAt: optVal(k.RevokedAt, oas.NewOptDateTime),
		LastUsedAt: optVal(k.LastUsedAt, oas.NewOptDateTime)}
	if k.LastUsedIP != "" {
		out.LastUsedIP = oas.NewOptString(k.LastUsedIP)
	}
	return out
}
