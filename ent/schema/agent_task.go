package schema

import (
	"time"

	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/rule"
)

// AgentTask links a project task to the agent that created or worked on
// it, and to the call and action that did so, so a task shows its AI
// provenance and an agent its work items.
type AgentTask struct{ ent.Schema }

// Mixin of the AgentTask.
func (AgentTask) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TenantMixin{}} }

// Fields of the AgentTask.
func (AgentTask) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable(),
		field.UUID("agent_id", uuidType).Immutable(),
		field.UUID("task_id", uuidType).Immutable(),
		field.UUID("call_id", uuidType).Optional().Nillable().Immutable(),
		field.UUID("action_id", uuidType).Optional().Nillable().Immutable(),
	}
}

// Edges of the AgentTask.
func (AgentTask) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("agent", Agent.Type).Field("agent_id").Unique().Required().Immutable(),
		edge.To("task", Task.Type).Field("task_id").Unique().Required().Immutable(),
		edge.To("call", AgentCall.Type).Field("call_id").Unique().Immutable(),
		edge.To("action", AgentAction.Type).Field("action_id").Unique().Immutable(),
	}
}

// Indexes of the AgentTask.
func (AgentTask) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("task_id", "id"),
		index.Fields("agent_id", "id"),
	}
}

// Policy of the AgentTask.
func (AgentTask) Policy() ent.Policy { return rule.TenantPolicy("agent_action") }

// Annotations of the AgentTask: written by the agent runtime only.
func (AgentTask) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.ReadOnly(true)}
}
