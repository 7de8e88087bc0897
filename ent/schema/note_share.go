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

// NoteShare grants one user, or the members of one project, access to a
// note beyond its visibility, optionally until a deadline.
type NoteShare struct{ ent.Schema }

// Mixin of the NoteShare.
func (NoteShare) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the NoteShare.
func (NoteShare) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("note_id", uuidType).Immutable(),
		field.UUID("user_id", uuidType).Optional().Nillable().Immutable().Annotations(oasfield.CreateOnly()).
			Comment("The user it is shared with; exactly one of user_id and project_id is set"),
		field.UUID("project_id", uuidType).Optional().Nillable().Immutable().Annotations(oasfield.CreateOnly()).
			Comment("The project whose members it is shared with"),
		field.Enum("permission").Values("view", "comment", "edit").Default("view").Annotations(oasfield.CreateOnly()).
			Comment("view reads the note; comment also comments; edit also changes its content"),
		field.Time("expires_at").Optional().Nillable().Annotations(oasfield.CreateOnly()).
			Comment("After this instant the share grants nothing; must lie in the future"),
		field.UUID("created_by_id", uuidType).Immutable(),
	}
}

// Annotations of the NoteShare: its API shapes (see oasfield.Resource).
// Sharing again with the same grantee replaces the live share, so there is
// no update body.
func (NoteShare) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "NoteShareInfo", Create: "NoteShareRequest",
		Description: "A grant of access to a note beyond its visibility.",
		Computed: []oasfield.Prop{
			{Name: "expired", Type: "boolean", Description: "An expired share grants nothing"},
		},
	}}
}

// Edges of the NoteShare.
func (NoteShare) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("note", Note.Type).Ref("shares").Field("note_id").Unique().Required().Immutable(),
		edge.To("user", User.Type).Field("user_id").Unique().Immutable(),
		edge.To("project", Project.Type).Field("project_id").Unique().Immutable(),
		edge.To("created_by", User.Type).Field("created_by_id").Unique().Required().Immutable(),
	}
}

// Indexes of the NoteShare: one live grant per note and grantee (rows
// with the other grantee column empty never collide); "shared with me".
func (NoteShare) Indexes() []ent.Index {
	live := entsql.IndexWhere("deleted_at IS NULL")
	return []ent.Index{
		index.Fields("note_id", "user_id").Unique().Annotations(live),
		index.Fields("note_id", "project_id").Unique().Annotations(live),
		index.Fields("user_id", "id"),
		index.Fields("project_id", "id"),
	}
}

// Policy of the NoteShare.
func (NoteShare) Policy() ent.Policy { return rule.NoteSharePolicy() }
