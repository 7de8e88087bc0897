package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// BoardColumn is one lane of a board. Dropping a task into it sets the
// task's status to the column's mapped status; the WIP limit caps how many
// tasks the lane should hold.
type BoardColumn struct{ ent.Schema }

// Mixin of the BoardColumn.
func (BoardColumn) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the BoardColumn.
func (BoardColumn) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("board_id", uuidType).Immutable(),
		field.String("name").MaxLen(100).NotEmpty().Annotations(oasfield.NotEmpty()),
		field.Int("position").Default(0).NonNegative().Annotations(oasfield.Min(0)).
			Comment("Left-to-right order (ascending); not unique, so a reorder can rewrite positions in any order"),
		field.Int("wip_limit").Optional().Nillable().Min(1).Annotations(oasfield.Min(1)).
			Comment("Work-in-progress limit; empty means unlimited"),
		field.Enum("mapped_status").Values(taskStatuses...).
			Comment("Task status this column stands for"),
	}
}

// Edges of the BoardColumn.
func (BoardColumn) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("board", Board.Type).Ref("columns").Field("board_id").Unique().Required().Immutable(),
	}
}

// Indexes of the BoardColumn.
func (BoardColumn) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("board_id", "position"),
	}
}

// Policy of the BoardColumn.
func (BoardColumn) Policy() ent.Policy {
	return rule.ProjectPolicy("board", rule.Via("board", "project"))
}
