package schema

import "entgo.io/ent"

// ProductivitySummary is declared by its domain's schema work (stub until then).
type ProductivitySummary struct{ ent.Schema }

// Mixin of the ProductivitySummary.
func (ProductivitySummary) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }
