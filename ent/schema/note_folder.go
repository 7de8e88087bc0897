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

// NoteFolder organizes an organization's notes into a tree (folders nest);
// siblings are shown in a user-chosen order.
type NoteFolder struct{ ent.Schema }

// Mixin of the NoteFolder.
func (NoteFolder) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the NoteFolder.
func (NoteFolder) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").MaxLen(200).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable()).
			Comment("Unique among the folder's live siblings"),
		field.UUID("parent_id", uuidType).Optional().Nillable().Annotations(oasfield.Writable()).
			Comment("Empty for top-level folders"),
		field.Int("position").Default(0).NonNegative().Annotations(oasfield.Min(0), oasfield.Writable()).
			Comment("Order among siblings, ascending"),
	}
}

// Annotations of the NoteFolder: its API shapes (see oasfield.Resource).
func (NoteFolder) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "NoteFolderInfo", Create: "NoteFolderCreateRequest", Update: "NoteFolderUpdateRequest",
		Description: "A folder of notes; parent_id links the tree.",
	}}
}

// Edges of the NoteFolder.
func (NoteFolder) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("children", NoteFolder.Type).From("parent").Unique().Field("parent_id"),
	}
}

// Indexes of the NoteFolder: names are unique among live siblings. Top-level
// folders need their own index because NULL parent ids never collide in a
// unique index.
func (NoteFolder) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("parent_id", "name").Unique().
			Annotations(entsql.IndexWhere("deleted_at IS NULL AND parent_id IS NOT NULL")),
		index.Fields("organization_id", "name").Unique().
			Annotations(entsql.IndexWhere("deleted_at IS NULL AND parent_id IS NULL")),
		index.Fields("parent_id", "position"),
	}
}

// Policy of the NoteFolder.
func (NoteFolder) Policy() ent.Policy { return rule.TenantPolicy("note") }
