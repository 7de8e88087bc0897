package chat

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/message"
	"github.com/worksynapse/worksynapse/ent/messagemention"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/predicate"
	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/stream"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// mentionRE finds @name tokens not preceded by a word character (so
// e-mail addresses are no mentions); names follow the username pattern.
var mentionRE = regexp.MustCompile(`(?:^|[^\w@.])@([A-Za-z0-9][A-Za-z0-9._-]{0,38}[A-Za-z0-9]|[A-Za-z0-9])`)

// channelWords mention everyone in the channel, as in Mattermost.
var channelWords = map[string]bool{"channel": true, "here": true, "all": true}

// maxMentions bounds how many distinct @names one message resolves.
const maxMentions = 50

// mentions parses body's @mentions: lower-cased usernames and whether the
// channel as a whole is mentioned.
func mentions(body string) (names []string, channel bool) {
	seen := map[string]bool{}
	for _, m := range mentionRE.FindAllStringSubmatch(body, -1) {
		name := strings.ToLower(strings.TrimRight(m[1], "._-"))
		switch {
		case channelWords[name]:
			channel = true
		case !seen[name] && len(names) < maxMentions:
			seen[name] = true
			names = append(names, name)
		}
	}
	return names, channel
}

// resolveMentions maps usernames to the users of org they name (others
// are plain text).
func resolveMentions(ctx context.Context, tx *ent.Tx, org uuid.UUID, names []string) ([]uuid.UUID, error) {
	if len(names) == 0 {
		return []uuid.UUID{}, nil
	}
	preds := make([]predicate.User, len(names))
	for i, n := range names {
		preds[i] = user.UsernameEqualFold(n)
	}
	// Why a system context: a mention resolves against the organization's
	// members whatever the author may list; only ids are stored.
	sys := viewer.NewSystemContext(ctx, "chat: resolve @mentions to organization members")
	return tx.User.Query().Where(user.Or(preds...),
		user.HasMembershipsWith(organizationmember.OrganizationID(org))).IDs(sys)
}

// checkBody enforces the configured length (in characters) and refuses a
// blank message.
func (s *Service) checkBody(body string) error {
	if strings.TrimSpace(body) == "" {
		return problem.Validation("the message is empty", problem.FieldError{Field: "body", Message: "must not be blank"})
	}
	if n := utf8.RuneCountInString(body); n > s.opts.MaxMessageLength {
		return problem.Validation("the message is too long", problem.FieldError{Field: "body",
			Message: fmt.Sprintf("%d characters, at most %d allowed", n, s.opts.MaxMessageLength)})
	}
	return nil
}

// writeMentions replaces the mention rows of message m (none: users is
// empty, as for a deleted message).
func writeMentions(ctx context.Context, tx *ent.Tx, m *ent.Message, users []uuid.UUID) error {
	// Why a system context: mention rows are an index derived from a body
	// whose write (or deletion) the privacy rules have just allowed.
	sys := viewer.NewSystemContext(ctx, "chat: index the mentions of a message")
	if _, err := tx.MessageMention.Delete().Where(messagemention.MessageID(m.ID)).Exec(sys); err != nil {
		return fmt.Errorf("chat: clear mentions: %w", err)
	}
	if len(users) == 0 {
		return nil
	}
	bulk := make([]*ent.MessageMentionCreate, len(users))
	for i, u := range users {
		bulk[i] = tx.MessageMention.Create().SetOrganizationID(m.OrganizationID).SetMessageID(m.ID).
			SetChannelID(m.ChannelID).SetUserID(u).SetMessageSeq(m.Seq).
			SetOwnMessage(m.AuthorID != nil && *m.AuthorID == u)
	}
	return tx.MessageMention.CreateBulk(bulk...).Exec(sys)
}

