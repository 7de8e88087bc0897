package schema

import (
	"time"

	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// AgentMessage is one turn of a session's transcript in OpenAI chat
// format, enough to replay the conversation to either provider. What is
// kept of the text follows the agent's capture_policy.
type AgentMessage struct{ ent.Schema }

// Mixin of the AgentMessage.
func (AgentMessage) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TenantMixin{}} }

// Fields of the AgentMessage.
func (AgentMessage) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable(),
		field.UUID("session_id", uuidType).Immutable(),
		field.Enum("role").Values("system", "user", "assistant", "tool").Immutable(),
		field.Text("content").MaxLen(500000).Optional().Immutable().
			Comment("Message text; empty for an assistant turn that only calls tools or when capture_policy is metadata"),
		field.JSON("tool_calls", []map[string]any{}).Optional().Immutable().Annotations(jsonObjectArray()).
			Comment("Assistant turn: the tool calls the model requested (OpenAI tool_calls shape)"),
		field.String("tool_call_id").MaxLen(128).Optional().Immutable().
			Comment("Tool turn: id of the assistant tool call this result answers"),
		field.Int("prompt_tokens").Default(0).NonNegative().Annotations(oasfield.Min(0)),
		field.Int("completion_tokens").Default(0).NonNegative().Annotations(oasfield.Min(0)),
		field.UUID("call_id", uuidType).Optional().Nillable().
			Comment("The model call that produced (assistant) or consumed (other roles) this message"),
	}
}

// Edges of the AgentMessage.
func (AgentMessage) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("session", AgentSession.Type).Field("session_id").Unique().Required().Immutable(),
		edge.To("call", AgentCall.Type).Field("call_id").Unique(),
	}
}

// Indexes of the AgentMessage: transcripts are read in order (ids are
// time-ordered).
func (AgentMessage) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("session_id", "id"),
		index.Fields("call_id"),
	}
}

// Policy of the AgentMessage.
func (AgentMessage) Policy() ent.Policy { return rule.TenantPolicy("agent_session") }

// Annotations of the AgentMessage: written by the chat and gateway code only.
func (AgentMessage) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.ReadOnly(true)}
}
