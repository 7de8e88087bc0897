package schema

import "entgo.io/ent"

// Note is declared by its domain's schema work (stub until then).
type Note struct{ ent.Schema }

// Mixin of the Note.
func (Note) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
