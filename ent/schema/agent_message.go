package schema

import "entgo.io/ent"

// AgentMessage is declared by its domain's schema work (stub until then).
type AgentMessage struct{ ent.Schema }

// Mixin of the AgentMessage.
func (AgentMessage) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
