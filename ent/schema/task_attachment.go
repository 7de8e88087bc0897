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

// TaskAttachment is the metadata of a file attached to a task; the bytes
// live in object storage under storage_key, which clients never see
// (downloads go through the server, which checks access first).
type TaskAttachment struct{ ent.Schema }

// Mixin of the TaskAttachment.
func (TaskAttachment) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the TaskAttachment: the stored object is immutable; only the
// display name can change.
func (TaskAttachment) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("task_id", uuidType).Immutable(),
		field.UUID("uploader_id", uuidType).Immutable(),
		field.String("file_name").MaxLen(255).NotEmpty().Annotations(oasfield.NotEmpty()).
			Comment("Display name as uploaded; never used as a storage path"),
		field.String("content_type").MaxLen(255).Default("application/octet-stream").Immutable(),
		field.Int64("size_bytes").NonNegative().Immutable().Annotations(oasfield.Min(0)),
		field.String("sha256").MaxLen(64).Match(sha256HexRE).Immutable().
			Annotations(oasfield.Pattern(sha256HexPattern)).Comment("Lower-case hex SHA-256 of the content"),
		field.String("storage_key").MaxLen(1024).NotEmpty().Immutable().Annotations(entoas.Skip(true), oasfield.Hidden()).
			Comment("Object-storage key; internal, not part of the API"),
	}
}

// Annotations of the TaskAttachment: its API shape (see oasfield.Resource).
// There is no JSON create body: files are uploaded as multipart.
func (TaskAttachment) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read:        "TaskAttachment",
		Description: "The metadata of a file attached to a task; download the content through the attachment's download operation.",
	}}
}

// Edges of the TaskAttachment.
func (TaskAttachment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("task", Task.Type).Field("task_id").Unique().Required().Immutable(),
		edge.To("uploader", User.Type).Field("uploader_id").Unique().Required().Immutable(),
	}
}

// Indexes of the TaskAttachment.
func (TaskAttachment) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("task_id", "id"),
	}
}

// Policy of the TaskAttachment.
func (TaskAttachment) Policy() ent.Policy {
	return rule.ProjectPolicy("attachment", rule.Via("task", "project"))
}
