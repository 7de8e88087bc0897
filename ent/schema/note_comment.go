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

// NoteComment is a discussion on a note, usually anchored to a passage of
// its text. The anchor follows the W3C text-quote selector (exact quote
// plus short prefix and suffix) with offsets as a hint, so it can be found
// again after edits; when the quote is gone the comment is orphaned rather
// than lost. Threads are flat: replies point to the first comment and
// resolving the thread is recorded on it.
type NoteComment struct{ ent.Schema }

// Mixin of the NoteComment.
func (NoteComment) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the NoteComment.
func (NoteComment) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("note_id", uuidType).Immutable(),
		field.UUID("author_id", uuidType).Immutable(),
		field.Text("body").MaxLen(10000).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable(), oasfield.RequiredOnUpdate()).
			Comment("Markdown; body_html is its sanitized HTML rendering"),
		field.String("quote").MaxLen(2000).Optional().Annotations(oasfield.CreateOnly()).
			Comment("Exact anchored text; empty for comments on the whole note and for replies"),
		field.String("prefix").MaxLen(64).Optional().Annotations(oasfield.CreateOnly()).
			Comment("Text right before the quote, to disambiguate it"),
		field.String("suffix").MaxLen(64).Optional().Annotations(oasfield.CreateOnly()).
			Comment("Text right after the quote"),
		field.Int("start_offset").Optional().Nillable().NonNegative().Annotations(oasfield.Min(0), oasfield.CreateOnly()).
			Comment("Start of the quote in the note content, in Unicode code points, when last anchored " +
				"(on create: a hint where to look for the quote)"),
		field.Int("end_offset").Optional().Nillable().NonNegative().Annotations(oasfield.Min(0)).
			Comment("End (exclusive) of the quote, in Unicode code points"),
		field.Enum("anchor_status").Values("anchored", "orphaned").Optional().Nillable().
			Comment("Set for anchored comments; orphaned once an edit removed the quoted text"),
		field.UUID("parent_id", uuidType).Optional().Nillable().Immutable().Annotations(oasfield.CreateOnly()).
			Comment("Thread's first comment; empty for the first comment itself"),
		field.Time("resolved_at").Optional().Nillable().Comment("Thread roots only"),
		field.UUID("resolved_by_id", uuidType).Optional().Nillable(),
	}
}

// Annotations of the NoteComment: its API shapes (see oasfield.Resource).
// An edit must send the new body (oasfield.RequiredOnUpdate), which an
// update body would otherwise make optional.
func (NoteComment) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "NoteCommentInfo", Create: "NoteCommentCreateRequest", Update: "NoteCommentUpdateRequest",
		Description: "A comment on a note, anchored to a passage of its text or on the whole note, or a reply in a thread.",
		Computed: []oasfield.Prop{
			{Name: "body_html", Type: "string", MaxLength: 40000,
				Description: "The body rendered to sanitized HTML (no script, event handlers or javascript URLs)"},
		},
	}}
}

// Edges of the NoteComment.
func (NoteComment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("note", Note.Type).Field("note_id").Unique().Required().Immutable(),
		edge.To("author", User.Type).Field("author_id").Unique().Required().Immutable(),
		edge.To("replies", NoteComment.Type).From("parent").Unique().Field("parent_id").Immutable(),
		edge.To("resolved_by", User.Type).Field("resolved_by_id").Unique(),
	}
}

// Indexes of the NoteComment: a note's comments and a thread's replies, in
// creation order.
func (NoteComment) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("note_id", "id"),
		index.Fields("parent_id", "id"),
	}
}

// Policy of the NoteComment.
func (NoteComment) Policy() ent.Policy { return rule.NoteCommentPolicy() }