// Post writes a message (a thread reply when rootID is set) to a channel
// the viewer belongs to, or, for an agent key, as the agent (the privacy
// rules decide which channels an agent may write to).
func (s *Service) Post(ctx context.Context, chID uuid.UUID, body string, rootID *uuid.UUID) (*View, error) {
	setAuthor, err := author(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkBody(body); err != nil {
		return nil, err
	}
	m, err := database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.Message, error) {
		ch, err := writable(ctx, tx, chID)
		if err != nil {
			return nil, err
		}
		if rootID != nil {
			if err := checkRoot(ctx, tx, chID, *rootID); err != nil {
				return nil, err
			}
		}
		names, all := mentions(body)
		users, err := resolveMentions(ctx, tx, ch.OrganizationID, names)
		if err != nil {
			return nil, err
		}
		// The channel's row lock, taken by the bump, is held from here to
		// the commit: concurrent posts to one channel get their seq and
		// their (time-ordered) id in the same order.
		now := s.now()
		seq, err := s.nextSeq(ctx, tx, chID, now)
		if err != nil {
			return nil, err
		}
		m, err := setAuthor(tx.Message.Create()).SetOrganizationID(ch.OrganizationID).SetChannelID(chID).
			SetSeq(seq).SetCreatedAt(now).SetUpdatedAt(now).
			SetBody(body).SetNillableRootID(rootID).SetMentionedUserIds(users).SetMentionsChannel(all).Save(ctx)
		if err != nil {
			return nil, err
		}
		if err := writeMentions(ctx, tx, m, users); err != nil {
			return nil, err
		}
		if rootID != nil {
			if err := s.bumpThread(ctx, tx, *rootID, 1, &m.CreatedAt); err != nil {
				return nil, err
			}
		}
		return m, s.emit(ctx, tx, stream.MessagePosted, m.OrganizationID, chID, nil, messagePayload(m))
	})
	if err != nil {
		return nil, err
	}
	return s.view(ctx, m)
}

// author returns how a post records its author: the viewer's user, or
// its agent when the request uses an agent key (author_id stays empty).
func author(ctx context.Context) (func(*ent.MessageCreate) *ent.MessageCreate, error) {
	if v := viewer.FromContext(ctx); v != nil && v.AgentID != uuid.Nil {
		return func(c *ent.MessageCreate) *ent.MessageCreate { return c.SetAuthorAgentID(v.AgentID) }, nil
	}
	uid, err := me(ctx)
	if err != nil {
		return nil, err
	}
	return func(c *ent.MessageCreate) *ent.MessageCreate { return c.SetAuthorID(uid) }, nil
}

// checkRoot requires a live top-level message of the channel: threads
// are flat, replies always point to the root. It locks the root (after
// the channel, see forWrite), so a concurrent deletion of the root either
// commits first (then this is a 422) or waits for the reply.
func checkRoot(ctx context.Context, tx *ent.Tx, chID, rootID uuid.UUID) error {
	root, err := lockMessage(ctx, tx, rootID)
	if ent.IsNotFound(err) {
		return problem.Validation("no such thread", problem.FieldError{Field: "root_id", Message: "not a message of this channel"})
	}
	if err != nil {
		return err
	}
	if root.ChannelID != chID {
		return problem.Validation("no such thread", problem.FieldError{Field: "root_id", Message: "not a message of this channel"})
	}
	if root.RootID != nil {
		return problem.Validation("replies go to the thread's root", problem.FieldError{Field: "root_id", Message: "is itself a reply; use its root_id"})
	}
	return nil
}

// bumpThread adds delta replies to a root's rollups. A reply moves its
// last reply time to at; a deleted reply sets it back to the newest
// remaining reply's (NULL when none is left).
func (s *Service) bumpThread(ctx context.Context, tx *ent.Tx, rootID uuid.UUID, delta int, at *time.Time) error {
	u := sql.Dialect(s.dialect).Update(message.Table).Add(message.FieldReplyCount, delta).
		Where(sql.EQ(message.FieldID, rootID))
	if delta < 0 {
		u.Where(sql.GT(message.FieldReplyCount, 0))
		u.Set(message.FieldLastReplyAt, sql.ExprFunc(func(b *sql.Builder) {
			b.WriteString("(SELECT MAX(r." + message.FieldCreatedAt + ") FROM " + message.Table + " r WHERE r." +
				message.FieldRootID + " = ").Arg(rootID).WriteString(" AND r." + message.FieldDeletedAt + " IS NULL)")
		}))
	}
	if at != nil {
		u.Set(message.FieldLastReplyAt, *at)
	}
	return exec(ctx, tx, u)
}

// Edit replaces a message's body (author only); mentions are parsed again.
func (s *Service) Edit(ctx context.Context, id uuid.UUID, body string) (*View, error) {
	if err := s.checkBody(body); err != nil {
		return nil, err
	}
	m, err := database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.Message, error) {
		old, err := tx.Message.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if _, err := writable(ctx, tx, old.ChannelID); err != nil {
			return nil, err
		}
		names, all := mentions(body)
		users, err := resolveMentions(ctx, tx, old.OrganizationID, names)
		if err != nil {
			return nil, err
		}
		m, err := tx.Message.UpdateOneID(id).SetBody(body).SetEditedAt(s.now()).
			SetMentionedUserIds(users).SetMentionsChannel(all).Save(ctx)
		if err != nil {
			return nil, rule.DeniedIfFiltered(err, "chat")
		}
		if err := writeMentions(ctx, tx, m, users); err != nil {
			return nil, err
		}
		return m, s.emit(ctx, tx, stream.MessageEdited, m.OrganizationID, m.ChannelID, nil, messagePayload(m))
	})
	if err != nil {
		return nil, err
	}
	return s.view(ctx, m)
}

