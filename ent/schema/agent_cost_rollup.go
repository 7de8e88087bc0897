package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AgentCostRollup records that an organization's day has been rolled up
// into AgentCostLog, and whether calls reached that day afterwards
// (dirty): a call reported late for a past day would otherwise never reach
// analytics, since the rollup job only re-runs recent days on its own. The
// call's ingest sets dirty in its transaction; the cost.rollup job re-runs
// every dirty day and clears it in the rollup's transaction (see
// internal/ledger). Derived bookkeeping: not audited, never exposed.
type AgentCostRollup struct{ ent.Schema }

// Mixin of the AgentCostRollup.
func (AgentCostRollup) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TenantMixin{}} }

// Fields of the AgentCostRollup.
func (AgentCostRollup) Fields() []ent.Field {
	return []ent.Field{
		field.Time("day").Immutable().
			SchemaType(map[string]string{dialect.Postgres: "date", dialect.MySQL: "date"}).
			Comment("Calendar day in the organization's time zone, stored as that date at 00:00 UTC (as AgentCostLog.day)"),
		field.Time("rolled_up_at").Comment("When the day's AgentCostLog rows were last written"),
		field.Bool("dirty").Default(false).
			Comment("A call landed on the day after its last rollup: the next cost.rollup run re-runs the day"),
	}
}

// Indexes of the AgentCostRollup.
func (AgentCostRollup) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "day").Unique(),
		index.Fields("dirty"),
	}
}

// Policy of the AgentCostRollup: only the ledger's system code reads and
// writes it.
func (AgentCostRollup) Policy() ent.Policy { return systemOnlyPolicy() }

// Annotations of the AgentCostRollup: never exposed through entoas.
func (AgentCostRollup) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.Skip(true)}
}
