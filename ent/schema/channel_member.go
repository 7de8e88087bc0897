package schema

import "entgo.io/ent"

// ChannelMember is declared by its domain's schema work (stub until then).
type ChannelMember struct{ ent.Schema }

// Mixin of the ChannelMember.
func (ChannelMember) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
