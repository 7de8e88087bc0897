package schema

import "entgo.io/ent"

// AgentCall is declared by its domain's schema work (stub until then).
type AgentCall struct{ ent.Schema }

// Mixin of the AgentCall.
func (AgentCall) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
