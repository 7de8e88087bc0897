package schema

import "entgo.io/ent"

// Agent is declared by its domain's schema work (stub until then).
type Agent struct{ ent.Schema }

// Mixin of the Agent.
func (Agent) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
