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

// IdlePeriod is a span without keyboard or mouse input reported by the
// desktop tracker (ActivityWatch's AFK events); ProductivitySummary uses it
// to separate active from idle time. Like AppUsage it is high-volume,
// append-only (no soft delete or audit rows) and idempotent on
// client_record_id.
type IdlePeriod struct{ ent.Schema }

// Mixin of the IdlePeriod.
func (IdlePeriod) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TenantMixin{}} }

// Fields of the IdlePeriod.
func (IdlePeriod) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable().Comment("When the server received the record"),
		field.UUID("user_id", uuidType).Immutable(),
		field.String("client_record_id").MaxLen(128).Match(opaqueIDRE).
			Annotations(oasfield.Pattern(opaqueIDPattern), oasfield.CreateOnly()).Immutable().
			Comment("Id the tracker gave the record; a resend with the same id is a no-op"),
		field.String("device_id").MaxLen(128).Match(opaqueIDRE).
			Annotations(oasfield.Pattern(opaqueIDPattern), oasfield.CreateOnly()).Immutable().
			Comment("Tracker installation that observed the span"),
		field.Time("started_at").Immutable().Annotations(oasfield.CreateOnly()),
		field.Time("ended_at").Immutable().Annotations(oasfield.CreateOnly()).
			Comment("An end in the future within worktracking.clock_skew_tolerance is clamped to the server's clock"),
		field.Int("duration_seconds").NonNegative().Annotations(oasfield.Min(0)).Immutable().
			Comment("Whole seconds from started_at to ended_at"),
	}
}

// Annotations of the IdlePeriod: its read shape and the record of a batch upload
// (see oasfield.Resource).
func (IdlePeriod) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "IdlePeriodInfo", Create: "IdlePeriodRecord",
		Description: "A stored idle period (one span without keyboard or mouse input).",
	}}
}

// Edges of the IdlePeriod.
func (IdlePeriod) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the IdlePeriod: idempotent ingestion and per-user time ranges.
func (IdlePeriod) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "client_record_id").Unique(),
		index.Fields("user_id", "started_at", "id"),
	}
}

// Policy of the IdlePeriod.
func (IdlePeriod) Policy() ent.Policy { return rule.RawActivityPolicy() }
