package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
)

// TrackerSpanMixin is what every desktop-tracker record shares (AppUsage,
// IdlePeriod): a span of one user's time on one device, uploaded in
// batches and retried by the client, so append-only and idempotent on the
// tracker's own record id.
type TrackerSpanMixin struct{ mixin.Schema }

// Fields of the TrackerSpanMixin.
func (TrackerSpanMixin) Fields() []ent.Field {
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

// Edges of the TrackerSpanMixin.
func (TrackerSpanMixin) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the TrackerSpanMixin: idempotent ingestion and per-user time
// ranges (the rollup job and the user's activity timeline).
func (TrackerSpanMixin) Indexes() []ent.Index {
	return []ent.Index{
		// Not unique: the span tables are partitioned by id on PostgreSQL,
		// which cannot enforce a unique index without the partition key;
		// ingestion keeps client record ids unique per user (a lock per
		// user, then this index).
		index.Fields("user_id", "client_record_id"),
		index.Fields("user_id", "started_at", "id"),
	}
}
