package schema

import "entgo.io/ent"

// TaskAttachment is declared by its domain's schema work (stub until then).
type TaskAttachment struct{ ent.Schema }

// Mixin of the TaskAttachment.
func (TaskAttachment) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
