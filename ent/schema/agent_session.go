package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// AgentSession is one conversation with an agent. It groups the messages,
// calls and actions of that conversation and keeps running totals so a
// session's cost is shown without summing its calls.
type AgentSession struct{ ent.Schema }

// Mixin of the AgentSession: no AuditMixin, the counters change on every
// call (the AgentCall rows are the trail).
func (AgentSession) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}}
}

// Fields of the AgentSession.
func (AgentSession) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("agent_id", uuidType).Immutable(),
		field.UUID("started_by", uuidType).Optional().Nillable().Immutable().
			Comment("User who opened the session; empty when the agent runs on its own credentials"),
		field.String("title").MaxLen(200).NotEmpty().Default("New session").Annotations(oasfield.NotEmpty()),
		field.Enum("status").Values("active", "closed").Default("active"),
		field.Time("started_at").Default(time.Now).Immutable(),
		field.Time("ended_at").Optional().Nillable(),
		field.Int("total_prompt_tokens").Default(0).NonNegative().Annotations(oasfield.Min(0)),
		field.Int("total_completion_tokens").Default(0).NonNegative().Annotations(oasfield.Min(0)),
		field.Int64("total_cost_micros").Default(0).NonNegative().Annotations(oasfield.Min(0)).
			Comment("Sum of the priced calls' cost in micro-USD (unpriced calls add nothing)"),
	}
}

// Edges of the AgentSession.
func (AgentSession) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("agent", Agent.Type).Field("agent_id").Unique().Required().Immutable(),
		edge.To("starter", User.Type).Field("started_by").Unique().Immutable(),
	}
}

// Indexes of the AgentSession.
func (AgentSession) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("agent_id", "status", "id"),
		index.Fields("started_by", "id"),
	}
}

// Policy of the AgentSession.
func (AgentSession) Policy() ent.Policy { return rule.TenantPolicy("agent_session") }
