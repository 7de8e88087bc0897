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

// TaskDependency links two tasks (blocking, relation, duplicate) so
// planning can see what a task waits for. Links are directed from task to
// depends_on; the reverse view comes from the depends_on index.
type TaskDependency struct{ ent.Schema }

// Mixin of the TaskDependency.
func (TaskDependency) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the TaskDependency: a link is replaced, not edited.
func (TaskDependency) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("task_id", uuidType).Immutable(),
		field.UUID("depends_on_id", uuidType).Immutable().Annotations(oasfield.CreateOnly()).
			Comment("The other task of the link; same organization"),
		field.Enum("type").Values("blocks", "blocked_by", "relates_to", "duplicates").Immutable().
			Annotations(oasfield.CreateOnly()).
			Comment("Relation of task to depends_on, e.g. blocks: task blocks depends_on"),
	}
}

// Edges of the TaskDependency.
func (TaskDependency) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("task", Task.Type).Field("task_id").Unique().Required().Immutable(),
		edge.To("depends_on", Task.Type).Field("depends_on_id").Unique().Required().Immutable(),
	}
}

// Indexes of the TaskDependency.
func (TaskDependency) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("task_id", "depends_on_id", "type").Unique().
			Annotations(entsql.IndexWhere("deleted_at IS NULL")),
		index.Fields("depends_on_id"),
	}
}

// Policy of the TaskDependency.
func (TaskDependency) Policy() ent.Policy {
	return rule.ProjectPolicy("task", rule.Via("task", "project"), rule.Via("depends_on", "project"))
}

// Annotations of the TaskDependency: a task cannot depend on itself; its
// API shapes (see oasfield.Resource).
func (TaskDependency) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{"task_dependency_not_self": "task_id <> depends_on_id"}),
		oasfield.Resource{
			Read: "TaskDependency", Create: "TaskDependencyCreateRequest",
			Description: "A directed link from task_id to depends_on_id; replaced, never edited.",
		},
	}
}
