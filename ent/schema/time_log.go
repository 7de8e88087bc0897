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

// TimeLog is time a user spent on a task, from a timer or entered by hand,
// for timesheets, estimates versus actuals and billing. Entries stay
// editable (users correct them), so they are audited business rows.
type TimeLog struct{ ent.Schema }

// Mixin of the TimeLog.
func (TimeLog) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the TimeLog.
func (TimeLog) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("task_id", uuidType).Immutable(),
		field.UUID("user_id", uuidType).Immutable(),
		field.Time("started_at").Annotations(oasfield.CreateOnly()),
		field.Time("ended_at").Optional().Nillable().Annotations(oasfield.CreateOnly()).
			Comment("Null while a timer is running"),
		field.Int("minutes").Default(0).NonNegative().Annotations(oasfield.Min(0), oasfield.CreateOnly()).
			Comment("Logged duration; computed from started_at/ended_at when a timer stops"),
		field.String("note").MaxLen(2000).Optional().Annotations(oasfield.CreateOnly()),
		field.Bool("billable").Default(false).Annotations(oasfield.CreateOnly()),
	}
}

// Annotations of the TimeLog: its read shape (see oasfield.Resource). The
// create body (TimeLogCreateRequest) stays hand-written: it takes either an
// interval or a duration in minutes, which is no plain set of fields.
func (TimeLog) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read:        "TimeLog",
		Description: "Time a user logged on a task.",
	}}
}

// Edges of the TimeLog.
func (TimeLog) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("task", Task.Type).Field("task_id").Unique().Required().Immutable(),
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the TimeLog: per-task totals and per-user timesheets.
func (TimeLog) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("task_id", "id"),
		index.Fields("user_id", "started_at"),
	}
}

// Policy of the TimeLog.
func (TimeLog) Policy() ent.Policy {
	return rule.ProjectPolicy("time_log", rule.Via("task", "project"))
}
