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

// Organization is the tenant: every project, channel, note, agent and log
// row belongs to exactly one.
type Organization struct{ ent.Schema }

// Mixin of the Organization.
func (Organization) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the Organization.
func (Organization) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").MaxLen(200).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable()),
		field.String("slug").MaxLen(63).Match(slugRE).Annotations(oasfield.Pattern(slugPattern), oasfield.CreateOnly()).
			Comment("URL-safe unique handle (lower-case letters, digits, hyphens)"),
		field.String("description").MaxLen(2000).Optional().Annotations(oasfield.Writable()),
		field.Enum("plan").Values("free", "team", "enterprise").Default("free"),
		field.String("time_zone").MaxLen(64).Default("UTC").Annotations(oasfield.Writable()).
			Comment("IANA time zone, e.g. Europe/Berlin, of calendar budgets and daily rollups"),
		field.Int("audit_retention_days").Default(365).Range(1, 3650).
			Annotations(oasfield.Range(1, 3650), oasfield.UpdateOnly()).
			Comment("Days audit rows are kept"),
		field.Int("llm_capture_retention_days").Default(90).Range(1, 3650).
			Annotations(oasfield.Range(1, 3650), oasfield.UpdateOnly()).
			Comment("Days the captured prompts and responses of LLM calls are kept; then a job removes the text, keeping each call's metadata and cost"),
		field.Bool("manager_tracking_enabled").Default(false).Annotations(oasfield.UpdateOnly()).
			Comment("Lets managers see aggregated work-tracking data of their project members (privacy first: off)"),
		// The budgets are read and set through /organizations/{org_id}/budget
		// (agent_call:read, organization:update), not by every member.
		field.Int64("monthly_budget_micros").Optional().Nillable().NonNegative().
			Annotations(oasfield.Min(0), oasfield.Hidden()).
			Comment("LLM spend limit of all the organization's agents per calendar month (time_zone), micro-USD; null = none"),
		field.Int64("daily_budget_micros").Optional().Nillable().NonNegative().
			Annotations(oasfield.Min(0), oasfield.Hidden()).
			Comment("LLM spend limit of all the organization's agents per calendar day (time_zone), micro-USD; null = none"),
		field.Int("budget_warn_percent").Default(80).Range(1, 100).Annotations(oasfield.Range(1, 100), oasfield.Hidden()).
			Comment("Share of an organization budget at which a warning event is written"),
	}
}

// Annotations of the Organization: its API shapes (see oasfield.Resource).
func (Organization) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "Organization", Create: "OrganizationCreateRequest", Update: "OrganizationUpdateRequest",
		Description: "An organization (tenant). Its LLM budgets are under /organizations/{org_id}/budget.",
	}}
}

// Edges of the Organization.
func (Organization) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("members", OrganizationMember.Type),
	}
}

// Indexes of the Organization.
func (Organization) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("slug").Unique().Annotations(entsql.IndexWhere("deleted_at IS NULL")),
	}
}

// Policy of the Organization.
func (Organization) Policy() ent.Policy { return rule.OrganizationPolicy() }
