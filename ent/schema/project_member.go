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
		field.UUID("user_id", uuidType).Immutable().Annotations(oasfield.CreateOnly()).
			Comment("A member of the project's organization"),
		field.Enum("role").Values("owner", "admin", "member", "viewer").Default("member").
			Annotations(oasfield.Writable(), oasfield.Required(), oasfield.EnumName("ProjectRole")).
			Comment("Role in the project, on top of the organization role; a project keeps at least one owner"),
	}
}

// Annotations of the ProjectMember: its API shapes (see oasfield.Resource).
// The add body requires the role (oasfield.Required), although ent
// defaults it for members added by other paths.
func (ProjectMember) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "ProjectMemberInfo", Create: "ProjectMemberAddRequest", Update: "ProjectMemberUpdateRequest",
		Description: "A member of a project with their project role.",
		Computed: []oasfield.Prop{
			{Name: "username", Type: "string", MaxLength: 40,
				Description: "The member's username; empty when the caller may not see the user"},
			{Name: "display_name", Type: "string", MaxLength: 120, Optional: true,
				Description: "The member's display name, when they set one"},
		},
	}}
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
