package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// Sprint is a time-boxed iteration of a project. A project runs at most one
// sprint at a time; planned sprints queue up behind it.
type Sprint struct{ ent.Schema }

// Mixin of the Sprint.
func (Sprint) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}, VersionMixin{}}
}

// Fields of the Sprint.
func (Sprint) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("project_id", uuidType).Immutable(),
		field.String("name").MaxLen(200).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable()),
		field.String("goal").MaxLen(2000).Optional().Annotations(oasfield.Writable()),
		field.Enum("status").Values("planned", "active", "completed").Default("planned").
			Comment("planned until started, active while running (one per project), then completed"),
		field.Time("start_date").Optional().Nillable().Annotations(oasfield.Writable()).
			Comment("Calendar date, stored as 00:00 UTC"),
		field.Time("end_date").Optional().Nillable().Annotations(oasfield.Writable()).
			Comment("Calendar date, stored as 00:00 UTC; not before start_date"),
		field.Time("completed_at").Optional().Nillable().Annotations(entoas.ReadOnly(true)).
			Comment("Set by the server when status becomes completed"),
	}
}

// Annotations of the Sprint: its API shapes (see oasfield.Resource). A new
// sprint is planned; start and complete change its status.
func (Sprint) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "Sprint", Create: "SprintCreateRequest", Update: "SprintUpdateRequest",
		Description: "A time-boxed iteration of a project (send the version back in If-Match to change it).",
	}}
}

// Edges of the Sprint.
func (Sprint) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("project", Project.Type).Field("project_id").Unique().Required().Immutable(),
	}
}

// Indexes of the Sprint: the partial unique index makes "one active sprint
// per project" a database guarantee, not a race between two starts.
func (Sprint) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("project_id", "status", "id"),
		index.Fields("project_id").Unique().StorageKey("sprint_one_active_per_project").
			Annotations(entsql.IndexWhere("status = 'active' AND deleted_at IS NULL")),
	}
}

// Policy of the Sprint.
func (Sprint) Policy() ent.Policy { return rule.ProjectPolicy("sprint", rule.Via("project")) }
