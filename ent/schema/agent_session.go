package schema

import "entgo.io/ent"

// AgentSession is declared by its domain's schema work (stub until then).
type AgentSession struct{ ent.Schema }

// Mixin of the AgentSession.
func (AgentSession) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
