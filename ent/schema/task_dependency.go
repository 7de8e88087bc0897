package schema

import "entgo.io/ent"

// TaskDependency is declared by its domain's schema work (stub until then).
type TaskDependency struct{ ent.Schema }

// Mixin of the TaskDependency.
func (TaskDependency) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
