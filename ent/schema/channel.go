package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/chat/chatrule"
)

// Channel is a conversation space: an open or invite-only room, a direct
// conversation between two users, or the chat room of a project. It also
// carries the rollups (last activity, message count) the sidebar sorts by,
// so listing channels never scans messages.
type Channel struct{ ent.Schema }

// Mixin of the Channel.
func (Channel) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the Channel.
func (Channel) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("type").Values("public", "private", "direct", "project").Annotations(oasfield.CreateOnly()),
		// No oasfield.NotEmpty: responses carry "" for direct channels (the
		// hand-written bodies require a name).
		field.String("name").MaxLen(64).NotEmpty().Optional().Annotations(oasfield.Writable()).
			Comment("Required for public, private and project channels; empty for direct channels, which are shown by their members"),
		field.String("direct_key").MaxLen(74).Optional().Immutable().
			Match(directKeyRE).Annotations(oasfield.Pattern(directKeyPattern), entoas.ReadOnly(true), oasfield.Hidden()).
			Comment(`Direct channels only: the two user ids, lower-case, sorted, joined by "__"; set by the server so opening a conversation twice finds the same channel`),
		field.String("purpose").MaxLen(250).Optional().Annotations(oasfield.Writable()),
		field.String("topic").MaxLen(250).Optional().Annotations(oasfield.Writable()),
		field.UUID("project_id", uuidType).Optional().Nillable().Immutable().
			Comment("Project channels only; null for the others"),
		field.Time("archived_at").Optional().Nillable().
			Comment("Archived channels are read-only and hidden from the sidebar"),
		field.UUID("created_by_id", uuidType).Optional().Nillable().Immutable().
			Comment("Null when created by the system (e.g. a project's channel)"),
		field.Time("last_message_at").Optional().Nillable().
			Annotations(entoas.ReadOnly(true)).Comment("Maintained by the server when a message is posted"),
		field.Int64("message_count").Default(0).NonNegative().
			Annotations(oasfield.Min(0), entoas.ReadOnly(true)).
			Comment("Live messages, thread replies included; maintained by the server"),
		field.Int64("last_seq").Default(0).NonNegative().Annotations(entoas.Skip(true)).
			Comment("Sequence number of the channel's newest message (deleted ones included): every post takes the next one in the UPDATE that bumps message_count, so unread counts are last_seq minus the reader's pointer seq, minus corrections"),
	}
}

// Annotations of the Channel: its read shape (see oasfield.Resource). The
// bodies stay hand-written: a client creates only public and private
// channels and must name them, and a change cannot clear (null) a name.
// direct_key is the server's lookup key, not part of the contract.
func (Channel) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read:        "ChatChannel",
		Description: "A channel.",
	}}
}

// Edges of the Channel.
func (Channel) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("project", Project.Type).Field("project_id").Unique().Immutable(),
		edge.To("created_by", User.Type).Field("created_by_id").Unique().Immutable(),
		edge.To("members", ChannelMember.Type),
	}
}

// Indexes of the Channel: a channel name is unique among the live public
// and private channels of an organization (direct channels have none,
// project channels are named after their project); a direct conversation
// exists once per pair of users; a project has one live channel.
func (Channel) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "name").Unique().
			Annotations(entsql.IndexWhere("deleted_at IS NULL AND type IN ('public', 'private')")),
		index.Fields("organization_id", "direct_key").Unique().
			Annotations(entsql.IndexWhere("deleted_at IS NULL AND direct_key IS NOT NULL")),
		index.Fields("organization_id", "type", "id"),
		index.Fields("project_id").Unique().
			Annotations(entsql.IndexWhere("deleted_at IS NULL AND type = 'project'")),
	}
}

// Policy of the Channel.
func (Channel) Policy() ent.Policy { return chatrule.ChannelPolicy() }
