package schema

import "entgo.io/ent"

// Project is declared by its domain's schema work (stub until then).
type Project struct{ ent.Schema }

// Mixin of the Project.
func (Project) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
