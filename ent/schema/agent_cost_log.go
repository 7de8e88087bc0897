package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// AgentCostLog is the daily rollup of AgentCall per agent, provider,
// model, user and task (with the task's project and sprint), so cost
// analytics of every grouping read past days from it instead of scanning
// calls. A day is recomputed from the calls as a whole (its rows are
// replaced), so it can always be rebuilt.
type AgentCostLog struct{ ent.Schema }

// Mixin of the AgentCostLog.
func (AgentCostLog) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}} }

// Fields of the AgentCostLog.
func (AgentCostLog) Fields() []ent.Field {
	return []ent.Field{
		field.Time("day").Immutable().
			SchemaType(map[string]string{dialect.Postgres: "date", dialect.MySQL: "date"}).
			Comment("Calendar day in the organization's time zone, stored as that date at 00:00 UTC"),
		field.UUID("agent_id", uuidType).Immutable(),
		field.Enum("provider").Values(llmProviders...).Immutable(),
		field.String("model").MaxLen(200).Match(modelRE).Immutable().Annotations(oasfield.Pattern(modelPattern)),
		// The dimensions below are null when the calls had none (no user: an
		// agent key; no task: no X-Work-Item). Plain columns, not edges: the
		// rollup is derived data and must not hold up deleting what it counts.
		field.UUID("user_id", uuidType).Optional().Nillable().Immutable(),
		field.UUID("task_id", uuidType).Optional().Nillable().Immutable(),
		field.UUID("project_id", uuidType).Optional().Nillable().Immutable().
			Comment("The task's project when the day was rolled up"),
		field.UUID("sprint_id", uuidType).Optional().Nillable().Immutable().
			Comment("The task's sprint when the day was rolled up"),
		field.Int("calls").Default(0).NonNegative().Annotations(oasfield.Min(0)),
		field.Int("prompt_tokens").Default(0).NonNegative().Annotations(oasfield.Min(0)),
		field.Int("completion_tokens").Default(0).NonNegative().Annotations(oasfield.Min(0)),
		field.Int("cached_tokens").Default(0).NonNegative().Annotations(oasfield.Min(0)),
		field.Int64("cost_micros").Default(0).NonNegative().Annotations(oasfield.Min(0)).
			Comment("Sum of the priced calls' cost in micro-USD"),
		field.Int("unpriced_calls").Default(0).NonNegative().Annotations(oasfield.Min(0)).
			Comment("Calls without a price: cost_micros is a lower bound while this is not zero"),
	}
}

// Edges of the AgentCostLog.
func (AgentCostLog) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("agent", Agent.Type).Field("agent_id").Unique().Required().Immutable(),
	}
}

// Indexes of the AgentCostLog.
func (AgentCostLog) Indexes() []ent.Index {
	return []ent.Index{
		// No unique key: nullable dimensions are distinct in a unique index
		// (on PostgreSQL and SQLite alike), so uniqueness of a day's rows is
		// kept by RollupDay replacing the day in one serialized transaction.
		index.Fields("organization_id", "day"),
		index.Fields("agent_id", "day"),
	}
}

// Policy of the AgentCostLog.
func (AgentCostLog) Policy() ent.Policy { return rule.TenantPolicy("agent_call") }

// Annotations of the AgentCostLog: computed, never written through the API.
func (AgentCostLog) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.ReadOnly(true)}
}
