package schema

import "entgo.io/ent"

// AgentCostLog is declared by its domain's schema work (stub until then).
type AgentCostLog struct{ ent.Schema }

// Mixin of the AgentCostLog.
func (AgentCostLog) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
