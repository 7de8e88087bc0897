package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// Note is a Markdown document. Visibility decides who beyond the owner may
// read it (explicit shares, a project's members, or the whole
// organization); version is bumped on every content save so concurrent
// editors cannot silently overwrite each other, and each save is kept as a
// NoteVersion.
type Note struct{ ent.Schema }

// Mixin of the Note.
func (Note) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the Note.
func (Note) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").MaxLen(255).NotEmpty().Annotations(oasfield.NotEmpty()),
		field.Text("content").MaxLen(500000).Default("").Comment("Markdown"),
		field.UUID("folder_id", uuidType).Optional().Nillable(),
		field.UUID("owner_id", uuidType),
		field.Enum("visibility").Values("private", "shared", "project", "organization").Default("private").
			Comment("private: owner only; shared: owner and NoteShare grantees; project: members of project_id; organization: every member"),
		field.UUID("project_id", uuidType).Optional().Nillable(),
		field.Bool("pinned").Default(false),
		field.Time("archived_at").Optional().Nillable(),
		field.Int("version").Default(1).Min(1).Annotations(oasfield.Min(1), entoas.ReadOnly(true)).
			Comment("Current version number, incremented by the server on every content save; updates must name the version they edited (optimistic concurrency)"),
		field.Int("content_size").Default(0).NonNegative().Annotations(oasfield.Min(0), entoas.ReadOnly(true)).
			Comment("Size of content in bytes (UTF-8), maintained by the server"),
	}
}

// Edges of the Note.
func (Note) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("folder", NoteFolder.Type).Field("folder_id").Unique(),
		edge.To("owner", User.Type).Field("owner_id").Unique().Required(),
		edge.To("project", Project.Type).Field("project_id").Unique(),
		edge.To("tags", NoteTagDefinition.Type),
		edge.To("shares", NoteShare.Type),
	}
}

// Indexes of the Note: the lists a user browses (own notes, a folder, a
// project, organization-wide notes).
func (Note) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("owner_id", "id"),
		index.Fields("folder_id", "id"),
		index.Fields("project_id", "id"),
		index.Fields("organization_id", "visibility", "id"),
	}
}

// Policy of the Note.
func (Note) Policy() ent.Policy { return rule.NotePolicy() }
