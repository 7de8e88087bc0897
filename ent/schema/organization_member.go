package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/rule"
)

// OrganizationMember makes a user part of an organization. Roles within the
// organization are granted through UserRole.
type OrganizationMember struct{ ent.Schema }

// Mixin of the OrganizationMember.
func (OrganizationMember) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the OrganizationMember.
func (OrganizationMember) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("organization_id", uuidType).Immutable(),
		field.UUID("user_id", uuidType).Immutable(),
		field.Enum("status").Values("active", "invited", "suspended").Default("active"),
		field.Time("joined_at").Optional().Nillable(),
	}
}

// Edges of the OrganizationMember.
func (OrganizationMember) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("organization", Organization.Type).Ref("members").Field("organization_id").
			Unique().Required().Immutable(),
		edge.From("user", User.Type).Ref("memberships").Field("user_id").
			Unique().Required().Immutable(),
	}
}

// Indexes of the OrganizationMember.
func (OrganizationMember) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "user_id").Unique().Annotations(entsql.IndexWhere("deleted_at IS NULL")),
		// The tenant key's index: the partial one above skips removed
		// members, which tenant-wide exports and deletion must find too.
		index.Fields("organization_id"),
		index.Fields("user_id"),
	}
}

// Policy of the OrganizationMember.
func (OrganizationMember) Policy() ent.Policy { return rule.TenantPolicy("member") }
