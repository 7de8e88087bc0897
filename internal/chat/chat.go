// Package chat is the chat domain: channels (public, private, direct,
// project) with their members, messages with threads, mentions,
// reactions, pins and files, read pointers with unread counts, scrollback
// and search. Every operation runs as the viewer, so the privacy rules of
// internal/chat/chatrule decide what exists for whom (a private channel a
// caller is not in is "not found") and the audit hook records each change;
// system contexts are used only where noted, with the reason.
package chat

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/channel"
	"github.com/worksynapse/worksynapse/ent/message"
	"github.com/worksynapse/worksynapse/ent/project"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/softdelete"
	"github.com/worksynapse/worksynapse/internal/storage"
	"github.com/worksynapse/worksynapse/internal/stream"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Options configure the service (config section chat, plus storage).
type Options struct {
	// MaxMessageLength caps a body in characters (chat.max_message_length).
	MaxMessageLength int
	// FileContentTypes is the allowlist of sniffed media types.
	FileContentTypes []string
	// Files stores message files; MaxUploadBytes caps one.
	Files          storage.Storage
	MaxUploadBytes int64
	// Events records each change for the real-time stream; nil uses the
	// dialect's default announcement (NOTIFY, or in process on SQLite).
	Events *stream.Publisher
}

// Service implements the chat operations.
type Service struct {
	client  *ent.Client
	dialect string
	opts    Options
	now     func() time.Time
}

// New returns the service on client (dialect is the database's).
func New(client *ent.Client, dialect string, opts Options) *Service {
	if opts.MaxMessageLength <= 0 {
		opts.MaxMessageLength = 16000
	}
	if opts.Events == nil {
		opts.Events = stream.NewPublisher(dialect, nil)
	}
	return &Service{client: client, dialect: dialect, opts: opts, now: time.Now}
}

// me is the calling user; agents and services have none and cannot chat
// yet (403).
func me(ctx context.Context) (uuid.UUID, error) {
	v := viewer.FromContext(ctx)
	if v == nil || v.UserID == uuid.Nil {
		return uuid.Nil, problem.Forbidden("chat needs a user")
	}
	return v.UserID, nil
}

// inOrg fails with 404 unless the viewer belongs to organization org.
func inOrg(ctx context.Context, org uuid.UUID) error {
	v := viewer.FromContext(ctx)
	if v == nil || !(v.IsMember(org) || v.Superuser || v.IsSystem()) {
		return rule.OrganizationNotFound()
	}
	return nil
}

// Lock order of chat writes. Every write that changes a channel's
// messages locks, before changing anything, the rows it will change in one
// order: the channel, then the thread root, then the message itself (then
// the stream's advisory lock, taken by emit as the last statement). Posting
// a reply used to lock channel then root while deleting a root locked root
// (its own UPDATE) then channel, and PostgreSQL broke the cycle by failing
// one of them (40P01). writable takes the first lock, lockMessage the
// others. NO KEY UPDATE is the lock the later UPDATEs take anyway and does
// not block the foreign-key checks of inserts referencing the row
// (messages, reactions, members). SQLite runs one write transaction at a
// time and needs none.
func forWrite(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.For(sql.LockNoKeyUpdate)
	}
}

// writable locks a visible channel in tx (first in the lock order) and
// refuses archived ones: an archived channel is read-only.
func writable(ctx context.Context, tx *ent.Tx, id uuid.UUID) (*ent.Channel, error) {
	ch, err := tx.Channel.Query().Where(channel.ID(id)).Modify(forWrite).Only(ctx)
	if err != nil {
		return nil, err
	}
	if ch.ArchivedAt != nil {
		return nil, problem.Conflict("the channel is archived and read-only; unarchive it first")
	}
	return ch, projectOpen(ctx, tx, ch)
}

// projectOpen refuses a project channel whose project is archived or
// deleted: the channel is part of the project and read-only with it, as
// the rest of an archived project is. It is checked by writable, the gate
// of every write to a channel and its messages, and by unarchiving, so no
// route reopens it while the project is closed.
func projectOpen(ctx context.Context, tx *ent.Tx, ch *ent.Channel) error {
	if ch.ProjectID == nil {
		return nil
	}
	// Why a system context: the project's state decides, whether or not
	// the writer may read the project (a deleted one nobody may).
	sys := softdelete.Skip(viewer.NewSystemContext(ctx, "chat: state of a channel's project"))
	p, err := tx.Project.Get(sys, *ch.ProjectID)
	switch {
	case ent.IsNotFound(err) || err == nil && p.DeletedAt != nil:
		return problem.Conflict("the channel's project was deleted; its channel is read-only")
	case err != nil:
		return fmt.Errorf("chat: load the channel's project: %w", err)
	case p.Status == project.StatusArchived:
		return problem.Conflict("the project is archived; its channel is read-only until the project is unarchived")
	}
	return nil
}

