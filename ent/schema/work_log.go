package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// WorkLog is time a person reports against their work (a Toggl-style time
// entry): typed in afterwards or recorded by a start/stop timer. It feeds
// timesheets, billable reports and task actuals; a row without ended_at is
// the user's running timer.
type WorkLog struct{ ent.Schema }

// Mixin of the WorkLog.
func (WorkLog) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the WorkLog.
func (WorkLog) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("user_id", uuidType).Immutable().Comment("Whose time this is"),
		field.UUID("task_id", uuidType).Optional().Nillable().Annotations(oasfield.Writable(), oasfield.NoClear()),
		field.UUID("project_id", uuidType).Optional().Nillable().Annotations(oasfield.Writable(), oasfield.NoClear()).
			Comment("Set with or without a task; when a task is set it is the task's project"),
		field.String("description").MaxLen(3000).Optional().Annotations(oasfield.Writable(), oasfield.NoClear()).
			Comment("What was worked on"),
		field.Time("started_at").Annotations(oasfield.Writable()),
		field.Time("ended_at").Optional().Nillable().Annotations(oasfield.Writable(), oasfield.Required(), oasfield.NoClear()).
			Comment("Null while the timer runs"),
		field.Int("duration_seconds").Default(0).NonNegative().Annotations(oasfield.Min(0)).
			Comment("ended_at - started_at in whole seconds; 0 while the timer runs"),
		field.Enum("source").Values("manual", "timer").Default("manual").Immutable().
			Comment("How the entry was created"),
		field.Bool("billable").Default(false).Annotations(oasfield.Writable()),
	}
}

// Annotations of the WorkLog: its API shapes (see oasfield.Resource). A
// manual entry needs ended_at (Required), which ent leaves open for running
// timers, and a change cannot clear (NoClear) the link, the description or
// ended_at. Starting a timer is its own body (TimerStartRequest).
func (WorkLog) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "WorkLogInfo", Create: "WorkLogCreateRequest", Update: "WorkLogUpdateRequest",
		Description: "A time entry; ended_at is null while its timer runs.",
		Computed: []oasfield.Prop{
			{Name: "running", Type: "boolean", Description: "The entry is a running timer (no ended_at yet)"},
		},
	}}
}

// Edges of the WorkLog.
func (WorkLog) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
		edge.To("task", Task.Type).Field("task_id").Unique(),
		edge.To("project", Project.Type).Field("project_id").Unique(),
	}
}

// Indexes of the WorkLog: at most one running timer per user, timesheets by
// user and day, task actuals and project reports.
func (WorkLog) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id").Unique().
			Annotations(entsql.IndexWhere("ended_at IS NULL AND deleted_at IS NULL")),
		index.Fields("user_id", "started_at", "id"),
		index.Fields("task_id", "id"),
		index.Fields("project_id", "started_at", "id"),
	}
}

// Policy of the WorkLog: own entries, everyone's with work_log:manage.
func (WorkLog) Policy() ent.Policy { return rule.WorkLogPolicy() }
