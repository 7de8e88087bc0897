package schema

import (
	"time"

	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/ogen-go/ogen"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// AgentCall is the ledger row of one LLM request: who asked, what was sent
// and returned (per capture_policy), the tokens, the price applied and how
// it ended. Budgets, cost reports and audits are all answered from it. A
// row is written once the call has finished (or was refused); only its
// pricing may be filled in later when a price appears.
type AgentCall struct{ ent.Schema }

// Mixin of the AgentCall.
func (AgentCall) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TenantMixin{}} }

// Fields of the AgentCall.
func (AgentCall) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable(),
		field.UUID("agent_id", uuidType).Immutable(),
		field.UUID("session_id", uuidType).Optional().Nillable().Immutable(),
		field.UUID("task_id", uuidType).Optional().Nillable().Immutable().
			Comment("Work item the call was made for, for cost per task"),
		field.UUID("user_id", uuidType).Optional().Nillable().Immutable().
			Comment("User on whose behalf the call was made"),
		field.Enum("source").Values("gateway", "reported").Immutable().
			Comment("gateway: proxied by WorkSynapse; reported: made elsewhere and reported by the client"),
		field.String("client_call_id").MaxLen(128).Optional().Nillable().NotEmpty().Immutable().
			Annotations(oasfield.NotEmpty()).
			Comment("Idempotency key of a reported call, unique per agent"),
		field.Enum("provider").Values(llmProviders...).Immutable().Annotations(oasfield.EnumName("LedgerProvider")),
		field.String("model").MaxLen(200).Match(modelRE).Immutable().Annotations(oasfield.Pattern(modelPattern)).
			Comment("Model id as sent to the provider"),
		field.JSON("request_messages", []map[string]any{}).Optional().Immutable().
			Annotations(jsonObjectArray(), oasfield.Hidden()).
			Comment("Prompt messages in OpenAI chat format, as allowed by capture_policy"),
		field.JSON("response", map[string]any{}).Optional().Immutable().Annotations(jsonObject(), oasfield.Hidden()).
			Comment("Provider response body, as allowed by capture_policy"),
		field.Int("prompt_tokens").Default(0).NonNegative().Immutable().Annotations(oasfield.Min(0)).
			Comment("Input tokens, cached ones included (Anthropic cache reads and writes are added in)"),
		field.Int("completion_tokens").Default(0).NonNegative().Immutable().Annotations(oasfield.Min(0)),
		field.Int("cached_tokens").Default(0).NonNegative().Immutable().Annotations(oasfield.Min(0)).
			Comment("Part of prompt_tokens served from the provider's prompt cache"),
		field.Bool("usage_estimated").Default(false).Immutable().
			Comment("True when the provider sent no usage and the tokens were estimated from the bytes (the provider bills them anyway)"),
		field.Int64("cost_micros").Optional().Nillable().NonNegative().Annotations(oasfield.Min(0)).
			Comment("Cost in micro-USD from model_price; null = unpriced (no price known for the model at started_at)"),
		field.Bool("unpriced").Default(false).
			Comment("True exactly when cost_micros is null; lets reports and the re-pricing job filter cheaply"),
		field.UUID("model_price_id", uuidType).Optional().Nillable().
			Comment("The price row cost_micros was computed from"),
		field.Int("latency_ms").Optional().Nillable().NonNegative().Immutable().Annotations(oasfield.Min(0)),
		field.Int("ttft_ms").Optional().Nillable().NonNegative().Immutable().Annotations(oasfield.Min(0)).
			Comment("Time to first token of a streamed response"),
		field.Enum("status").Values("success", "failed", "denied", "timeout").Immutable().
			Comment("denied: refused before reaching the provider (budget, permission, injection policy)"),
		field.String("error_code").MaxLen(100).Optional().Immutable().
			Comment(`e.g. "budget_exceeded", "injection_blocked", "rate_limited", "provider_error"`),
		// Hidden: a provider's error text can quote the captured prompt.
		field.String("error_message").MaxLen(2000).Optional().Immutable().Annotations(oasfield.Hidden()),
		field.String("provider_request_id").MaxLen(200).Optional().Immutable().
			Comment("Provider's id of the request or response, for support cases"),
		// Hidden: the findings quote excerpts of the captured prompt.
		field.JSON("injection_findings", []map[string]any{}).Optional().Immutable().
			Annotations(jsonObjectArray(), oasfield.Hidden()).
			Comment("Prompt-injection detector hits (rule, message index, excerpt)"),
		field.Time("started_at").Immutable(),
	}
}

// Edges of the AgentCall.
func (AgentCall) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("agent", Agent.Type).Field("agent_id").Unique().Required().Immutable(),
		edge.To("session", AgentSession.Type).Field("session_id").Unique().Immutable(),
		edge.To("task", Task.Type).Field("task_id").Unique().Immutable(),
		edge.To("user", User.Type).Field("user_id").Unique().Immutable(),
		edge.To("model_price", ModelPrice.Type).Field("model_price_id").Unique(),
	}
}

// Indexes of the AgentCall: cost analytics by organization and agent over
// time, per task and per session.
func (AgentCall) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "created_at"),
		index.Fields("agent_id", "created_at"),
		index.Fields("task_id"),
		index.Fields("session_id"),
		// Not unique: agent_calls is partitioned by id on PostgreSQL, and a
		// partitioned table cannot enforce a unique index without the
		// partition key. Report keeps client call ids unique per agent
		// (a lock per key, then this index).
		index.Fields("agent_id", "client_call_id").
			Annotations(entsql.IndexWhere("client_call_id IS NOT NULL")),
	}
}

// Policy of the AgentCall.
func (AgentCall) Policy() ent.Policy { return rule.TenantPolicy("agent_call") }

// Annotations of the AgentCall: written by the gateway and the report
// endpoint only.
func (AgentCall) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.ReadOnly(true), oasfield.Resource{
		Read: "AgentCallInfo",
		Description: "The ledger fields of one LLM call. Captured prompts, responses, error texts and " +
			"injection findings are never part of it.",
	}}
}

// jsonObjectArray is the OpenAPI schema of a JSON array of free-form objects
// (entoas cannot derive one from []map[string]any).
func jsonObjectArray() entoas.Annotation {
	return entoas.Schema(&ogen.Schema{
		Type: "array",
		Items: &ogen.Items{Item: &ogen.Schema{
			Type:                 "object",
			AdditionalProperties: &ogen.AdditionalProperties{Schema: ogen.Schema{}},
		}},
	})
}
