package schema

import "entgo.io/ent"

// NoteTagDefinition is declared by its domain's schema work (stub until then).
type NoteTagDefinition struct{ ent.Schema }

// Mixin of the NoteTagDefinition.
func (NoteTagDefinition) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
