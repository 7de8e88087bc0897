package schema

import (
	"time"

	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// AuditSeal makes tampering with the audit tables detectable (like
// CloudTrail digest files): each seal hashes the next id-ordered range of
// ActivityLog or SecurityAuditLog rows, chains to the previous seal of the
// same table and is signed with an Ed25519 key, so a verifier holding the
// public keys can prove rows were not changed, removed or inserted after
// sealing. Audit rows span organizations, so seals are not tenant-scoped.
type AuditSeal struct{ ent.Schema }

// Mixin of the AuditSeal.
func (AuditSeal) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }

// Fields of the AuditSeal.
func (AuditSeal) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Enum("log_table").Values("activity_log", "security_audit_log").Immutable().
			Comment("Audit table whose rows are sealed (each table has its own chain)"),
		field.Int64("seq").Positive().Annotations(oasfield.Min(1)).Immutable().
			Comment("Position in the table's chain, from 1 without gaps"),
		field.UUID("first_row_id", uuidType).Immutable().Comment("Id of the first sealed row (inclusive)"),
		field.UUID("last_row_id", uuidType).Immutable().Comment("Id of the last sealed row (inclusive)"),
		field.Int("row_count").Positive().Annotations(oasfield.Min(1)).Immutable().
			Comment("Number of rows with first_row_id <= id <= last_row_id"),
		field.String("rows_hash").MaxLen(64).Match(sha256HexRE).
			Annotations(oasfield.Pattern(sha256HexPattern)).Immutable().
			Comment("Hex SHA-256 over the canonical encoding of the sealed rows in id order"),
		field.String("prev_seal_hash").MaxLen(64).Optional().Nillable().Match(sha256HexRE).
			Annotations(oasfield.Pattern(sha256HexPattern)).Immutable().
			Comment("seal_hash of seal seq-1 of the same table; null for seq 1"),
		field.String("seal_hash").MaxLen(64).Match(sha256HexRE).
			Annotations(oasfield.Pattern(sha256HexPattern)).Immutable().
			Comment("Hex SHA-256 over the canonical encoding of all fields except seal_hash, signature and key_id"),
		field.String("signature").MaxLen(128).Match(ed25519HexRE).
			Annotations(oasfield.Pattern(ed25519HexPattern)).Immutable().
			Comment("Hex Ed25519 signature of seal_hash"),
		field.String("key_id").MaxLen(128).Match(opaqueIDRE).
			Annotations(oasfield.Pattern(opaqueIDPattern)).Immutable().
			Comment("Which signing key made the signature (keys rotate; old public keys stay published)"),
	}
}

// Indexes of the AuditSeal: one chain per table, walked by seq.
func (AuditSeal) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("log_table", "seq").Unique(),
	}
}

// Policy of the AuditSeal.
func (AuditSeal) Policy() ent.Policy { return rule.SealPolicy() }

// Annotations of the AuditSeal: read by verification tooling only.
func (AuditSeal) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.ReadOnly(true)}
}
