package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// User is a person who signs in. Users are global; what they can see comes
// from their organization memberships and roles.
type User struct{ ent.Schema }

// Mixin of the User.
func (User) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("email").MaxLen(254).Match(emailRE).
			Annotations(oasfield.Format("email")).Comment("Stored lower-cased"),
		field.String("username").MaxLen(40).Match(usernameRE).Annotations(oasfield.Pattern(usernamePattern)),
		field.String("display_name").MaxLen(120).Optional(),
		field.String("password_hash").MaxLen(100).Sensitive().Comment("bcrypt"),
		field.Enum("status").Values("active", "invited", "suspended", "deactivated").Default("active"),
		field.Bool("is_superuser").Default(false).Comment("Platform-wide SUPER_ADMIN"),
		field.Time("email_verified_at").Optional().Nillable(),
		field.Int("failed_login_attempts").Default(0).NonNegative(),
		field.Time("locked_until").Optional().Nillable(),
		field.Time("last_login_at").Optional().Nillable(),
		field.String("last_login_ip").MaxLen(45).Optional(),
		field.Bool("mfa_enabled").Default(false),
		field.Bytes("mfa_secret").Optional().Sensitive().Comment("TOTP secret, AES-GCM encrypted"),
		field.Strings("recovery_codes").Optional().Sensitive().Comment("SHA-256 hashes of one-time MFA recovery codes"),
		field.Int64("mfa_last_used_step").Optional().Annotations(entoas.Skip(true)).Comment("Last accepted TOTP time step, to refuse replays"),
		field.Time("password_changed_at").Optional().Nillable(),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("memberships", OrganizationMember.Type),
		// Not a Through edge: ent gives an edge schema a unique index on
		// (user_id, role_id), which would stop a user from holding the same
		// system role (ADMIN, ...) in a second organization.
		edge.To("user_roles", UserRole.Type),
		edge.To("sessions", Session.Type),
	}
}

// Indexes of the User.
func (User) Indexes() []ent.Index {
	live := entsql.IndexWhere("deleted_at IS NULL")
	return []ent.Index{
		index.Fields("email").Unique().Annotations(live),
		index.Fields("username").Unique().Annotations(live),
	}
}

// Policy of the User.
func (User) Policy() ent.Policy { return rule.UserPolicy() }
