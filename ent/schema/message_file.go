package schema

import "entgo.io/ent"

// MessageFile is declared by its domain's schema work (stub until then).
type MessageFile struct{ ent.Schema }

// Mixin of the MessageFile.
func (MessageFile) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
