package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
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
		field.String("name").MaxLen(100).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable()),
		field.Int("position").Default(0).NonNegative().Annotations(oasfield.Min(0)).
			Comment("Left-to-right order (ascending); not unique, so a reorder can rewrite positions in any order"),
		field.Int("wip_limit").Optional().Nillable().Min(1).Annotations(oasfield.Min(1), oasfield.Writable()).
			Comment("Work-in-progress limit; null means unlimited"),
		// The task status this column stands for. No ent Comment: the API
		// shares the TaskStatus enum schema, which would take it as its
		// description.
		field.Enum("mapped_status").Values(taskStatuses...).
			Annotations(oasfield.Writable(), oasfield.EnumName("TaskStatus")),
	}
}

// Annotations of the BoardColumn: its API shapes (see oasfield.Resource). A
// new column is appended at the end of its board.
func (BoardColumn) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "BoardColumn", Create: "BoardColumnCreateRequest", Update: "BoardColumnUpdateRequest",
		Description: "A column (lane) of a board; tasks dropped into it take its mapped_status.",
	}}
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
