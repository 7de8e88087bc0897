package schema

import "entgo.io/ent"

// BoardColumn is declared by its domain's schema work (stub until then).
type BoardColumn struct{ ent.Schema }

// Mixin of the BoardColumn.
func (BoardColumn) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
