package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/rule"
)

// Permission is one (resource, action) pair, e.g. (task, update).
type Permission struct{ ent.Schema }

// Mixin of the Permission.
func (Permission) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the Permission.
func (Permission) Fields() []ent.Field {
	return []ent.Field{
		field.String("resource").MaxLen(64).NotEmpty(),
		field.Enum("action").Values("create", "read", "update", "delete", "manage", "approve"),
		field.String("description").MaxLen(500).Optional(),
	}
}

// Edges of the Permission.
func (Permission) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("roles", Role.Type).Ref("permissions").Through("role_permissions", RolePermission.Type),
	}
}

// Indexes of the Permission.
func (Permission) Indexes() []ent.Index {
	return []ent.Index{index.Fields("resource", "action").Unique()}
}

// Policy of the Permission.
func (Permission) Policy() ent.Policy { return rule.GlobalCatalogPolicy() }
