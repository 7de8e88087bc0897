package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema"
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
		field.String("title").MaxLen(255).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable()),
		field.Text("content").MaxLen(500000).Default("").Annotations(oasfield.Writable()).
			Comment("Markdown, stored exactly as written; content_html is its sanitized HTML rendering"),
		field.UUID("folder_id", uuidType).Optional().Nillable().Annotations(oasfield.Writable()).
			Comment("Folder of the same organization; empty for notes outside folders"),
		field.UUID("owner_id", uuidType),
		field.Enum("visibility").Values("private", "shared", "project", "organization").Default("private").
			Annotations(oasfield.Writable()).
			Comment("private: owner only; shared: owner and share grantees; project: the members of project_id; organization: every member"),
		field.UUID("project_id", uuidType).Optional().Nillable().Annotations(oasfield.Writable()).
			Comment("Project the note belongs to; required for visibility project"),
		field.Bool("pinned").Default(false).Annotations(oasfield.Writable()),
		field.Time("archived_at").Optional().Nillable().
			Comment("When the note was archived; archived notes are listed only on request"),
		field.Int("version").Default(1).Min(1).Annotations(oasfield.Min(1), entoas.ReadOnly(true)).
			Comment("Current version number, incremented by the server on every content save; updates must name the version they edited (optimistic concurrency)"),
		field.Int("content_size").Default(0).NonNegative().Annotations(oasfield.Min(0), entoas.ReadOnly(true)).
			Comment("Size of content in bytes (UTF-8), maintained by the server"),
	}
}

// Annotations of the Note: its API shapes (see oasfield.Resource). The
// update body stays hand-written (fragments/notes.yaml): it takes
// archived, a boolean the server turns into archived_at.
func (Note) Annotations() []schema.Annotation {
	tags := oasfield.Prop{Name: "tags", Type: "array", Items: "NoteTagInfo", Description: "The note's tags"}
	archived := oasfield.Prop{Name: "archived", Type: "boolean", Description: "Whether archived_at is set"}
	return []schema.Annotation{oasfield.Resource{
		Read: "NoteInfo", Create: "NoteCreateRequest",
		Description: "A note with its content; version is its content version (send it back in If-Match to change it).",
		Computed: []oasfield.Prop{
			{Name: "content_html", Type: "string", MaxLength: 2000000,
				Description: "The content rendered to sanitized HTML (no script, event handlers or javascript URLs), safe to insert into a page"},
			archived, tags,
		},
		Views: []oasfield.View{{Name: "NoteSummary", Omit: []string{"content"}, Computed: []oasfield.Prop{archived, tags},
			Description: "A note as lists show it: everything but its content."}},
	}}
}

// Edges of the Note.
func (Note) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("folder", NoteFolder.Type).Field("folder_id").Unique(),
		edge.To("owner", User.Type).Field("owner_id").Unique().Required(),
		edge.To("project", Project.Type).Field("project_id").Unique(),
		edge.To("tags", NoteTagDefinition.Type).Through("tag_links", NoteTag.Type),
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

// Hooks of the Note: the link rows of its tags carry the organization.
func (Note) Hooks() []ent.Hook { return []ent.Hook{noteTagLinks.hook("tags")} }

// Policy of the Note.
func (Note) Policy() ent.Policy { return rule.NotePolicy() }
