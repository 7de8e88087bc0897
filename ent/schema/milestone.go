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

// Milestone is a project target date (a release, a launch) that tasks are
// grouped under to track progress toward it, independent of sprints.
type Milestone struct{ ent.Schema }

// Mixin of the Milestone.
func (Milestone) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}, VersionMixin{}}
}

// Fields of the Milestone.
func (Milestone) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("project_id", uuidType).Immutable(),
		field.String("name").MaxLen(200).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable()),
		field.Text("description").MaxLen(20000).Optional().Annotations(oasfield.Writable()),
		field.Time("due_date").Optional().Nillable().Annotations(oasfield.Writable()).
			Comment("Calendar date, stored as 00:00 UTC"),
		field.Enum("status").Values("open", "closed").Default("open").Annotations(oasfield.UpdateOnly()),
	}
}

// Annotations of the Milestone: its API shapes (see oasfield.Resource).
func (Milestone) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "MilestoneInfo", Create: "MilestoneCreateRequest", Update: "MilestoneUpdateRequest",
		Description: "A milestone with its progress (send the version back in If-Match to change it).",
		Computed: []oasfield.Prop{
			{Name: "total_tasks", Type: "integer", Description: "Tasks of the milestone, cancelled ones excluded"},
			{Name: "done_tasks", Type: "integer", Description: "Tasks of the milestone that are done"},
			{Name: "progress", Type: "number", Description: "done_tasks / total_tasks, between 0 and 1; 0 without tasks"},
		},
	}}
}

// Edges of the Milestone.
func (Milestone) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("project", Project.Type).Field("project_id").Unique().Required().Immutable(),
	}
}

// Indexes of the Milestone.
func (Milestone) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("project_id", "status", "id"),
		index.Fields("project_id", "due_date"),
	}
}

// Policy of the Milestone.
func (Milestone) Policy() ent.Policy { return rule.ProjectPolicy("milestone", rule.Via("project")) }
