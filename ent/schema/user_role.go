package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/rule"
)

// UserRole grants a role to a user within one organization; one user may
// hold the same role in several organizations. A grant is revoked and re-created, never edited, so the
// escalation check made on create holds for its whole life.
type UserRole struct{ ent.Schema }

// Mixin of the UserRole.
func (UserRole) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}, AuditMixin{}} }

// Fields of the UserRole.
func (UserRole) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("user_id", uuidType).Immutable(),
		field.UUID("role_id", uuidType).Immutable(),
		field.UUID("organization_id", uuidType).Immutable(),
		field.UUID("granted_by", uuidType).Optional().Nillable().Immutable(),
	}
}

// Edges of the UserRole.
func (UserRole) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("user_roles").Field("user_id").Unique().Required().Immutable(),
		edge.From("role", Role.Type).Ref("user_roles").Field("role_id").Unique().Required().Immutable(),
		edge.To("organization", Organization.Type).Field("organization_id").Unique().Required().Immutable(),
	}
}

// Indexes of the UserRole.
func (UserRole) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "role_id", "organization_id").Unique(),
		index.Fields("organization_id"),
	}
}

// Policy of the UserRole.
func (UserRole) Policy() ent.Policy { return rule.TenantPolicy("role", rule.DenyRoleEscalation()) }
