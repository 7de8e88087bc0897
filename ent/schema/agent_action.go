package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// AgentAction is one tool invocation an agent asked for: the arguments, the
// approval decision when the tool or agent requires one, and the result.
// Actions are the approval queue and the record of what agents did, so
// they are never deleted.
type AgentAction struct{ ent.Schema }

// Mixin of the AgentAction.
func (AgentAction) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, AuditMixin{}}
}

// Fields of the AgentAction.
func (AgentAction) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("agent_id", uuidType).Immutable(),
		field.UUID("session_id", uuidType).Optional().Nillable().Immutable(),
		field.UUID("call_id", uuidType).Optional().Nillable().Immutable().
			Comment("The model call whose response requested the action"),
		field.UUID("tool_id", uuidType).Immutable(),
		field.String("tool_call_id").MaxLen(128).Optional().Immutable().
			Comment("Provider's id of the tool call, echoed in the tool result message"),
		field.JSON("input", map[string]any{}).Immutable().Annotations(jsonObject()).
			Comment("Arguments, validated against the tool's input_schema"),
		// Hidden: the read shape carries it as a computed property, null
		// until the runtime reports a result.
		field.JSON("output", map[string]any{}).Optional().Annotations(jsonObject(), oasfield.Hidden()),
		field.Enum("status").
			Values("pending_approval", "approved", "rejected", "executed", "failed", "expired").
			Default("pending_approval").
			Comment("executed, failed, rejected and expired are final"),
		field.Time("expires_at").Optional().Nillable().
			Comment("A pending action not decided by then is expired"),
		field.UUID("requested_by", uuidType).Optional().Nillable().Immutable().
			Comment("User whose conversation or instruction led to the action"),
		field.UUID("decided_by", uuidType).Optional().Nillable().
			Comment("The approver; null when approved automatically or expired"),
		field.Time("decided_at").Optional().Nillable(),
		field.String("decision_reason").MaxLen(2000).Optional(),
		field.Time("executed_at").Optional().Nillable(),
		field.String("error_message").MaxLen(2000).Optional().
			Comment("Why execution failed"),
	}
}

// Annotations of the AgentAction: its API shape (see oasfield.Resource).
func (AgentAction) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read:        "AgentActionInfo",
		Description: "A tool action, its decision and its result.",
		Computed: []oasfield.Prop{
			{Name: "output", Type: "object", Nullable: true,
				Description: "The tool's output as reported by the runtime; null before a result"},
		},
	}}
}

// Edges of the AgentAction.
func (AgentAction) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("agent", Agent.Type).Field("agent_id").Unique().Required().Immutable(),
		edge.To("session", AgentSession.Type).Field("session_id").Unique().Immutable(),
		edge.To("call", AgentCall.Type).Field("call_id").Unique().Immutable(),
		edge.To("tool", AgentTool.Type).Field("tool_id").Unique().Required().Immutable(),
		edge.To("requester", User.Type).Field("requested_by").Unique().Immutable(),
		edge.To("decider", User.Type).Field("decided_by").Unique(),
	}
}

// Indexes of the AgentAction: the approval queue (organization or agent,
// by status), a session's actions, and the expiry sweep.
func (AgentAction) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "status", "id"),
		index.Fields("agent_id", "status", "id"),
		index.Fields("session_id", "id"),
		index.Fields("call_id"),
		index.Fields("status", "expires_at"),
	}
}

// Policy of the AgentAction.
func (AgentAction) Policy() ent.Policy { return rule.AgentActionPolicy() }
