package schema

import "entgo.io/ent"

// Sprint is declared by its domain's schema work (stub until then).
type Sprint struct{ ent.Schema }

// Mixin of the Sprint.
func (Sprint) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
