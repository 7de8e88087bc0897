package schema

import (
	"time"

	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
)

// newID returns a UUIDv7: time-ordered (index friendly) and not guessable.
func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// IDMixin gives an entity a UUIDv7 primary key that clients cannot choose.
type IDMixin struct{ mixin.Schema }

// Fields of the IDMixin.
func (IDMixin) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(newID).Immutable(),
	}
}

// TimeMixin records when a row was created and last updated.
type TimeMixin struct{ mixin.Schema }

// Fields of the TimeMixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now),
	}
}

// uuidType is the Go type of every id and foreign key.
var uuidType = uuid.UUID{}

// noOrganization is the organization_id of a row outside any organization
// (oasfield.NilIsNull).
func noOrganization() uuid.UUID { return uuid.Nil }

// TenantMixin scopes a row to one organization. The foreign key is
// immutable: rows never move between tenants, so a tenant check made on
// create holds for the row's whole life.
type TenantMixin struct{ mixin.Schema }

// Fields of the TenantMixin.
func (TenantMixin) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("organization_id", uuidType).Immutable(),
	}
}

// Edges of the TenantMixin: one-way, so Organization does not grow a
// back-edge (and API sub-resources) for every tenant-scoped entity.
func (TenantMixin) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("organization", Organization.Type).Field("organization_id").
			Unique().Required().Immutable(),
	}
}

// Indexes of the TenantMixin.
func (TenantMixin) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id")}
}

// VersionMixin gives an entity that clients edit concurrently an integer
// version for optimistic concurrency (internal/occ): every change a client
// makes increments it, and PATCH requires the version the client read in
// If-Match, so of two clients that read the same version only the first
// write wins and the other gets 412 with nothing changed.
type VersionMixin struct{ mixin.Schema }

// Fields of the VersionMixin.
func (VersionMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Int("version").Default(1).Min(1).Annotations(oasfield.Min(1), entoas.ReadOnly(true)).
			Comment("Optimistic concurrency: incremented by every change; PATCH requires it in If-Match " +
				"(the ETag, e.g. \"3\"), and a stale one is 412"),
	}
}

// AppendOnlyLogMixin is what every log shares (ActivityLog,
// SecurityAuditLog, LoginHistory): a time-ordered id and the instant the
// row was written, indexed for time-range reads and exports. All their
// fields are immutable, so a row is never updated; only retention removes
// rows.
type AppendOnlyLogMixin struct{ mixin.Schema }

// Fields of the AppendOnlyLogMixin.
func (AppendOnlyLogMixin) Fields() []ent.Field {
	return append(IDMixin{}.Fields(), field.Time("created_at").Default(time.Now).Immutable())
}

// Indexes of the AppendOnlyLogMixin.
func (AppendOnlyLogMixin) Indexes() []ent.Index {
	return []ent.Index{index.Fields("created_at")}
}

// VersionRowMixin is what every saved version of an entity shares
// (AgentConfigVersion, NoteVersion): when it was saved, the entity it is a
// version of, and its number, once per entity. A version is a snapshot:
// every field is immutable.
type VersionRowMixin struct {
	mixin.Schema
	// Of names the versioned entity ("note": column note_id, edge note)
	// and OfType is its schema's Type method.
	Of     string
	OfType any
	// NumberComment documents the version number in the contract.
	NumberComment string
}

// Fields of the VersionRowMixin.
func (v VersionRowMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable(),
		field.UUID(v.Of+"_id", uuidType).Immutable(),
		field.Int("version").Min(1).Immutable().Annotations(oasfield.Min(1)).Comment(v.NumberComment),
	}
}

// Edges of the VersionRowMixin.
func (v VersionRowMixin) Edges() []ent.Edge {
	return []ent.Edge{edge.To(v.Of, v.OfType).Field(v.Of + "_id").Unique().Required().Immutable()}
}

// Indexes of the VersionRowMixin: a number exists once per entity, and the
// same index serves the history list.
func (v VersionRowMixin) Indexes() []ent.Index {
	return []ent.Index{index.Fields(v.Of+"_id", "version").Unique()}
}
