package schema

import "entgo.io/ent"

// NoteShare is declared by its domain's schema work (stub until then).
type NoteShare struct{ ent.Schema }

// Mixin of the NoteShare.
func (NoteShare) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
