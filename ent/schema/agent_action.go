package schema

import "entgo.io/ent"

// AgentAction is declared by its domain's schema work (stub until then).
type AgentAction struct{ ent.Schema }

// Mixin of the AgentAction.
func (AgentAction) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
