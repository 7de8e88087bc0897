package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"

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
func (IdlePeriod) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TenantMixin{}, TrackerSpanMixin{}}
}

// Annotations of the IdlePeriod: its read shape and the record of a batch upload
// (see oasfield.Resource).
func (IdlePeriod) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "IdlePeriodInfo", Create: "IdlePeriodRecord",
		Description: "A stored idle period (one span without keyboard or mouse input).",
	}}
}

// Policy of the IdlePeriod.
func (IdlePeriod) Policy() ent.Policy { return rule.RawActivityPolicy() }
