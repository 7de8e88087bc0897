package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// ProductivitySummary is the computed daily or weekly rollup of one user's
// tracked activity (AppUsage, IdlePeriod), logged time (WorkLog) and
// completed tasks in one organization, so dashboards never scan the raw
// high-volume rows. The rollup job recomputes a row in place; it is not a
// business record, so there is no soft delete or audit trail.
type ProductivitySummary struct{ ent.Schema }

// Mixin of the ProductivitySummary.
func (ProductivitySummary) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TenantMixin{}} }

// Fields of the ProductivitySummary.
func (ProductivitySummary) Fields() []ent.Field {
	seconds := func(name, comment string) ent.Field {
		return field.Int(name).Default(0).NonNegative().Annotations(oasfield.Min(0), oasfield.Hidden()).Comment(comment)
	}
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable(),
		field.UUID("user_id", uuidType).Immutable(),
		field.Enum("period").Values("daily", "weekly").Immutable(),
		field.Time("period_start").Immutable().
			SchemaType(map[string]string{dialect.Postgres: "date"}).Annotations(oasfield.Format("date")).
			Comment("First day of the period in the organization's time zone (weeks start on Monday)"),
		seconds("active_seconds", "Tracked time with input"),
		seconds("idle_seconds", "Tracked time without input (IdlePeriod)"),
		seconds("productive_seconds", "Active AppUsage time categorized productive"),
		seconds("neutral_seconds", "Active AppUsage time categorized neutral"),
		seconds("distracting_seconds", "Active AppUsage time categorized distracting"),
		field.JSON("category_seconds", map[string]any{}).Optional().Annotations(jsonObject(), oasfield.Hidden()).
			Comment(`Active seconds per AppUsage category, all four including uncategorized, e.g. {"productive": 3600, "uncategorized": 120}`),
		field.Int("tasks_completed").Default(0).NonNegative().Annotations(oasfield.Min(0), oasfield.Hidden()).
			Comment("Tasks the user completed in the period"),
		seconds("time_logged_seconds", "Sum of the user's WorkLog durations started in the period"),
		field.Time("computed_at").Comment("When the rollup job last computed the row"),
	}
}

// Annotations of the ProductivitySummary: its read shape (see
// oasfield.Resource). The counters are not sent one by one: they reach
// clients as totals, the ProductivityTotals shape a manager's member view
// shares.
func (ProductivitySummary) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read:        "ProductivitySummaryInfo",
		Description: "One user's rollup of one day or week in one organization.",
		Computed: []oasfield.Prop{
			{Name: "totals", Ref: "ProductivityTotals"},
		},
	}}
}

// Edges of the ProductivitySummary.
func (ProductivitySummary) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the ProductivitySummary: one row per organization, user and
// period (a user in two organizations has one rollup in each); the key also
// serves a user's date-range queries.
func (ProductivitySummary) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "user_id", "period", "period_start").Unique(),
	}
}

// Policy of the ProductivitySummary.
func (ProductivitySummary) Policy() ent.Policy { return rule.ProductivityPolicy() }
