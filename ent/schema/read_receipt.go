package schema

import "entgo.io/ent"

// ReadReceipt is declared by its domain's schema work (stub until then).
type ReadReceipt struct{ ent.Schema }

// Mixin of the ReadReceipt.
func (ReadReceipt) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
