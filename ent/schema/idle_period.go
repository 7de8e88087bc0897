package schema

import "entgo.io/ent"

// IdlePeriod is declared by its domain's schema work (stub until then).
type IdlePeriod struct{ ent.Schema }

// Mixin of the IdlePeriod.
func (IdlePeriod) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
