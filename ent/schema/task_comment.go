package schema

import "entgo.io/ent"

// TaskComment is declared by its domain's schema work (stub until then).
type TaskComment struct{ ent.Schema }

// Mixin of the TaskComment.
func (TaskComment) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
