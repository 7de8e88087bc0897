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

// AgentUserPermission grants one user one right on one agent: use it (chat,
// run calls), configure it, approve its tool actions, or administer it
// (admin includes the other three). Organization roles decide who may grant.
type AgentUserPermission struct{ ent.Schema }

// Mixin of the AgentUserPermission.
func (AgentUserPermission) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the AgentUserPermission.
func (AgentUserPermission) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("agent_id", uuidType).Immutable(),
		field.UUID("user_id", uuidType).Immutable().Annotations(oasfield.CreateOnly()).
			Comment("Must be a member of the agent's organization"),
		field.Enum("permission").Values("use", "configure", "approve", "admin").Immutable().
			Annotations(oasfield.CreateOnly(), oasfield.EnumName("AgentRight")).
			Comment("use (call it), configure (change it), approve (its tool actions), admin (all, and grant rights)"),
	}
}

// Annotations of the AgentUserPermission: its API shapes (see oasfield.Resource).
func (AgentUserPermission) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "AgentPermissionInfo", Create: "AgentPermissionGrant",
		Description: "One user's right on one agent.",
	}}
}

// Edges of the AgentUserPermission.
func (AgentUserPermission) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("agent", Agent.Type).Field("agent_id").Unique().Required().Immutable(),
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the AgentUserPermission.
func (AgentUserPermission) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("agent_id", "user_id", "permission").Unique().Annotations(entsql.IndexWhere("deleted_at IS NULL")),
		index.Fields("user_id", "agent_id"),
	}
}

// Policy of the AgentUserPermission.
func (AgentUserPermission) Policy() ent.Policy { return rule.AgentPermissionPolicy() }
