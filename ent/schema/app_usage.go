package schema

import "entgo.io/ent"

// AppUsage is declared by its domain's schema work (stub until then).
type AppUsage struct{ ent.Schema }

// Mixin of the AppUsage.
func (AppUsage) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
