package schema

import "entgo.io/ent"

// ModelPrice is declared by its domain's schema work (stub until then).
type ModelPrice struct{ ent.Schema }

// Mixin of the ModelPrice.
func (ModelPrice) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
