package schema

import "entgo.io/ent"

// AgentUserPermission is declared by its domain's schema work (stub until then).
type AgentUserPermission struct{ ent.Schema }

// Mixin of the AgentUserPermission.
func (AgentUserPermission) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
