package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// Board is a kanban view of a project's tasks: its columns map task
// statuses to lanes, so one project can have several boards.
type Board struct{ ent.Schema }

// Mixin of the Board.
func (Board) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}, VersionMixin{}}
}

// Fields of the Board.
func (Board) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("project_id", uuidType).Immutable(),
		field.String("name").MaxLen(100).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable()),
		field.Bool("is_default").Default(false).
			Comment("At most one live default board per project; kept in step with Project.default_board_id"),
	}
}

// Annotations of the Board: its API shapes (see oasfield.Resource).
func (Board) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "BoardInfo", Create: "BoardCreateRequest", Update: "BoardUpdateRequest",
		Description: "A board with its columns ordered by position (send the version back in If-Match to rename it).",
		Computed: []oasfield.Prop{
			{Name: "columns", Type: "array", Items: "BoardColumn", Description: "The board's columns, left to right"},
		},
	}}
}

// Edges of the Board.
func (Board) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("project", Project.Type).Field("project_id").Unique().Required().Immutable(),
		edge.To("columns", BoardColumn.Type),
	}
}

// Indexes of the Board.
func (Board) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("project_id", "id"),
		index.Fields("project_id").Unique().StorageKey("board_one_default_per_project").
			Annotations(entsql.IndexWhere("is_default AND deleted_at IS NULL")),
	}
}

// Policy of the Board.
func (Board) Policy() ent.Policy { return rule.ProjectPolicy("board", rule.Via("project")) }
