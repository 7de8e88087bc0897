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

// TaskComment is the discussion on a task, threaded through replies. AI
// agents comment too, so the author is a user, an agent, or both (an agent
// acting for a user).
type TaskComment struct{ ent.Schema }

// Mixin of the TaskComment.
func (TaskComment) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the TaskComment.
func (TaskComment) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("task_id", uuidType).Immutable(),
		field.UUID("author_id", uuidType).Optional().Nillable().Immutable().
			Comment("User who wrote it, or for whom the agent acted"),
		field.UUID("author_agent_id", uuidType).Optional().Nillable().Immutable().
			Comment("Agent that wrote it; empty for human comments"),
		field.Text("body").MaxLen(50000).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable()).
			Comment("Markdown, stored exactly as written; body_html is its sanitized HTML rendering"),
		field.UUID("parent_id", uuidType).Optional().Nillable().Immutable().Annotations(oasfield.CreateOnly()).
			Comment("Comment this one replies to; same task"),
		field.Time("edited_at").Optional().Nillable().Annotations(entoas.ReadOnly(true)).
			Comment("Set by the server when the body changes"),
	}
}

// Annotations of the TaskComment: its API shapes (see oasfield.Resource).
func (TaskComment) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "TaskCommentInfo", Create: "TaskCommentCreateRequest", Update: "TaskCommentUpdateRequest",
		Description: "A comment on a task, with its Markdown body rendered to sanitized HTML.",
		Computed: []oasfield.Prop{
			{Name: "body_html", Type: "string", MaxLength: 200000,
				Description: "The body rendered to HTML and sanitized (no script, event handlers or " +
					"javascript URLs), safe to insert into a page"},
		},
	}}
}

// Edges of the TaskComment.
func (TaskComment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("task", Task.Type).Field("task_id").Unique().Required().Immutable(),
		edge.To("author", User.Type).Field("author_id").Unique().Immutable(),
		edge.To("author_agent", Agent.Type).Field("author_agent_id").Unique().Immutable(),
		edge.To("children", TaskComment.Type).From("parent").Unique().Field("parent_id").Immutable(),
	}
}

// Indexes of the TaskComment.
func (TaskComment) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("task_id", "id"),
		index.Fields("parent_id"),
	}
}

// Policy of the TaskComment.
func (TaskComment) Policy() ent.Policy { return rule.TaskCommentPolicy() }
