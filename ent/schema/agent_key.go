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

// AgentKey is an API key an agent runtime authenticates with (X-API-Key):
// requests made with it act as the agent. Only a SHA-256 hash of the
// secret is stored; the prefix stays visible so owners can tell keys apart.
type AgentKey struct{ ent.Schema }

// Mixin of the AgentKey.
func (AgentKey) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, AuditMixin{}}
}

// Fields of the AgentKey.
func (AgentKey) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("agent_id", uuidType).Immutable(),
		field.String("name").MaxLen(100).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.CreateOnly()).
			Comment("Label for owners, e.g. the runtime that uses the key"),
		field.String("prefix").MaxLen(32).NotEmpty().Immutable().
			Comment("First characters of the key, shown in lists to identify it"),
		field.Bytes("secret_hash").MaxLen(32).Sensitive().Immutable().
			Comment("SHA-256 of the full key; the key itself is shown once and never stored"),
		field.UUID("created_by", uuidType).Optional().Nillable().Immutable(),
		field.Time("expires_at").Optional().Nillable().Annotations(oasfield.CreateOnly()).
			Comment("After this instant the key answers 401 (set by rotation for the grace period)"),
		field.Time("revoked_at").Optional().Nillable().
			Comment("When the key was revoked; it answers 401 from then on"),
		field.Time("last_used_at").Optional().Nillable(),
		field.String("last_used_ip").MaxLen(64).Optional().
			Comment("Client address of the last request made with the key; empty before first use"),
		field.UUID("replaced_by", uuidType).Optional().Nillable().
			Comment("The key that rotation created in place of this one"),
	}
}

// Edges of the AgentKey.
func (AgentKey) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("agent", Agent.Type).Field("agent_id").Unique().Required().Immutable(),
		edge.To("creator", User.Type).Field("created_by").Unique().Immutable(),
	}
}

// Indexes of the AgentKey.
func (AgentKey) Indexes() []ent.Index {
	return []ent.Index{
		// The prefix is random and long enough to be the lookup key.
		index.Fields("prefix").Unique(),
		index.Fields("agent_id", "id"),
	}
}

// Policy of the AgentKey: organization agent managers and agent admins.
func (AgentKey) Policy() ent.Policy { return rule.AgentKeyPolicy() }

// Annotations of the AgentKey: its API shapes (see oasfield.Resource). The
// secret hash is Sensitive, so no shape ever carries it; the one-time
// secret is only in the hand-written AgentKeyCreated.
func (AgentKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.Skip(true), oasfield.Resource{
		Read: "AgentKeyInfo", Create: "AgentKeyCreateRequest",
		Description: "An agent API key (X-API-Key). The secret is never returned after creation; prefix identifies the key.",
	}}
}
