package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/rule"
)

// LoginHistory records every login attempt, successful or not. user_id is
// empty when the identifier matched no account.
type LoginHistory struct{ ent.Schema }

// Mixin of the LoginHistory.
func (LoginHistory) Mixin() []ent.Mixin { return []ent.Mixin{AppendOnlyLogMixin{}} }

// Fields of the LoginHistory.
func (LoginHistory) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("user_id", uuidType).Optional().Nillable().Immutable(),
		field.String("identifier").MaxLen(254).Immutable().Comment("Email or username as typed"),
		field.Bool("success").Immutable(),
		field.String("failure_reason").MaxLen(64).Optional().Immutable(),
		field.Bool("mfa_used").Default(false).Immutable(),
		field.String("ip").MaxLen(45).Optional().Immutable(),
		field.String("user_agent").MaxLen(512).Optional().Immutable(),
	}
}

// Indexes of the LoginHistory.
func (LoginHistory) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "id")}
}

// Policy of the LoginHistory.
func (LoginHistory) Policy() ent.Policy { return rule.OwnerPolicy() }

// Annotations of the LoginHistory.
func (LoginHistory) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.ReadOnly(true)}
}
