package schema

import (
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

// ActivityLog is the append-only audit trail of every business change.
// It holds plain ids rather than foreign keys: audit rows must outlive the
// rows they describe. The one exception is project_id, the project of a
// row about a project-scoped resource, which the privacy rule joins to
// show the row only to whoever may read the project; projects are only
// ever soft-deleted, and its foreign key takes no action on delete, so a
// sealed row is never rewritten by the database.
type ActivityLog struct{ ent.Schema }

// Mixin of the ActivityLog.
func (ActivityLog) Mixin() []ent.Mixin { return []ent.Mixin{AppendOnlyLogMixin{}} }

// Fields of the ActivityLog.
func (ActivityLog) Fields() []ent.Field {
	return []ent.Field{
		// The nil UUID for changes outside any organization (oasfield.NilIsNull),
		// which is what a writer that names no organization gets.
		field.UUID("organization_id", uuidType).Immutable().Default(noOrganization).Annotations(oasfield.NilIsNull()).
			Comment("Null for changes outside any organization (e.g. a user's own account)"),
		field.Enum("actor_type").Values("user", "agent", "service", "system").Immutable(),
		field.UUID("actor_user_id", uuidType).Optional().Nillable().Immutable(),
		field.UUID("actor_agent_id", uuidType).Optional().Nillable().Immutable(),
		field.Enum("activity_type").Values("create", "update", "delete", "purge", "custom").Immutable(),
		field.String("action").MaxLen(100).Immutable().Comment(`e.g. "task.status_change"`),
		field.String("resource_type").MaxLen(64).Immutable().Comment(`The entity changed, e.g. "Task" or "Project"`),
		field.UUID("resource_id", uuidType).Immutable(),
		field.JSON("old_values", map[string]any{}).Optional().Immutable().Annotations(jsonObject()).
			Comment(`Values of the changed fields before the change (secrets replaced by "[REDACTED]"); empty on create`),
		field.JSON("new_values", map[string]any{}).Optional().Immutable().Annotations(jsonObject()).
			Comment(`Values of the changed fields after the change (secrets replaced by "[REDACTED]"); empty on delete`),
		field.String("ip").MaxLen(45).Optional().Immutable().Comment("Client IP address of the request; empty without one"),
		field.String("user_agent").MaxLen(512).Optional().Immutable(),
		field.String("request_id").MaxLen(128).Optional().Immutable().Comment("X-Request-ID of the request that made the change"),
		field.UUID("project_id", uuidType).Optional().Nillable().Immutable().
			Comment("Project of the resource when it is project-scoped (set by the audit hook); bounds who reads the row"),
	}
}

// Edges of the ActivityLog: the project bounds who may read a row (see
// rule.ProjectBound).
func (ActivityLog) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("project", Project.Type).Field("project_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.NoAction)),
	}
}

// Indexes of the ActivityLog: the feeds filter by resource, organization
// and actor, newest first (ids are time-ordered UUIDv7).
func (ActivityLog) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("resource_type", "resource_id", "id"),
		index.Fields("organization_id", "id"),
		index.Fields("actor_user_id", "id"),
		index.Fields("project_id", "id"),
	}
}

// Policy of the ActivityLog.
func (ActivityLog) Policy() ent.Policy {
	return rule.ActivityLogPolicy()
}

// Annotations of the ActivityLog: read through the audit feeds only.
// Auditors see whole rows (AuditActivityEntry); the project and task
// activity feeds (ActivityEntry) leave out where and how the request came
// from, which is for security reviewers, not project members.
func (ActivityLog) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.ReadOnly(true), oasfield.Resource{
		Read:        "AuditActivityEntry",
		Description: `One ActivityLog row. Secrets in old and new values are replaced by "[REDACTED]".`,
		Views: []oasfield.View{{
			Name: "ActivityEntry",
			Omit: []string{"organization_id", "ip", "user_agent", "request_id", "project_id"},
		}},
	}}
}

// jsonObject is the OpenAPI schema of a free-form JSON object field (entoas
// cannot derive one from map[string]any).
func jsonObject() entoas.Annotation {
	return entoas.Schema(&ogen.Schema{
		Type:                 "object",
		AdditionalProperties: &ogen.AdditionalProperties{Schema: ogen.Schema{}},
	})
}
