package schema

import "entgo.io/ent"

// Board is declared by its domain's schema work (stub until then).
type Board struct{ ent.Schema }

// Mixin of the Board.
func (Board) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
