package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/chat/chatrule"
)

// ReadReceipt is how far a user has read a channel: one moving pointer per
// user and channel, from which unread counts are computed (messages with a
// greater seq: the channel's last_seq minus the pointer's, corrected for
// the reader's own and deleted messages; mentions likewise from
// MessageMention). It is overwritten on every read,
// so it is neither soft-deleted nor audited.
type ReadReceipt struct{ ent.Schema }

// Mixin of the ReadReceipt.
func (ReadReceipt) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}}
}

// Fields of the ReadReceipt.
func (ReadReceipt) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("channel_id", uuidType).Immutable(),
		field.UUID("user_id", uuidType).Immutable(),
		field.UUID("last_read_message_id", uuidType).Optional().Nillable().
			Comment("Newest message the user has seen; a plain id, not a foreign key, so it survives message deletion"),
		field.Int64("last_read_seq").Default(0).NonNegative().
			Comment("The seq of last_read_message_id (0: nothing read); unread counts start after it"),
		field.Time("last_read_at").Optional().Nillable(),
	}
}

// Edges of the ReadReceipt.
func (ReadReceipt) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("channel", Channel.Type).Field("channel_id").Unique().Required().Immutable(),
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the ReadReceipt.
func (ReadReceipt) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("channel_id", "user_id").Unique(),
		index.Fields("user_id"),
	}
}

// Policy of the ReadReceipt.
func (ReadReceipt) Policy() ent.Policy { return chatrule.ReadReceiptPolicy() }
