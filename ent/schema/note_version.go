package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// NoteVersion is the append-only history of a note: a full snapshot per
// content save, so any version can be shown, compared or restored.
type NoteVersion struct{ ent.Schema }

// Mixin of the NoteVersion.
func (NoteVersion) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TenantMixin{}, VersionRowMixin{Of: "note", OfType: Note.Type,
		NumberComment: "The note's version number this snapshot was saved as"}}
}

// Fields of the NoteVersion.
func (NoteVersion) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").MaxLen(255).NotEmpty().Immutable().Annotations(oasfield.NotEmpty()),
		field.Text("content").MaxLen(500000).Default("").Immutable().Comment("Markdown"),
		field.UUID("editor_id", uuidType).Immutable(),
		field.Int("size_bytes").NonNegative().Immutable().Annotations(oasfield.Min(0)).
			Comment("Size of content in bytes (UTF-8)"),
	}
}

// Edges of the NoteVersion.
func (NoteVersion) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("editor", User.Type).Field("editor_id").Unique().Required().Immutable(),
	}
}

// Policy of the NoteVersion.
func (NoteVersion) Policy() ent.Policy { return rule.NoteVersionPolicy() }

// Annotations of the NoteVersion: written by the note save path only, so
// it has a read shape and no bodies (see oasfield.Resource); the history
// list leaves the content out.
func (NoteVersion) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.ReadOnly(true), oasfield.Resource{
		Read:        "NoteVersionInfo",
		Description: "A saved version of a note: a snapshot of its title and content.",
		Views: []oasfield.View{{Name: "NoteVersionSummary", Omit: []string{"content"},
			Description: "A version as lists show it: everything but its content."}},
	}}
}
