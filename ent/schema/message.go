package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
	"github.com/ogen-go/ogen"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/chat/chatrule"
)

// Message is one post in a channel, written by a user or by an AI agent.
// Threads are flat (as in Mattermost): every reply points to the thread's
// root message, which keeps the reply rollups. Mentions are parsed from the
// body by the server and stored so notifications and unread-mention counts
// need no re-parsing.
type Message struct{ ent.Schema }

// Mixin of the Message.
func (Message) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the Message.
func (Message) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("channel_id", uuidType).Immutable(),
		field.UUID("author_id", uuidType).Optional().Nillable().Immutable().
			Comment("The user who wrote it; null for agent and system messages"),
		field.UUID("author_agent_id", uuidType).Optional().Nillable().Immutable().
			Comment("The agent that wrote it (with its agent key); null for user and system messages"),
		field.Text("body").MaxLen(4 * 65536).Default("").
			Comment("Markdown as typed; may be empty when the message only carries files. The limit users see is chat.max_message_length characters (at most 65536), checked by the server; this byte bound is its ceiling in UTF-8"),
		field.UUID("root_id", uuidType).Optional().Nillable().Immutable().
			Comment("Thread root; null for top-level messages. Replies always point to the root, never to another reply"),
		field.Int("reply_count").Default(0).NonNegative().
			Annotations(oasfield.Min(0), entoas.ReadOnly(true)).Comment("Thread roots only; maintained by the server"),
		field.Time("last_reply_at").Optional().Nillable().
			Annotations(entoas.ReadOnly(true)).Comment("Thread roots only; maintained by the server"),
		field.Time("edited_at").Optional().Nillable().
			Annotations(entoas.ReadOnly(true)).Comment("Set when the body changes (not on rollup updates)"),
		field.JSON("mentioned_user_ids", []uuid.UUID{}).Optional().
			Annotations(entoas.ReadOnly(true), uuidArray()).Comment("Users @-mentioned in the body, parsed by the server"),
		field.Bool("mentions_channel").Default(false).
			Annotations(entoas.ReadOnly(true)).Comment("The body mentions @channel, @here or @all"),
		field.Bool("has_files").Default(false).
			Annotations(entoas.ReadOnly(true)).Comment("Set when files are attached, so scrollback loads files only where needed"),
		field.Int64("seq").Default(0).NonNegative().Immutable().Annotations(entoas.Skip(true)).
			Comment("Position in the channel (1, 2, ...; replies included), taken from channels.last_seq when posted; unread counts compare it with the read pointer's seq"),
	}
}

// Annotations of the Message: its read shape (see oasfield.Resource). The
// bodies stay hand-written: posting and editing need a non-empty body,
// while the entity allows an empty one (a message that only carries files).
func (Message) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read:        "ChatMessage",
		Description: "A message. A deleted thread root keeps its place (deleted true, empty body) while it has replies.",
		Computed: []oasfield.Prop{
			{Name: "body_html", Type: "string", MaxLength: 1048576, Description: "Sanitized HTML rendering of body"},
			{Name: "deleted", Type: "boolean", Description: "A deleted thread root kept for its replies"},
			{Name: "reactions", Type: "array", Items: "ChatReaction", Description: "Reaction counts per emoji"},
			{Name: "files", Type: "array", Items: "ChatFile", Description: "Files attached to the message"},
		},
	}}
}

// uuidArray is the OpenAPI schema of a JSON list of ids.
func uuidArray() entoas.Annotation {
	return entoas.Schema(&ogen.Schema{Type: "array", Items: &ogen.Items{Item: &ogen.Schema{Type: "string", Format: "uuid"}}})
}

// Edges of the Message. The files edge is named attachments because the
// has_files field already takes the HasFiles predicate name.
func (Message) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("channel", Channel.Type).Field("channel_id").Unique().Required().Immutable(),
		edge.To("author", User.Type).Field("author_id").Unique().Immutable(),
		edge.To("author_agent", Agent.Type).Field("author_agent_id").Unique().Immutable(),
		edge.To("replies", Message.Type).From("root").Unique().Field("root_id").Immutable(),
		edge.To("reactions", MessageReaction.Type),
		edge.To("attachments", MessageFile.Type),
		edge.To("mentions", MessageMention.Type),
	}
}

// Indexes of the Message: scrollback of a channel and of a thread, and a
// user's messages, each newest first by time-ordered id. The three partial
// indexes serve the corrections of the unread counts (see chat.MyChannels):
// the reader's own live messages, deleted messages and @channel mentions
// after a read pointer, each a narrow range of a small subset.
func (Message) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("channel_id", "id"),
		index.Fields("root_id", "id"),
		index.Fields("author_id", "id"),
		index.Fields("author_id", "channel_id", "seq").
			Annotations(entsql.IndexWhere("deleted_at IS NULL AND author_id IS NOT NULL")),
		index.Fields("channel_id", "seq").StorageKey("message_channel_id_seq_deleted").
			Annotations(entsql.IndexWhere("deleted_at IS NOT NULL")),
		// author_id and id make the count index-only (by others, and not
		// also a mention by name).
		index.Fields("channel_id", "seq", "author_id", "id").StorageKey("message_channel_id_seq_mentions_channel").
			Annotations(entsql.IndexWhere("mentions_channel AND deleted_at IS NULL")),
	}
}

// Policy of the Message.
func (Message) Policy() ent.Policy { return chatrule.MessagePolicy() }
