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
		// The nil UUID for system roles (oasfield.NilIsNull): NOT NULL, so
		// the column is a tenant key like any other; no foreign key, as no
		// organization has that id.
		field.UUID("organization_id", uuidType).Immutable().Annotations(oasfield.NilIsNull()).
			Comment("The organization of a custom role; null for system roles"),
		field.String("name").MaxLen(64).NotEmpty().Match(roleNameRE).
			Annotations(oasfield.Pattern(roleNamePattern), oasfield.Writable()).
			Comment("Upper-case name, unique in the organization and among the system roles"),
		field.String("description").MaxLen(500).Optional().Annotations(oasfield.Writable()),
		field.Bool("is_system").Default(false).Immutable().
			Comment("System roles are seeded and immutable"),
	}
}

// Annotations of the Role: its API shapes (see oasfield.Resource).
func (Role) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "RoleInfo", Create: "RoleCreateRequest", Update: "RoleUpdateRequest",
		Description: "A role (system or custom) with the permissions it grants.",
		Computed: []oasfield.Prop{
			{Name: "permissions", Type: "array", Items: "PermissionRef",
				Description: "The permissions the role grants, sorted by resource and action"},
		},
	}}
}

// Edges of the Role.
func (Role) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("permissions", Permission.Type).Through("role_permissions", RolePermission.Type),
		edge.To("user_roles", UserRole.Type),
	}
}

// Indexes of the Role: names are unique per organization (and globally for
// system roles, whose organization_id is the nil UUID); every role of an
// organization, deleted ones included, is found by its tenant key.
func (Role) Indexes() []ent.Index {
	live := entsql.IndexWhere("deleted_at IS NULL")
	return []ent.Index{
		index.Fields("organization_id", "name").Unique().Annotations(live),
		index.Fields("organization_id"),
	}
}

// Policy of the Role.
func (Role) Policy() ent.Policy { return rule.RolePolicy() }
