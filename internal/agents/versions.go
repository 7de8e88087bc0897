package agents

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"sort"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agentconfigversion"
	"github.com/worksynapse/worksynapse/ent/agenttool"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// ConfigFields are the versioned configuration of an agent: what decides
// how it calls models, what it may spend and do. Name, description and
// status are not configuration (renaming or pausing writes no version).
var ConfigFields = []string{
	agent.FieldProvider, agent.FieldModel, agent.FieldSystemPrompt, agent.FieldGoals, agent.FieldParameters,
	agent.FieldMonthlyBudgetMicros, agent.FieldDailyBudgetMicros, agent.FieldBudgetWarnPercent,
	agent.FieldMaxContextTokens, agent.FieldMaxContextBytes,
	agent.FieldInjectionPolicy, agent.FieldCapturePolicy, agent.FieldRequiresApproval, fieldToolIDs,
}

// fieldToolIDs is the snapshot key of the attached tools.
const fieldToolIDs = "tool_ids"

// snapshot is the agent's configuration as JSON values (what the version
// row stores and reads back), so a fresh snapshot compares equal to a
// stored one.
func snapshot(a *ent.Agent) (map[string]any, error) {
	tools := make([]string, 0, len(a.Edges.Tools))
	for _, t := range a.Edges.Tools {
		tools = append(tools, t.ID.String())
	}
	sort.Strings(tools)
	raw := map[string]any{
		agent.FieldProvider: a.Provider, agent.FieldModel: a.Model, agent.FieldSystemPrompt: a.SystemPrompt,
		agent.FieldGoals: a.Goals, agent.FieldParameters: a.Parameters,
		agent.FieldMonthlyBudgetMicros: a.MonthlyBudgetMicros, agent.FieldDailyBudgetMicros: a.DailyBudgetMicros,
		agent.FieldBudgetWarnPercent: a.BudgetWarnPercent, agent.FieldMaxContextTokens: a.MaxContextTokens,
		agent.FieldMaxContextBytes: a.MaxContextBytes, agent.FieldInjectionPolicy: a.InjectionPolicy,
		agent.FieldCapturePolicy: a.CapturePolicy, agent.FieldRequiresApproval: a.RequiresApproval,
		fieldToolIDs: tools,
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	return out, json.Unmarshal(b, &out)
}

// changedFields lists the configuration fields that differ, in
// ConfigFields order. An empty value and an absent one are the same.
func changedFields(old, cur map[string]any) []string {
	var out []string
	for _, f := range ConfigFields {
		if !reflect.DeepEqual(normal(old[f]), normal(cur[f])) {
			out = append(out, f)
		}
	}
	return out
}

// normal folds the empty forms of a JSON value (null, "", [], {}) into nil.
func normal(v any) any {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil
		}
	case []any:
		if len(x) == 0 {
			return nil
		}
	case map[string]any:
		if len(x) == 0 {
			return nil
		}
	}
	return v
}

