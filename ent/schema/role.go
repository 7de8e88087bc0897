package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// Role is a named set of permissions. System roles (ADMIN, MANAGER,
// DEVELOPER, VIEWER, SUPER_ADMIN) have no organization; custom roles belong
// to one.
type Role struct{ ent.Schema }

// Mixin of the Role.
func (Role) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the Role.
func (Role) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("organization_id", uuidType).Optional().Nillable().Immutable().
			Comment("Empty for system roles"),
		field.String("name").MaxLen(64).NotEmpty().Annotations(oasfield.Pattern(`^[A-Z][A-Z0-9_]{1,63}$`)),
		field.String("description").MaxLen(500).Optional(),
		field.Bool("is_system").Default(false).Immutable(),
	}
}

// Edges of the Role.
func (Role) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("organization", Organization.Type).Field("organization_id").Unique().Immutable(),
		edge.To("permissions", Permission.Type).Through("role_permissions", RolePermission.Type),
		edge.To("user_roles", UserRole.Type),
	}
}

// Indexes of the Role: names are unique per organization (and globally for
// system roles).
func (Role) Indexes() []ent.Index {
	live := entsql.IndexWhere("deleted_at IS NULL")
	return []ent.Index{
		index.Fields("organization_id", "name").Unique().Annotations(live),
	}
}

// Policy of the Role.
func (Role) Policy() ent.Policy { return rule.RolePolicy() }