// Delete soft-deletes a message. A thread root with replies stays visible
// as a deleted placeholder (see Scrollback); its replies remain.
func (s *Service) Delete(ctx context.Context, id uuid.UUID) error {
	_, err := database.InTx(ctx, s.client, func(tx *ent.Tx) (struct{}, error) {
		m, err := s.lockForDelete(ctx, tx, id)
		if err != nil {
			return struct{}{}, err
		}
		if err := tx.Message.DeleteOneID(id).Exec(ctx); err != nil {
			return struct{}{}, rule.DeniedIfFiltered(err, "chat")
		}
		// A deleted message mentions nobody any more: its rows go, so the
		// unread mention counts need not look at the message.
		if err := writeMentions(ctx, tx, m, nil); err != nil {
			return struct{}{}, err
		}
		if err := s.uncount(ctx, tx, m.ChannelID); err != nil {
			return struct{}{}, err
		}
		if m.RootID != nil {
			if err := s.bumpThread(ctx, tx, *m.RootID, -1, nil); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, s.emit(ctx, tx, stream.MessageDeleted, m.OrganizationID, m.ChannelID, nil,
			messageEvent{MessageID: m.ID, AuthorID: m.AuthorID, RootID: m.RootID})
	})
	return err
}

// lockForDelete locks what deleting message id changes in the lock order
// (see forWrite): its channel, its thread's root if it is a reply, then the
// message, returned as it is once locked (a concurrent deletion is a 404).
func (s *Service) lockForDelete(ctx context.Context, tx *ent.Tx, id uuid.UUID) (*ent.Message, error) {
	m, err := tx.Message.Get(ctx, id) // only to learn where it is: nothing is locked yet
	if err != nil {
		return nil, err
	}
	if _, err := writable(ctx, tx, m.ChannelID); err != nil {
		return nil, err
	}
	if m.RootID != nil {
		// The root may itself be deleted (a placeholder): still its row.
		_, err := tx.Message.Query().Where(message.ID(*m.RootID)).Modify(forWrite).Only(withDeleted(ctx))
		if err != nil && !ent.IsNotFound(err) {
			return nil, fmt.Errorf("chat: lock thread root: %w", err)
		}
	}
	return lockMessage(ctx, tx, id)
}

// Message returns a visible message with its reactions and files.
func (s *Service) Message(ctx context.Context, id uuid.UUID) (*View, error) {
	m, err := s.client.Message.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, m)
}

// Thread pages through the replies of a visible top-level message, oldest
// first. A deleted root still lists its replies.
func (s *Service) Thread(ctx context.Context, rootID uuid.UUID, p pagination.Params) (pagination.Page[*View], error) {
	root, err := s.client.Message.Query().Where(message.ID(rootID), live()).Only(withDeleted(ctx))
	if err != nil {
		return pagination.Page[*View]{}, err
	}
	if root.RootID != nil {
		return pagination.Page[*View]{}, problem.NotFound("the message is a reply, not a thread root")
	}
	q := s.client.Message.Query().Where(message.RootID(rootID))
	page, err := pagination.ListSorted(ctx, q, p, pagination.Sort[*ent.Message]{Name: "thread"}, messageID)
	if err != nil {
		return pagination.Page[*View]{}, err
	}
	return s.viewPage(ctx, page)
}

// Mentions pages through the visible messages mentioning the viewer by
// name, newest first.
func (s *Service) Mentions(ctx context.Context, p pagination.Params) (pagination.Page[*View], error) {
	uid, err := me(ctx)
	if err != nil {
		return pagination.Page[*View]{}, err
	}
	q := s.client.Message.Query().Where(message.HasMentionsWith(messagemention.UserID(uid)))
	page, err := pagination.List(ctx, q, p, messageID)
	if err != nil {
		return pagination.Page[*View]{}, err
	}
	return s.viewPage(ctx, page)
}

func messageID(m *ent.Message) uuid.UUID { return m.ID }

// viewPage decorates a page of messages.
func (s *Service) viewPage(ctx context.Context, page pagination.Page[*ent.Message]) (pagination.Page[*View], error) {
	views, err := s.views(ctx, page.Items)
	return pagination.Page[*View]{Items: views, NextCursor: page.NextCursor}, err
}
