package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
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
		field.String("name").MaxLen(200).NotEmpty().Annotations(oasfield.NotEmpty()),
		field.String("goal").MaxLen(2000).Optional(),
		field.Enum("status").Values("planned", "active", "completed").Default("planned"),
		field.Time("start_date").Optional().Nillable().Comment("Calendar date, stored as 00:00 UTC"),
		field.Time("end_date").Optional().Nillable().Comment("Calendar date, stored as 00:00 UTC"),
		field.Time("completed_at").Optional().Nillable().Annotations(entoas.ReadOnly(true)).
			Comment("Set by the server when status becomes completed"),
	}
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
