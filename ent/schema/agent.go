package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/ogen-go/ogen"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// Agent is a governed AI assistant of an organization: the model it calls,
// how it is prompted, what it may spend and which tools it may use. Every
// change of its configuration is kept as an AgentConfigVersion so a call
// can always be traced to the exact configuration that made it.
type Agent struct{ ent.Schema }

// Mixin of the Agent.
func (Agent) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the Agent.
func (Agent) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").MaxLen(100).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable()),
		field.Text("description").MaxLen(10000).Optional().Annotations(oasfield.Writable()),
		field.Enum("provider").Values(llmProviders...).Annotations(oasfield.Writable()).
			Comment("Wire protocol the gateway speaks to the model provider"),
		field.String("model").MaxLen(200).Match(modelRE).Annotations(oasfield.Pattern(modelPattern), oasfield.Writable()).
			Comment(`Provider model id, e.g. "gpt-4o-mini"; matched against ModelPrice.model`),
		field.Text("system_prompt").MaxLen(100000).Optional().Annotations(oasfield.Writable()),
		field.Strings("goals").Optional().Annotations(oasfield.Writable(), stringList(maxGoals, maxGoalLen)).
			Comment("What the agent is for, one goal per entry"),
		field.JSON("parameters", map[string]any{}).Optional().Annotations(jsonObject(), oasfield.Writable()).
			Comment("Default request parameters (temperature, max_tokens, top_p ...) in OpenAI naming"),
		field.Enum("status").Values("active", "paused", "archived").Default("active").Annotations(oasfield.Writable()).
			Comment("A paused or archived agent can make no call and its keys answer 401"),
		field.Int64("monthly_budget_micros").Optional().Nillable().NonNegative().Annotations(oasfield.Min(0), oasfield.Writable()).
			Comment("Spend limit per calendar month (organization time zone) in micro-USD; null = unlimited"),
		field.Int64("daily_budget_micros").Optional().Nillable().NonNegative().Annotations(oasfield.Min(0), oasfield.Writable()).
			Comment("Spend limit per calendar day (organization time zone) in micro-USD; null = unlimited"),
		field.Int("budget_warn_percent").Default(80).Range(1, 100).Annotations(oasfield.Range(1, 100), oasfield.Writable()).
			Comment("Share of a budget at which owners are warned"),
		field.Int("max_context_tokens").Optional().Nillable().Positive().Annotations(oasfield.Min(1), oasfield.Writable()).
			Comment("Largest prompt (in tokens) the gateway forwards; null = the model's own limit"),
		field.Int("max_context_bytes").Optional().Nillable().Positive().Annotations(oasfield.Min(1), oasfield.Writable()).
			Comment("Largest prompt (in bytes of message text) the gateway forwards; null = no limit"),
		field.Enum("injection_policy").Values("off", "flag", "block").Default("flag").Annotations(oasfield.Writable()).
			Comment("What the gateway does with suspected prompt injection: ignore, record, or deny the call"),
		field.Enum("capture_policy").Values("full", "redacted", "metadata").Default("redacted").Annotations(oasfield.Writable()).
			Comment("What AgentCall/AgentMessage keep: full text, text with secrets/PII masked, or only counts and costs"),
		field.Bool("requires_approval").Default(false).Annotations(oasfield.Writable()).
			Comment("Every tool action of this agent waits for approval, whatever the tool's own setting"),
		field.Int("config_version").Default(1).Positive().Annotations(oasfield.Min(1)).
			Comment("Version number of the current configuration (AgentConfigVersion.version)"),
		field.UUID("created_by", uuidType).Optional().Nillable().Immutable().
			Comment("The user who created the agent"),
	}
}

// Annotations of the Agent: its API shapes (see oasfield.Resource).
func (Agent) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "AgentInfo", Create: "AgentCreateRequest", Update: "AgentUpdateRequest",
		Description: "A governed AI agent: model, prompt, budgets, limits, policies and attached tools.",
		Computed: []oasfield.Prop{
			{Name: "tool_ids", Type: "array", Items: "uuid", Description: "The tools attached to the agent"},
		},
	}}
}

// maxGoals and maxGoalLen bound an agent's goals (ogen enforces them on
// input; ent has no validator for JSON fields).
const (
	maxGoals   = 50
	maxGoalLen = 1000
)

// stringList is the OpenAPI schema of a bounded list of bounded strings.
func stringList(maxItems, maxLen uint64) entoas.Annotation {
	return entoas.Schema(&ogen.Schema{
		Type: "array", MaxItems: &maxItems,
		Items: &ogen.Items{Item: &ogen.Schema{Type: "string", MaxLength: &maxLen}},
	})
}

// Edges of the Agent.
func (Agent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("creator", User.Type).Field("created_by").Unique().Immutable(),
		edge.To("tools", AgentTool.Type).Through("tool_bindings", AgentToolBinding.Type),
		// Read by the privacy rules: a user sees an agent through a grant.
		edge.From("user_permissions", AgentUserPermission.Type).Ref("agent"),
	}
}

// Indexes of the Agent.
func (Agent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "name").Unique().Annotations(entsql.IndexWhere("deleted_at IS NULL")),
		index.Fields("organization_id", "status", "id"),
	}
}

// Hooks of the Agent: the link rows of its tools carry the organization.
func (Agent) Hooks() []ent.Hook { return []ent.Hook{agentToolLinks.hook("tools")} }

// Policy of the Agent.
func (Agent) Policy() ent.Policy { return rule.AgentPolicy() }

// llmProviders are the wire protocols the gateway speaks; Agent, AgentCall,
// AgentCostLog and ModelPrice share them so a price always matches a call.
var llmProviders = []string{"openai_compatible", "anthropic"}
