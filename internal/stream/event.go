// Package stream is the real-time stream: chat changes written as events
// to a transactional outbox (StreamEvent rows, in the change's own
// transaction), announced to every replica (PostgreSQL LISTEN/NOTIFY, Redis
// pub/sub, or in process on SQLite) and served as server-sent events to the
// users allowed to see them, resumable with Last-Event-ID.
package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Event types.
const (
	MessagePosted   = "message.posted"
	MessageEdited   = "message.edited"
	MessageDeleted  = "message.deleted"
	ReactionAdded   = "reaction.added"
	ReactionRemoved = "reaction.removed"
	PinAdded        = "pin.added"
	PinRemoved      = "pin.removed"
	ReadMoved       = "read.moved"
	MemberAdded     = "member.added"
	MemberUpdated   = "member.updated"
	MemberRemoved   = "member.removed"
	// AccessChanged concerns one user (OnlyUser): their organizations,
	// account or sessions changed. It is not sent to clients: each of the
	// user's open streams re-authorizes on it (see sender.reauthorize) and
	// ends if the user may no longer stream.
	AccessChanged = "access.changed"
	// Resync tells a client that events after its Last-Event-ID were
	// pruned: reload state, then keep reading.
	Resync = "resync"
)

// channelName is the NOTIFY channel and the Redis pub/sub channel.
const channelName = "worksynapse_stream"

// advisoryKey serializes event writers on PostgreSQL (see Emit).
const advisoryKey = 0x5752_5354 // "WRST"

// Change is one event to record.
type Change struct {
	Type         string
	Organization uuid.UUID
	// Channel's readers receive the event (unless OnlyUser).
	Channel *uuid.UUID
	// User is the user the change concerns; they receive it too.
	User *uuid.UUID
	// OnlyUser restricts delivery to User's own streams (read pointers).
	OnlyUser bool
	// Payload is marshalled to JSON: ids and small fields, never secrets.
	Payload any
}

// Event is an event as delivered (the data line of the SSE frame).
type Event struct {
	ID             int64           `json:"id"`
	Type           string          `json:"type"`
	OrganizationID uuid.UUID       `json:"organization_id"`
	ChannelID      *uuid.UUID      `json:"channel_id,omitempty"`
	UserID         *uuid.UUID      `json:"user_id,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	Payload        json.RawMessage `json:"payload"`
	onlyUser       bool
}

func fromRow(r *ent.StreamEvent) Event {
	return Event{ID: r.ID, Type: r.Type, OrganizationID: r.OrganizationID, ChannelID: r.ChannelID,
		UserID: r.UserID, CreatedAt: r.CreatedAt, Payload: r.Payload, onlyUser: r.OnlyUser}
}

// Publisher records events and announces them. A nil *Publisher cannot
// be used; chat builds a default one (no Redis) when none is configured.
type Publisher struct {
	dialect string
	redis   *redis.Client
}

// NewPublisher announces through Redis when rdb is set, else through
// PostgreSQL NOTIFY, else (SQLite, one replica) in process.
func NewPublisher(dialectName string, rdb *redis.Client) *Publisher {
	return &Publisher{dialect: dialectName, redis: rdb}
}

// Emit writes the event in tx and arranges its announcement on commit.
// On PostgreSQL it first takes a transaction-scoped advisory lock: ids come
// from a sequence when the row is inserted, so without it a transaction
// could commit id 11 before another commits id 10, and a reader past 11
// would never see 10. Emit is the last statement of a chat change, so the
// lock is held only until the commit.
func (p *Publisher) Emit(ctx context.Context, tx *ent.Tx, c Change) error {
	payload, err := json.Marshal(c.Payload)
	if err != nil {
		return fmt.Errorf("stream: payload: %w", err)
	}
	if p.dialect == dialect.Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", advisoryKey); err != nil {
			return fmt.Errorf("stream: lock: %w", err)
		}
	}
	// Why a system context: the change itself passed the privacy rules;
	// the outbox row is derived from it and readable by system code only.
	sys := viewer.NewSystemContext(ctx, "stream: record a chat event")
	ev, err := tx.StreamEvent.Create().SetType(c.Type).SetOrganizationID(c.Organization).
		SetNillableChannelID(c.Channel).SetNillableUserID(c.User).SetOnlyUser(c.OnlyUser).
		SetPayload(payload).Save(sys)
	if err != nil {
		return fmt.Errorf("stream: record event: %w", err)
	}
	return p.announce(ctx, tx, ev.ID)
}

// AccessChanged tells user's open streams, in tx, to re-authorize: one
// event per organization the user belongs to, since streams receive the
// events of their organizations. Identity calls it when an account is
// deactivated (its streams then end).
func (p *Publisher) AccessChanged(ctx context.Context, tx *ent.Tx, user uuid.UUID, reason string) error {
	// Why a system context: the change passed the privacy rules; this only
	// finds where to announce it.
	sys := viewer.NewSystemContext(ctx, "stream: announce an access change")
	ms, err := tx.OrganizationMember.Query().Where(organizationmember.UserID(user)).All(sys)
	if err != nil {
		return fmt.Errorf("stream: the user's organizations: %w", err)
	}
	orgs := make([]uuid.UUID, len(ms))
	for i, m := range ms {
		orgs[i] = m.OrganizationID
	}
	slices.SortFunc(orgs, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	for _, org := range slices.Compact(orgs) {
		if err := p.Emit(ctx, tx, Change{Type: AccessChanged, Organization: org, User: &user,
			OnlyUser: true, Payload: map[string]string{"reason": reason}}); err != nil {
			return err
		}
	}
	return nil
}

// announce: NOTIFY is transactional (delivered on commit, dropped on
// rollback); Redis and the in-process notifier are told after commit.
func (p *Publisher) announce(ctx context.Context, tx *ent.Tx, id int64) error {
	if p.redis == nil && p.dialect == dialect.Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_notify($1, $2)", channelName, strconv.FormatInt(id, 10)); err != nil {
			return fmt.Errorf("stream: notify: %w", err)
		}
		return nil
	}
	rdb := p.redis
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			if err := next.Commit(ctx, tx); err != nil {
				return err
			}
			if rdb != nil {
				// Best effort: a lost publish is caught by the hubs' poll.
				_ = rdb.Publish(context.WithoutCancel(ctx), channelName, id).Err()
			} else {
				local.publish()
			}
			return nil
		})
	})
	return nil
}
