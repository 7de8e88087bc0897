package schema

import (
	"time"

	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/rule"
)

// AuthToken is a single-use, expiring token mailed to a user: email
// verification, password reset or an organization invitation. Only its
// hash is stored.
type AuthToken struct{ ent.Schema }

// Mixin of the AuthToken.
func (AuthToken) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }

// Fields of the AuthToken.
func (AuthToken) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable(),
		field.UUID("user_id", uuidType).Immutable(),
		field.Enum("purpose").Values("email_verification", "password_reset", "invitation").Immutable(),
		field.String("token_hash").MaxLen(64).Sensitive().Immutable(),
		field.Time("expires_at").Immutable(),
		field.Time("used_at").Optional().Nillable(),
	}
}

// Edges of the AuthToken.
func (AuthToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the AuthToken.
func (AuthToken) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("token_hash").Unique(),
		index.Fields("user_id", "purpose"),
		index.Fields("expires_at"),
	}
}

// Policy of the AuthToken.
func (AuthToken) Policy() ent.Policy { return rule.OwnerPolicy() }

// Annotations of the AuthToken: never exposed through the API.
func (AuthToken) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.Skip(true)}
}
