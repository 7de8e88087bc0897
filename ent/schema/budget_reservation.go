package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// BudgetReservation holds an estimated cost against an agent's budgets
// while a call is in flight, so concurrent calls cannot together overspend
// a budget that each of them alone fits. The reservation is settled by the
// call's actual cost, released when the call did not happen, and counts no
// more once expired (a crashed gateway cannot lock a budget).
type BudgetReservation struct{ ent.Schema }

// Mixin of the BudgetReservation.
func (BudgetReservation) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}}
}

// Fields of the BudgetReservation.
func (BudgetReservation) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("agent_id", uuidType).Immutable(),
		field.Int64("amount_micros").Positive().Immutable().Annotations(oasfield.Min(1)).
			Comment("Reserved worst-case cost in micro-USD (prompt estimate plus max_tokens of output)"),
		field.Enum("status").Values("reserved", "settled", "released").Default("reserved"),
		field.Time("expires_at").Comment("A reservation still reserved after this no longer counts"),
		field.UUID("call_id", uuidType).Optional().Nillable().
			Comment("The call that settled the reservation"),
	}
}

// Edges of the BudgetReservation.
func (BudgetReservation) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("agent", Agent.Type).Field("agent_id").Unique().Required().Immutable(),
		edge.To("call", AgentCall.Type).Field("call_id").Unique(),
	}
}

// Indexes of the BudgetReservation: the budget check sums an agent's open
// reservations; the sweeper releases expired ones.
func (BudgetReservation) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("agent_id", "status", "expires_at"),
		index.Fields("status", "expires_at"),
		index.Fields("call_id"),
	}
}

// Policy of the BudgetReservation.
func (BudgetReservation) Policy() ent.Policy { return rule.TenantPolicy("agent") }

// Annotations of the BudgetReservation: internal to the gateway.
func (BudgetReservation) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.ReadOnly(true)}
}
