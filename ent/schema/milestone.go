package schema

import "entgo.io/ent"

// Milestone is declared by its domain's schema work (stub until then).
type Milestone struct{ ent.Schema }

// Mixin of the Milestone.
func (Milestone) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
