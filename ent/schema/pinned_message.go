package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/chat/chatrule"
)

// PinnedMessage keeps a message at hand in its channel's pinned list.
type PinnedMessage struct{ ent.Schema }

// Mixin of the PinnedMessage.
func (PinnedMessage) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the PinnedMessage.
func (PinnedMessage) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("channel_id", uuidType).Immutable(),
		field.UUID("message_id", uuidType).Immutable(),
		field.UUID("pinned_by_id", uuidType).Immutable(),
		field.Time("pinned_at").Default(time.Now).Immutable(),
	}
}

// Edges of the PinnedMessage.
func (PinnedMessage) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("channel", Channel.Type).Field("channel_id").Unique().Required().Immutable(),
		edge.To("message", Message.Type).Field("message_id").Unique().Required().Immutable(),
		edge.To("pinned_by", User.Type).Field("pinned_by_id").Unique().Required().Immutable(),
	}
}

// Indexes of the PinnedMessage: a message is pinned at most once; the
// channel's pinned list is newest first.
func (PinnedMessage) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("channel_id", "message_id").Unique().Annotations(entsql.IndexWhere("deleted_at IS NULL")),
		index.Fields("channel_id", "id"),
	}
}

// Policy of the PinnedMessage.
func (PinnedMessage) Policy() ent.Policy { return chatrule.PinnedMessagePolicy() }
