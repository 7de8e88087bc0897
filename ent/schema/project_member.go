package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/rule"
)

// ProjectMember gives a user access to a project with a project-level role,
// on top of their organization role (private projects are visible to their
// members only).
type ProjectMember struct{ ent.Schema }

// Mixin of the ProjectMember.
func (ProjectMember) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the ProjectMember.
func (ProjectMember) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("project_id", uuidType).Immutable(),
		field.UUID("user_id", uuidType).Immutable(),
		field.Enum("role").Values("owner", "admin", "member", "viewer").Default("member"),
	}
}

// Edges of the ProjectMember.
func (ProjectMember) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("members").Field("project_id").
			Unique().Required().Immutable(),
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the ProjectMember: one live membership per user and project;
// "my projects" looks members up by user.
func (ProjectMember) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("project_id", "user_id").Unique().Annotations(entsql.IndexWhere("deleted_at IS NULL")),
		index.Fields("user_id"),
	}
}

// Policy of the ProjectMember.
func (ProjectMember) Policy() ent.Policy { return rule.ProjectPolicy("project", rule.Via("project")) }
