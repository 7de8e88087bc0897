package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// AgentTool is a function an agent may ask to run (OpenAI "tools" /
// Anthropic "tool use"). It is declared once per organization and attached
// to agents; its risk level and approval flags decide whether an
// AgentAction runs at once or waits for a human.
type AgentTool struct{ ent.Schema }

// Mixin of the AgentTool.
func (AgentTool) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the AgentTool.
func (AgentTool) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").MaxLen(64).Match(toolNameRE).Annotations(oasfield.Pattern(toolNamePattern), oasfield.CreateOnly()).
			Comment("Function name sent to the model (provider rules: letters, digits, _ and -)"),
		field.Text("description").MaxLen(10000).Optional().Annotations(oasfield.Writable()).
			Comment("Tells the model when and how to use the tool"),
		field.JSON("input_schema", map[string]any{}).Optional().Annotations(jsonObject(), oasfield.Writable()).
			Comment("JSON Schema (type object) of the arguments; empty = no arguments"),
		field.Enum("risk_level").Values("low", "medium", "high", "critical").
			Annotations(oasfield.Writable(), oasfield.EnumName("AgentRiskLevel")),
		field.Bool("requires_approval").Default(false).Annotations(oasfield.Writable()).
			Comment("Each action waits for a user with approve permission on the agent"),
		field.Bool("four_eyes").Default(false).Annotations(oasfield.Writable()).
			Comment("Implies approval; the approver must be a different user than the requester"),
	}
}

// Annotations of the AgentTool: its API shapes (see oasfield.Resource).
func (AgentTool) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "AgentToolInfo", Create: "AgentToolCreateRequest", Update: "AgentToolUpdateRequest",
		Description: "A tool (function) agents of the organization may be given.",
	}}
}

// Edges of the AgentTool.
func (AgentTool) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("agents", Agent.Type).Ref("tools").Through("bindings", AgentToolBinding.Type),
	}
}

// Indexes of the AgentTool.
func (AgentTool) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "name").Unique().Annotations(entsql.IndexWhere("deleted_at IS NULL")),
	}
}

// Hooks of the AgentTool: the link rows of the agents it is attached to carry the organization.
func (AgentTool) Hooks() []ent.Hook { return []ent.Hook{agentToolLinks.inverse("agents")} }

// Policy of the AgentTool.
func (AgentTool) Policy() ent.Policy { return rule.TenantPolicy("agent_tool") }
