package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/chat/chatrule"
)

// MessageReaction is one user's emoji reaction to a message; a user may
// react with several emoji but with each only once.
type MessageReaction struct{ ent.Schema }

// Mixin of the MessageReaction.
func (MessageReaction) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the MessageReaction.
func (MessageReaction) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("message_id", uuidType).Immutable(),
		field.UUID("user_id", uuidType).Immutable(),
		field.String("emoji").MaxLen(64).NotEmpty().Immutable().Annotations(oasfield.NotEmpty()).
			Comment(`Emoji short name (e.g. "thumbsup") or a custom emoji name`),
	}
}

// Edges of the MessageReaction.
func (MessageReaction) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("message", Message.Type).Ref("reactions").Field("message_id").
			Unique().Required().Immutable(),
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the MessageReaction.
func (MessageReaction) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("message_id", "user_id", "emoji").Unique().Annotations(entsql.IndexWhere("deleted_at IS NULL")),
	}
}

// Policy of the MessageReaction.
func (MessageReaction) Policy() ent.Policy { return chatrule.MessageReactionPolicy() }
