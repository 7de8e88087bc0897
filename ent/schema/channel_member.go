package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/chat/chatrule"
)

// ChannelMember makes a user part of a channel: it is what grants access to
// private and direct channels, and it holds the user's per-channel role and
// notification preferences.
type ChannelMember struct{ ent.Schema }

// Mixin of the ChannelMember.
func (ChannelMember) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the ChannelMember.
func (ChannelMember) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("channel_id", uuidType).Immutable(),
		field.UUID("user_id", uuidType).Immutable().Annotations(oasfield.CreateOnly()),
		field.Enum("role").Values("owner", "admin", "member").Default("member").Annotations(oasfield.Writable()),
		field.Bool("muted").Default(false).Annotations(oasfield.UpdateOnly()).
			Comment("Muted channels raise no notifications and show no unread badge"),
		field.Enum("notify_level").Values("all", "mentions", "none").Default("all").Annotations(oasfield.UpdateOnly()),
		field.Time("joined_at").Default(time.Now).Immutable(),
	}
}

// Annotations of the ChannelMember: its API shapes (see oasfield.Resource).
func (ChannelMember) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "ChatMember", Create: "ChatMemberAddRequest", Update: "ChatMemberUpdateRequest",
		Description: "A channel membership.",
		Computed: []oasfield.Prop{
			{Name: "username", Type: "string", MaxLength: 40, Description: "The member's username"},
		},
	}}
}

// Edges of the ChannelMember.
func (ChannelMember) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("channel", Channel.Type).Ref("members").Field("channel_id").
			Unique().Required().Immutable(),
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the ChannelMember: one live membership per user and channel;
// the sidebar lists a user's channels.
func (ChannelMember) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("channel_id", "user_id").Unique().Annotations(entsql.IndexWhere("deleted_at IS NULL")),
		index.Fields("user_id", "id"),
	}
}

// Policy of the ChannelMember.
func (ChannelMember) Policy() ent.Policy { return chatrule.ChannelMemberPolicy() }
