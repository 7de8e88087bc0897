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

// Project groups the tasks, boards, sprints and milestones of one body of
// work. Its key prefixes every task key ("WS-42") and it owns the counter
// that hands out those numbers.
type Project struct{ ent.Schema }

// Mixin of the Project.
func (Project) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}, VersionMixin{}}
}

// Fields of the Project.
func (Project) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").MaxLen(10).Match(projectKeyRE).Annotations(oasfield.Pattern(projectKeyPattern), oasfield.CreateOnly()).
			Comment(`Short upper-case prefix of task keys, e.g. "WS" in "WS-42"; fixed once the project exists`),
		field.String("name").MaxLen(200).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable()),
		field.Text("description").MaxLen(20000).Optional().Annotations(oasfield.Writable()),
		field.Enum("visibility").Values("private", "organization").Default("private").Annotations(oasfield.Writable()).
			Comment("private: project members only; organization: every member of the organization can read it"),
		field.Enum("status").Values("active", "archived").Default("active").
			Comment("Changed by the archive and unarchive operations; an archived project is read-only"),
		field.Time("archived_at").Optional().Nillable().Annotations(entoas.ReadOnly(true)).
			Comment("Set by the server when status becomes archived"),
		field.Time("start_date").Optional().Nillable().Annotations(oasfield.Writable()).
			Comment("Calendar date, stored as 00:00 UTC (the time of day sent is dropped)"),
		field.Time("end_date").Optional().Nillable().Annotations(oasfield.Writable()).
			Comment("Calendar date, stored as 00:00 UTC (the time of day sent is dropped); not before start_date"),
		field.UUID("owner_id", uuidType).Comment("The user who created the project"),
		field.Int("next_task_number").Default(1).Min(1).Annotations(entoas.Skip(true)).
			Comment("Next task number to hand out. Task creation locks the project row (FOR UPDATE), " +
				"takes this value and increments it in the same transaction, so numbers are gap-free and never reused"),
		field.UUID("default_board_id", uuidType).Optional().Nillable().
			Comment("Board opened by default; must belong to this project"),
	}
}

// Annotations of the Project: its API shapes (see oasfield.Resource).
func (Project) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "Project", Create: "ProjectCreateRequest", Update: "ProjectUpdateRequest",
		Description: "A project of an organization, with its version (send it back in If-Match to change the project).",
	}}
}

// Edges of the Project.
func (Project) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("owner", User.Type).Field("owner_id").Unique().Required(),
		edge.To("default_board", Board.Type).Field("default_board_id").Unique(),
		edge.To("members", ProjectMember.Type),
	}
}

// Indexes of the Project: keys are unique per organization among live
// projects; lists filter by organization and status.
func (Project) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "key").Unique().Annotations(entsql.IndexWhere("deleted_at IS NULL")),
		index.Fields("organization_id", "status", "id"),
		index.Fields("owner_id"),
	}
}

// Policy of the Project.
func (Project) Policy() ent.Policy { return rule.ProjectPolicy("project", rule.Via()) }
