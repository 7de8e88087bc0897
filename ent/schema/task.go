package schema

import "entgo.io/ent"

// Task is declared by its domain's schema work (stub until then).
type Task struct{ ent.Schema }

// Mixin of the Task.
func (Task) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
