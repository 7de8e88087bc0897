package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// Session is one login on one device. The refresh token is stored only as a
// hash and rotated on every refresh; the hashes of rotated tokens are kept so
// that replaying one revokes the whole token family.
type Session struct{ ent.Schema }

// Mixin of the Session.
func (Session) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the Session.
func (Session) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("user_id", uuidType).Immutable(),
		field.String("refresh_token_hash").MaxLen(64).Sensitive().Comment("SHA-256 hex of the current refresh token"),
		field.Strings("rotated_token_hashes").Optional().Sensitive().
			Comment("Hashes of this session's rotated-out refresh tokens, to detect reuse"),
		field.UUID("token_family", uuidType).Immutable().Annotations(oasfield.Hidden()).
			Comment("Shared by a session's successive refresh tokens; reuse of a rotated one revokes the family"),
		field.String("device_name").MaxLen(200).Optional().Comment("Sent by the client at login; empty when not given"),
		field.Enum("device_type").Values("desktop", "mobile", "tablet", "cli", "unknown").Default("unknown"),
		field.String("ip").MaxLen(45).Optional().Comment("Client IP address at login"),
		field.String("user_agent").MaxLen(512).Optional(),
		field.Time("last_seen_at").Optional().Nillable(),
		field.Time("expires_at"),
		// Revocation is bookkeeping: only live sessions are ever listed.
		field.Time("revoked_at").Optional().Nillable().Annotations(oasfield.Hidden()),
		field.String("revoke_reason").MaxLen(200).Optional().Annotations(oasfield.Hidden()),
	}
}

// Edges of the Session.
func (Session) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("sessions").Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the Session.
func (Session) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("refresh_token_hash").Unique(),
		index.Fields("user_id", "revoked_at"),
		index.Fields("token_family"),
		index.Fields("expires_at"),
	}
}

// Policy of the Session.
func (Session) Policy() ent.Policy { return rule.OwnerPolicy() }

// Annotations of the Session: exposed only through /auth/sessions, read
// only (its secrets are Sensitive, so never in a response).
func (Session) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.ReadOnly(true), oasfield.Resource{
		Read:        "SessionInfo",
		Description: "A live login session of the caller.",
		Computed: []oasfield.Prop{
			{Name: "current", Type: "boolean", Description: "True for the session of the token making this request"},
		},
	}}
}
