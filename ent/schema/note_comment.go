package schema

import "entgo.io/ent"

// NoteComment is declared by its domain's schema work (stub until then).
type NoteComment struct{ ent.Schema }

// Mixin of the NoteComment.
func (NoteComment) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
