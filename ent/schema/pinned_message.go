package schema

import "entgo.io/ent"

// PinnedMessage is declared by its domain's schema work (stub until then).
type PinnedMessage struct{ ent.Schema }

// Mixin of the PinnedMessage.
func (PinnedMessage) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
