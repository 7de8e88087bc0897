package schema

import "entgo.io/ent"

// ProjectMember is declared by its domain's schema work (stub until then).
type ProjectMember struct{ ent.Schema }

// Mixin of the ProjectMember.
func (ProjectMember) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
