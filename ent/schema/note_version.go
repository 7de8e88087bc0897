package schema

import "entgo.io/ent"

// NoteVersion is declared by its domain's schema work (stub until then).
type NoteVersion struct{ ent.Schema }

// Mixin of the NoteVersion.
func (NoteVersion) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
