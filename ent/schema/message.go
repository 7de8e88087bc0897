package schema

import "entgo.io/ent"

// Message is declared by its domain's schema work (stub until then).
type Message struct{ ent.Schema }

// Mixin of the Message.
func (Message) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
