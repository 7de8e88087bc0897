package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// AgentConfigVersion is an immutable snapshot of an agent's configuration,
// written on every change, so calls and approvals can be explained by the
// prompt, model, budgets and policies that were in force, and a previous
// configuration can be restored.
type AgentConfigVersion struct{ ent.Schema }

// Mixin of the AgentConfigVersion.
func (AgentConfigVersion) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TenantMixin{}, VersionRowMixin{Of: "agent", OfType: Agent.Type,
		NumberComment: "Configuration version number, 1 for the agent as created"}}
}

// Fields of the AgentConfigVersion.
func (AgentConfigVersion) Fields() []ent.Field {
	return []ent.Field{
		field.JSON("snapshot", map[string]any{}).Immutable().Annotations(jsonObject()).
			Comment("The agent's configuration fields (and attached tool ids) as of this version"),
		field.Strings("changed_fields").Optional().Immutable().
			Comment("Fields that differ from the previous version"),
		field.UUID("author_id", uuidType).Optional().Nillable().Immutable().
			Comment("The user whose change wrote the version"),
	}
}

// Edges of the AgentConfigVersion.
func (AgentConfigVersion) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("author", User.Type).Field("author_id").Unique().Immutable(),
	}
}

// Policy of the AgentConfigVersion.
func (AgentConfigVersion) Policy() ent.Policy { return rule.AgentChildPolicy() }

// Annotations of the AgentConfigVersion: history is read, never edited.
func (AgentConfigVersion) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.ReadOnly(true), oasfield.Resource{
		Read:        "AgentVersionInfo",
		Description: "One configuration version of an agent.",
	}}
}
