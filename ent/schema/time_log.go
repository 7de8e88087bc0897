package schema

import "entgo.io/ent"

// TimeLog is declared by its domain's schema work (stub until then).
type TimeLog struct{ ent.Schema }

// Mixin of the TimeLog.
func (TimeLog) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
