package schema

import "entgo.io/ent"

// AgentConfigVersion is declared by its domain's schema work (stub until then).
type AgentConfigVersion struct{ ent.Schema }

// Mixin of the AgentConfigVersion.
func (AgentConfigVersion) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
