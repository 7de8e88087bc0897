package schema

import "entgo.io/ent"

// Channel is declared by its domain's schema work (stub until then).
type Channel struct{ ent.Schema }

// Mixin of the Channel.
func (Channel) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
