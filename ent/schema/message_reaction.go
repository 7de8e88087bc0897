package schema

import "entgo.io/ent"

// MessageReaction is declared by its domain's schema work (stub until then).
type MessageReaction struct{ ent.Schema }

// Mixin of the MessageReaction.
func (MessageReaction) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
