package schema

import "entgo.io/ent"

// Label is declared by its domain's schema work (stub until then).
type Label struct{ ent.Schema }

// Mixin of the Label.
func (Label) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
