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

// Label is a project's colored tag for cross-cutting task grouping
// ("frontend", "tech-debt") that statuses and types do not cover.
type Label struct{ ent.Schema }

// Mixin of the Label.
func (Label) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}, VersionMixin{}}
}

// Fields of the Label.
func (Label) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("project_id", uuidType).Immutable(),
		field.String("name").MaxLen(50).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable()).
			Comment("Unique among the project's labels"),
		field.String("color").MaxLen(7).Match(colorRE).Annotations(oasfield.Pattern(colorPattern), oasfield.Writable()).
			Default("#6B7280").Comment("Hex RGB color, e.g. #6B7280"),
	}
}

// Annotations of the Label: its API shapes (see oasfield.Resource).
func (Label) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "Label", Create: "LabelCreateRequest", Update: "LabelUpdateRequest",
		Description: "A colored tag of a project's tasks (send the version back in If-Match to change it).",
	}}
}

// Edges of the Label.
func (Label) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("project", Project.Type).Field("project_id").Unique().Required().Immutable(),
		edge.From("tasks", Task.Type).Ref("labels").Through("task_links", TaskLabel.Type),
	}
}

// Indexes of the Label: names are unique per project among live labels.
func (Label) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("project_id", "name").Unique().Annotations(entsql.IndexWhere("deleted_at IS NULL")),
	}
}

// Hooks of the Label: the link rows of the tasks carrying it carry the organization.
func (Label) Hooks() []ent.Hook { return []ent.Hook{taskLabelLinks.inverse("tasks")} }

// Policy of the Label.
func (Label) Policy() ent.Policy { return rule.ProjectPolicy("label", rule.Via("project")) }
