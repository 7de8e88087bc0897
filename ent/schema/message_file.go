package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/chat/chatrule"
)

// MessageFile is a file attached to a message. The bytes live in object
// storage; the row holds what the client shows and what integrity checks
// and downloads need. The channel is denormalized for a channel's file list.
type MessageFile struct{ ent.Schema }

// Mixin of the MessageFile.
func (MessageFile) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the MessageFile.
func (MessageFile) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("message_id", uuidType).Immutable(),
		field.UUID("channel_id", uuidType).Immutable(),
		field.UUID("uploader_id", uuidType).Immutable(),
		field.String("file_name").MaxLen(255).NotEmpty().Immutable().Annotations(oasfield.NotEmpty()),
		field.String("content_type").MaxLen(255).NotEmpty().Immutable().Annotations(oasfield.NotEmpty()).
			Comment("MIME type as detected by the server"),
		field.Int64("size_bytes").NonNegative().Immutable().Annotations(oasfield.Min(0)),
		field.String("sha256").MaxLen(64).Immutable().Match(sha256HexRE).Annotations(oasfield.Pattern(sha256HexPattern)).
			Comment("Lower-case hex SHA-256 of the content"),
		field.String("storage_key").MaxLen(1024).Immutable().Annotations(entoas.Skip(true)).
			Comment("Object storage key; internal, downloads go through signed URLs"),
	}
}

// Annotations of the MessageFile: its read shape (see oasfield.Resource);
// the storage key stays internal (entoas.Skip).
func (MessageFile) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read:        "ChatFile",
		Description: "A file attached to a message.",
	}}
}

// Edges of the MessageFile.
func (MessageFile) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("message", Message.Type).Ref("attachments").Field("message_id").
			Unique().Required().Immutable(),
		edge.To("channel", Channel.Type).Field("channel_id").Unique().Required().Immutable(),
		edge.To("uploader", User.Type).Field("uploader_id").Unique().Required().Immutable(),
	}
}

// Indexes of the MessageFile.
func (MessageFile) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("message_id"),
		index.Fields("channel_id", "id"),
		index.Fields("uploader_id", "id"),
	}
}

// Policy of the MessageFile.
func (MessageFile) Policy() ent.Policy { return chatrule.MessageFilePolicy() }
