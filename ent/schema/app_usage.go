package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// AppUsage is one span of foreground application use reported by the
// desktop tracker (an ActivityWatch-style window event). Rows arrive in
// high volume and are retried by the client, so they are append-only (no
// soft delete or audit rows) and idempotent on client_record_id;
// ProductivitySummary rolls them up.
type AppUsage struct{ ent.Schema }

// Mixin of the AppUsage.
func (AppUsage) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TenantMixin{}} }

// Fields of the AppUsage.
func (AppUsage) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable().Comment("When the server received the record"),
		field.UUID("user_id", uuidType).Immutable(),
		field.String("client_record_id").MaxLen(128).Match(opaqueIDRE).
			Annotations(oasfield.Pattern(opaqueIDPattern), oasfield.CreateOnly()).Immutable().
			Comment("Id the tracker gave the record; a resend with the same id is a no-op"),
		field.String("device_id").MaxLen(128).Match(opaqueIDRE).
			Annotations(oasfield.Pattern(opaqueIDPattern), oasfield.CreateOnly()).Immutable().
			Comment("Tracker installation that observed the span"),
		field.String("app_name").MaxLen(255).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.CreateOnly()).Immutable().
			Comment(`Executable or application name, e.g. "code" or "Google Chrome"`),
		field.String("window_title").MaxLen(1024).Optional().Immutable().Annotations(oasfield.CreateOnly()),
		field.String("url").MaxLen(2048).Optional().Immutable().Annotations(oasfield.CreateOnly()).Comment("Active tab URL when the app is a browser"),
		field.Enum("category").Values("productive", "neutral", "distracting", "uncategorized").
			Default("uncategorized").Annotations(oasfield.CreateOnly()).Comment("Mutable: re-categorization rules may rewrite it"),
		field.Time("started_at").Immutable().Annotations(oasfield.CreateOnly()),
		field.Time("ended_at").Immutable().Annotations(oasfield.CreateOnly()).
			Comment("An end in the future within worktracking.clock_skew_tolerance is clamped to the server's clock"),
		field.Int("duration_seconds").NonNegative().Annotations(oasfield.Min(0)).Immutable().
			Comment("Whole seconds from started_at to ended_at"),
	}
}

// Annotations of the AppUsage: its read shape and the record of a batch upload
// (see oasfield.Resource).
func (AppUsage) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "AppUsageInfo", Create: "AppUsageRecord",
		Description: "A stored application-usage record (one span of foreground application use the tracker observed).",
	}}
}

// Edges of the AppUsage.
func (AppUsage) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the AppUsage: idempotent ingestion and per-user time ranges
// (the rollup job and the user's activity timeline).
func (AppUsage) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "client_record_id").Unique(),
		index.Fields("user_id", "started_at", "id"),
	}
}

// Policy of the AppUsage.
func (AppUsage) Policy() ent.Policy { return rule.RawActivityPolicy() }
