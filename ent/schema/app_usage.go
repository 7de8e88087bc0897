package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

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
func (AppUsage) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TenantMixin{}, TrackerSpanMixin{}} }

// Fields of the AppUsage.
func (AppUsage) Fields() []ent.Field {
	return []ent.Field{
		field.String("app_name").MaxLen(255).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.CreateOnly()).Immutable().
			Comment(`Executable or application name, e.g. "code" or "Google Chrome"`),
		field.String("window_title").MaxLen(1024).Optional().Immutable().Annotations(oasfield.CreateOnly()),
		field.String("url").MaxLen(2048).Optional().Immutable().Annotations(oasfield.CreateOnly()).Comment("Active tab URL when the app is a browser"),
		field.Enum("category").Values("productive", "neutral", "distracting", "uncategorized").
			Default("uncategorized").Annotations(oasfield.CreateOnly()).Comment("Mutable: re-categorization rules may rewrite it"),
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

// Policy of the AppUsage.
func (AppUsage) Policy() ent.Policy { return rule.RawActivityPolicy() }
