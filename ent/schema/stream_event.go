package schema

import (
	"encoding/json"
	"time"

	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/ogen-go/ogen"

	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// StreamEvent is the transactional outbox of the real-time stream: one row
// per chat change, written in the change's transaction, read by every
// replica's stream hub. The id is an auto-incrementing integer (identity
// on PostgreSQL, AUTOINCREMENT on SQLite) because it is the SSE event id a
// client resumes from; writers serialize on an advisory lock so ids also
// commit in order (see internal/stream). Events are derived data, so they
// are neither audited nor soft-deleted; PruneEvents deletes old ones.
type StreamEvent struct{ ent.Schema }

// Fields of the StreamEvent.
func (StreamEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("id").Immutable(),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.UUID("organization_id", uuidType).Immutable(),
		field.UUID("channel_id", uuidType).Optional().Nillable().Immutable().
			Comment("Readers of this channel receive the event (unless only_user)"),
		field.UUID("user_id", uuidType).Optional().Nillable().Immutable().
			Comment("The user the event concerns (read pointer owner, member added or removed); they receive it too"),
		field.Bool("only_user").Default(false).Immutable().
			Comment("Deliver to user_id's streams only (read pointer moves)"),
		field.String("type").MaxLen(64).Immutable(),
		field.JSON("payload", json.RawMessage{}).Immutable().
			Annotations(entoas.Schema(&ogen.Schema{Type: "object"})), // never exposed (see Annotations)
	}
}

// Indexes of the StreamEvent.
func (StreamEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "id"),
		index.Fields("created_at"),
	}
}

// Policy of the StreamEvent: only system code writes and reads events; the
// stream checks each recipient's access to the channel itself.
func (StreamEvent) Policy() ent.Policy { return systemOnlyPolicy() }

// Annotations of the StreamEvent: served by GET /stream, not by entoas.
func (StreamEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.Skip(true)}
}

// StreamTicket is a single-use credential, valid for a minute, that opens
// one event stream: browsers' EventSource cannot send an Authorization
// header, and a bearer token in a URL would end up in access logs. Only
// its hash is stored; any replica can redeem it.
type StreamTicket struct{ ent.Schema }

// Mixin of the StreamTicket.
func (StreamTicket) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }

// Fields of the StreamTicket.
func (StreamTicket) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable(),
		field.UUID("user_id", uuidType).Immutable(),
		field.UUID("session_id", uuidType).Optional().Nillable().Immutable(),
		field.String("token_hash").MaxLen(64).Sensitive().Immutable(),
		field.Time("expires_at").Immutable(),
		field.Time("used_at").Optional().Nillable(),
	}
}

// Indexes of the StreamTicket.
func (StreamTicket) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("token_hash").Unique(),
		index.Fields("expires_at"),
	}
}

// Policy of the StreamTicket: issued and redeemed by system code only.
func (StreamTicket) Policy() ent.Policy { return systemOnlyPolicy() }

// Annotations of the StreamTicket: never exposed through entoas.
func (StreamTicket) Annotations() []schema.Annotation {
	return []schema.Annotation{entoas.Skip(true)}
}

// systemOnlyPolicy lets system contexts (which say why) read and write.
func systemOnlyPolicy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{rule.AllowIfSystem(), rule.DenyAlways()},
		Mutation: privacy.MutationPolicy{rule.AllowIfSystem(), rule.DenyAlways()},
	}
}
