package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// SecurityAuditLog records security events (logins, lockouts, token reuse,
// permission changes, budget denials, prompt-injection findings). Like
// ActivityLog it is append-only and keeps plain ids.
type SecurityAuditLog struct{ ent.Schema }

// Mixin of the SecurityAuditLog.
func (SecurityAuditLog) Mixin() []ent.Mixin { return []ent.Mixin{AppendOnlyLogMixin{}} }

// Fields of the SecurityAuditLog.
func (SecurityAuditLog) Fields() []ent.Field {
	return []ent.Field{
		// The nil UUID for events outside any organization (oasfield.NilIsNull),
		// which is what a writer that names no organization gets.
		field.UUID("organization_id", uuidType).Immutable().Default(noOrganization).Annotations(oasfield.NilIsNull()).
			Comment("Null for events outside any organization (e.g. a failed login)"),
		field.String("event_type").MaxLen(100).Immutable().Comment(`e.g. "auth.login_failed", "auth.refresh_reuse"`),
		field.Enum("severity").Values("info", "warning", "critical").Default("info").Immutable(),
		field.UUID("user_id", uuidType).Optional().Nillable().Immutable().
			Comment("The account concerned, or the administrator who acted"),
		field.UUID("agent_id", uuidType).Optional().Nillable().Immutable(),
		field.String("ip").MaxLen(45).Optional().Immutable().Comment("Client IP address of the request; empty without one"),
		field.String("user_agent").MaxLen(512).Optional().Immutable(),
		field.String("request_id").MaxLen(128).Optional().Immutable().Comment("X-Request-ID of the request"),
		field.JSON("details", map[string]any{}).Optional().Immutable().Annotations(jsonObject()).
			Comment(`Event details (secrets replaced by "[REDACTED]")`),
	}
}

// Indexes of the SecurityAuditLog.
func (SecurityAuditLog) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "id"),
		index.Fields("user_id", "id"),
		index.Fields("event_type", "id"),
	}
}

// Policy of the SecurityAuditLog.
func (SecurityAuditLog) Policy() ent.Policy {
	return rule.AuditLogPolicy("security_log", "user_id", "agent_id")
}

// Annotations of the SecurityAuditLog: read through the audit feed only.
func (SecurityAuditLog) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.ReadOnly(true), oasfield.Resource{
		Read:        "SecurityEvent",
		Description: `One SecurityAuditLog row. Secrets in details are replaced by "[REDACTED]".`,
	}}
}
