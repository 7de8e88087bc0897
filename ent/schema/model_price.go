package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// ModelPrice is the platform-wide price table of LLM models (as in LiteLLM
// and Langfuse). Prices are versioned by effective_from, so a call is
// priced with the row in force when it started and old calls keep their
// price when a provider changes it.
type ModelPrice struct{ ent.Schema }

// Mixin of the ModelPrice.
func (ModelPrice) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the ModelPrice.
func (ModelPrice) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("provider").Values(llmProviders...).Annotations(oasfield.Writable(), oasfield.EnumName("LedgerProvider")),
		field.String("model").MaxLen(200).Match(modelRE).Annotations(oasfield.Pattern(modelPattern), oasfield.Writable()).
			Comment("Exact model id as agents and calls name it"),
		field.Int64("input_micros_per_mtok").NonNegative().Annotations(oasfield.Min(0), oasfield.Writable()).
			Comment("Price of 1M uncached input tokens in micro-units of currency ($0.15/1M = 150000)"),
		field.Int64("output_micros_per_mtok").NonNegative().Annotations(oasfield.Min(0), oasfield.Writable()).
			Comment("Price of 1M output tokens in micro-units of currency"),
		field.Int64("cached_input_micros_per_mtok").Optional().Nillable().NonNegative().Annotations(oasfield.Min(0), oasfield.Writable()).
			Comment("Price of 1M cached input tokens in micro-units of currency; null = input price"),
		field.String("currency").MaxLen(3).Default("USD").Match(currencyRE).
			Annotations(oasfield.Pattern(currencyPattern), oasfield.Writable()).
			Comment("ISO 4217; budgets and costs are micro-USD, so other currencies need conversion before use"),
		field.Time("effective_from").Annotations(oasfield.Writable()).
			Comment("First instant the price applies to (calls are priced by their started_at)"),
		field.Time("effective_to").Optional().Nillable().Annotations(oasfield.Writable()).
			Comment("Exclusive end; null = still in force"),
	}
}

// Annotations of the ModelPrice: its API shapes (see oasfield.Resource).
// ModelPriceInput is the body of both create and replace (PUT).
func (ModelPrice) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "ModelPriceInfo", Create: "ModelPriceInput",
		Description: "A model's price, in force from effective_from until effective_to.",
	}}
}

// Indexes of the ModelPrice: the lookup is by provider and model, latest
// effective_from not after the call's start.
func (ModelPrice) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("provider", "model", "effective_from").Unique().
			Annotations(entsql.IndexWhere("deleted_at IS NULL")),
	}
}

// Policy of the ModelPrice.
func (ModelPrice) Policy() ent.Policy { return rule.GlobalCatalogPolicy() }
