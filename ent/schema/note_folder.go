package schema

import "entgo.io/ent"

// NoteFolder is declared by its domain's schema work (stub until then).
type NoteFolder struct{ ent.Schema }

// Mixin of the NoteFolder.
func (NoteFolder) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
