package schema

import "entgo.io/ent"

// WorkLog is declared by its domain's schema work (stub until then).
type WorkLog struct{ ent.Schema }

// Mixin of the WorkLog.
func (WorkLog) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