// commitVersion is the one place versions are written: every operation
// that may change an agent's configuration calls it in its transaction
// after the change. It compares the configuration with the latest version
// and, when fields differ (or there is no version yet), writes the next
// version with the author and the changed fields and moves
// Agent.config_version to it. It returns the agent with its tools.
func commitVersion(ctx context.Context, tx *ent.Tx, id uuid.UUID) (*ent.Agent, error) {
	a, err := tx.Agent.Query().Where(agent.ID(id)).WithTools().Only(ctx)
	if err != nil {
		return nil, err
	}
	cur, err := snapshot(a)
	if err != nil {
		return nil, err
	}
	last, err := tx.AgentConfigVersion.Query().Where(agentconfigversion.AgentID(id)).
		Order(ent.Desc(agentconfigversion.FieldVersion)).First(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	next, changed := 1, ConfigFields
	if last != nil {
		next, changed = last.Version+1, changedFields(last.Snapshot, cur)
		if len(changed) == 0 {
			return a, nil
		}
	}
	c := tx.AgentConfigVersion.Create().SetOrganizationID(a.OrganizationID).SetAgentID(id).
		SetVersion(next).SetSnapshot(cur).SetChangedFields(changed)
	if v := viewer.FromContext(ctx); v.UserID != uuid.Nil {
		c.SetAuthorID(v.UserID)
	}
	if err := c.Exec(ctx); err != nil {
		return nil, err
	}
	if a.ConfigVersion != next {
		if err := tx.Agent.UpdateOneID(id).SetConfigVersion(next).Exec(ctx); err != nil {
			return nil, err
		}
		a.ConfigVersion = next
	}
	return a, nil
}

// Versions pages an agent's versions, newest first (ids are time-ordered).
func (s *Service) Versions(ctx context.Context, id uuid.UUID, p pagination.Params) (pagination.Page[*ent.AgentConfigVersion], error) {
	if _, err := s.client.Agent.Get(ctx, id); err != nil {
		return pagination.Page[*ent.AgentConfigVersion]{}, err
	}
	return pagination.List(ctx, s.client.AgentConfigVersion.Query().Where(agentconfigversion.AgentID(id)), p,
		func(v *ent.AgentConfigVersion) uuid.UUID { return v.ID })
}

// Version returns one version of a visible agent.
func (s *Service) Version(ctx context.Context, id uuid.UUID, version int) (*ent.AgentConfigVersion, error) {
	return version1(ctx, s.client, id, version)
}

func version1(ctx context.Context, c *ent.Client, id uuid.UUID, version int) (*ent.AgentConfigVersion, error) {
	v, err := c.AgentConfigVersion.Query().
		Where(agentconfigversion.AgentID(id), agentconfigversion.Version(version)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, problem.NotFound("no such version of the agent")
	}
	return v, err
}

// Change is one field that differs between two versions.
type Change struct {
	Field    string
	Old, New any
}

// Diff lists the configuration fields that differ from version from to
// version to, with both values.
func (s *Service) Diff(ctx context.Context, id uuid.UUID, from, to int) ([]Change, error) {
	a, err := version1(ctx, s.client, id, from)
	if err != nil {
		return nil, err
	}
	b, err := version1(ctx, s.client, id, to)
	if err != nil {
		return nil, err
	}
	out := []Change{}
	for _, f := range changedFields(a.Snapshot, b.Snapshot) {
		out = append(out, Change{Field: f, Old: a.Snapshot[f], New: b.Snapshot[f]})
	}
	return out, nil
}

// Restore sets the configuration back to a version's snapshot, which
// writes a new version (409 when nothing would change).
func (s *Service) Restore(ctx context.Context, id uuid.UUID, version int) (*ent.Agent, error) {
	var out *ent.Agent
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		old, err := version1(ctx, tx.Client(), id, version)
		if err != nil {
			return err
		}
		u, err := configurable(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := applySnapshot(ctx, tx, u, old.Snapshot); err != nil {
			return err
		}
		if err := u.Exec(ctx); err != nil {
			return err
		}
		before := 0
		if a, err := tx.Agent.Get(ctx, id); err == nil {
			before = a.ConfigVersion
		}
		out, err = commitVersion(ctx, tx, id)
		if err == nil && out.ConfigVersion == before {
			return problem.Conflict("the agent already has this configuration")
		}
		return err
	})
	return out, err
}

// applySnapshot sets every configuration field from a snapshot. Tools
// deleted since are left out: a restore cannot bring back a tool.
func applySnapshot(ctx context.Context, tx *ent.Tx, u *ent.AgentUpdateOne, snap map[string]any) error {
	var c struct {
		Provider            agent.Provider        `json:"provider"`
		Model               string                `json:"model"`
		SystemPrompt        string                `json:"system_prompt"`
		Goals               []string              `json:"goals"`
		Parameters          map[string]any        `json:"parameters"`
		MonthlyBudgetMicros *int64                `json:"monthly_budget_micros"`
		DailyBudgetMicros   *int64                `json:"daily_budget_micros"`
		BudgetWarnPercent   int                   `json:"budget_warn_percent"`
		MaxContextTokens    *int                  `json:"max_context_tokens"`
		MaxContextBytes     *int                  `json:"max_context_bytes"`
		InjectionPolicy     agent.InjectionPolicy `json:"injection_policy"`
		CapturePolicy       agent.CapturePolicy   `json:"capture_policy"`
		RequiresApproval    bool                  `json:"requires_approval"`
		ToolIDs             []uuid.UUID           `json:"tool_ids"`
	}
	b, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	u.SetProvider(c.Provider).SetModel(c.Model).SetSystemPrompt(c.SystemPrompt).SetGoals(c.Goals).
		SetParameters(c.Parameters).SetBudgetWarnPercent(c.BudgetWarnPercent).
		SetInjectionPolicy(c.InjectionPolicy).SetCapturePolicy(c.CapturePolicy).SetRequiresApproval(c.RequiresApproval)
	setOrClear(c.MonthlyBudgetMicros, u.SetMonthlyBudgetMicros, u.ClearMonthlyBudgetMicros)
	setOrClear(c.DailyBudgetMicros, u.SetDailyBudgetMicros, u.ClearDailyBudgetMicros)
	setOrClear(c.MaxContextTokens, u.SetMaxContextTokens, u.ClearMaxContextTokens)
	setOrClear(c.MaxContextBytes, u.SetMaxContextBytes, u.ClearMaxContextBytes)
	live, err := tx.AgentTool.Query().Where(agenttool.IDIn(c.ToolIDs...)).IDs(ctx)
	if err != nil {
		return err
	}
	slices.SortFunc(live, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	u.ClearTools().AddToolIDs(live...)
	return nil
}

// setOrClear sets an optional field to *v, or clears it when v is nil.
func setOrClear[T any, U any](v *T, set func(T) U, clear func() U) {
	if v == nil {
		clear()
		return
	}
	set(*v)
}
