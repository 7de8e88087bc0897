package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/rule"
)

// RolePermission grants a permission to a role (edge schema of
// Role.permissions). Grants are revoked and re-created, never edited.
type RolePermission struct{ ent.Schema }

// Mixin of the RolePermission.
func (RolePermission) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}, AuditMixin{}} }

// Fields of the RolePermission.
func (RolePermission) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("role_id", uuidType).Immutable(),
		field.UUID("permission_id", uuidType).Immutable(),
	}
}

// Edges of the RolePermission.
func (RolePermission) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("role", Role.Type).Field("role_id").Unique().Required().Immutable(),
		edge.To("permission", Permission.Type).Field("permission_id").Unique().Required().Immutable(),
	}
}

// Indexes of the RolePermission.
func (RolePermission) Indexes() []ent.Index {
	return []ent.Index{index.Fields("role_id", "permission_id").Unique()}
}

// Policy of the RolePermission.
func (RolePermission) Policy() ent.Policy { return rule.RolePermissionPolicy() }
