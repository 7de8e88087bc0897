package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/chat/chatrule"
)

// MessageMention records that a message @-mentions a user, so "messages
// mentioning me" and unread-mention counts are index lookups instead of a
// scan of message bodies. Rows are derived from the body by the server
// (replaced on every edit, removed when the message is deleted), so they
// are neither soft-deleted nor audited:
// the message's own audit rows hold the text they come from. @channel
// mentions are the message's mentions_channel flag, not rows per member.
type MessageMention struct{ ent.Schema }

// Mixin of the MessageMention.
func (MessageMention) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}}
}

// Fields of the MessageMention.
func (MessageMention) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("message_id", uuidType).Immutable(),
		field.UUID("channel_id", uuidType).Immutable().Comment("Denormalized for per-channel mention counts"),
		field.UUID("user_id", uuidType).Immutable(),
		field.Int64("message_seq").Default(0).Immutable().
			Comment("Denormalized message seq, so unread mention counts range over the mentions after a read pointer only"),
		field.Bool("own_message").Default(false).Immutable().
			Comment("The mentioned user wrote the message: listed, but never an unread mention"),
	}
}

// Edges of the MessageMention.
func (MessageMention) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("message", Message.Type).Ref("mentions").Field("message_id").
			Unique().Required().Immutable(),
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the MessageMention: a user's mentions newest first (by the
// time-ordered message id), and per channel after a read pointer for
// unread counts (partial: the counts never include one's own messages, and
// a deleted message's rows are removed, so the count reads this index
// alone).
func (MessageMention) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("message_id", "user_id").Unique(),
		index.Fields("user_id", "message_id"),
		index.Fields("user_id", "channel_id", "message_seq").Annotations(entsql.IndexWhere("NOT own_message")),
	}
}

// Policy of the MessageMention.
func (MessageMention) Policy() ent.Policy { return chatrule.MessageMentionPolicy() }
