package schema

import "entgo.io/ent"

// AgentTool is declared by its domain's schema work (stub until then).
type AgentTool struct{ ent.Schema }

// Mixin of the AgentTool.
func (AgentTool) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
