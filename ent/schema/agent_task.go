package schema

import "entgo.io/ent"

// AgentTask is declared by its domain's schema work (stub until then).
type AgentTask struct{ ent.Schema }

// Mixin of the AgentTask.
func (AgentTask) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