// ArchiveProjectChannel archives the channel of a project being deleted
// in tx (if it has one), so lists show it as what it now is.
func (s *Service) ArchiveProjectChannel(ctx context.Context, tx *ent.Tx, projectID uuid.UUID) error {
	// Why a system context: the project's deletion passed its own rules;
	// the channel follows it whatever the deleter's channel role.
	sys := viewer.NewSystemContext(ctx, "chat: a deleted project's channel is archived with it")
	_, err := tx.Channel.Update().Where(channel.ProjectID(projectID), channel.TypeEQ(channel.TypeProject),
		channel.ArchivedAtIsNil()).SetArchivedAt(s.now()).Save(sys)
	if err != nil {
		return fmt.Errorf("chat: archive the project's channel: %w", err)
	}
	return nil
}

// lockMessage locks a visible message in tx and returns it as it is now:
// after the channel, a thread root before its replies.
func lockMessage(ctx context.Context, tx *ent.Tx, id uuid.UUID) (*ent.Message, error) {
	return tx.Message.Query().Where(message.ID(id)).Modify(forWrite).Only(ctx)
}

// exec runs a builder statement in tx. It is used for the rollups the
// server maintains (counters, last activity, has_files): derived data, so
// it bypasses the audit hook (no user changed anything) and increments in
// SQL so concurrent posts never lose a count.
func exec(ctx context.Context, tx *ent.Tx, q sql.Querier) error {
	query, args := q.Query()
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("chat: update rollups: %w", err)
	}
	return nil
}

// nextSeq counts a new message in a channel's rollups (message count,
// last activity at) and returns the message's seq: the channel's next
// last_seq, taken in the same UPDATE, so two posts never share one.
func (s *Service) nextSeq(ctx context.Context, tx *ent.Tx, id uuid.UUID, at time.Time) (int64, error) {
	query, args := sql.Dialect(s.dialect).Update(channel.Table).
		Add(channel.FieldMessageCount, 1).Add(channel.FieldLastSeq, 1).Set(channel.FieldLastMessageAt, at).
		Where(sql.EQ(channel.FieldID, id)).Returning(channel.FieldLastSeq).Query()
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("chat: update rollups: %w", err)
	}
	defer rows.Close()
	var seq int64
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("chat: update rollups: %w", err)
		}
		return 0, fmt.Errorf("chat: update rollups: channel %s not found", id)
	}
	if err := rows.Scan(&seq); err != nil {
		return 0, fmt.Errorf("chat: read message seq: %w", err)
	}
	return seq, rows.Close()
}

// uncount takes a deleted message out of its channel's message count.
// last_seq stays: seqs are positions, and the unread counts subtract
// deleted messages after a pointer themselves.
func (s *Service) uncount(ctx context.Context, tx *ent.Tx, id uuid.UUID) error {
	return exec(ctx, tx, sql.Dialect(s.dialect).Update(channel.Table).Add(channel.FieldMessageCount, -1).
		Where(sql.And(sql.EQ(channel.FieldID, id), sql.GT(channel.FieldMessageCount, 0))))
}

// emit records a change for the real-time stream (internal/stream) in tx,
// so the event commits or rolls back with the change. about is the user
// the change concerns (they receive it even without reading the channel);
// a read-pointer move goes to that user's streams only.
func (s *Service) emit(ctx context.Context, tx *ent.Tx, typ string, org, ch uuid.UUID, about *uuid.UUID, payload any) error {
	return s.opts.Events.Emit(ctx, tx, stream.Change{Type: typ, Organization: org, Channel: &ch, User: about,
		OnlyUser: typ == stream.ReadMoved, Payload: payload})
}

// messageEvent is the payload of message events.
type messageEvent struct {
	MessageID uuid.UUID  `json:"message_id"`
	AuthorID  *uuid.UUID `json:"author_id,omitempty"`
	// AuthorAgentID is set instead of AuthorID for an agent's message.
	AuthorAgentID *uuid.UUID `json:"author_agent_id,omitempty"`
	RootID        *uuid.UUID `json:"root_id,omitempty"`
	Body          string     `json:"body,omitempty"`
}

func messagePayload(m *ent.Message) messageEvent {
	return messageEvent{MessageID: m.ID, AuthorID: m.AuthorID, AuthorAgentID: m.AuthorAgentID, RootID: m.RootID, Body: m.Body}
}

// memberEvent is the payload of membership events.
type memberEvent struct {
	UserID uuid.UUID `json:"user_id"`
	Role   string    `json:"role,omitempty"`
}

// reactionEvent is the payload of reaction and pin events.
type reactionEvent struct {
	MessageID uuid.UUID `json:"message_id"`
	UserID    uuid.UUID `json:"user_id"`
	Emoji     string    `json:"emoji,omitempty"`
}
