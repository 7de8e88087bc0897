package chat

import (
	"context"
	"sort"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/channel"
	"github.com/worksynapse/worksynapse/ent/channelmember"
	"github.com/worksynapse/worksynapse/ent/message"
	"github.com/worksynapse/worksynapse/ent/messagemention"
	"github.com/worksynapse/worksynapse/ent/readreceipt"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/stream"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// MarkRead moves the viewer's read pointer in a channel forward to
// message msgID (nil: the channel's newest message). An older message
// (another device lagging behind) changes nothing: the update is
// conditional on the pointer being behind, so concurrent moves from two
// devices keep the furthest.
func (s *Service) MarkRead(ctx context.Context, chID uuid.UUID, msgID *uuid.UUID) (*ent.ReadReceipt, error) {
	uid, err := me(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := s.client.Channel.Get(ctx, chID)
	if err != nil {
		return nil, err
	}
	if ok, err := s.client.ChannelMember.Query().Where(channelmember.ChannelID(chID), channelmember.UserID(uid)).Exist(ctx); err != nil || !ok {
		if err != nil {
			return nil, err
		}
		return nil, problem.Conflict("join the channel to keep a read pointer in it")
	}
	target, err := s.readTarget(ctx, chID, msgID)
	if err != nil || target == nil {
		return s.readState(ctx, chID, uid, err)
	}
	for attempt := 0; ; attempt++ {
		_, err = database.InTx(ctx, s.client, func(tx *ent.Tx) (struct{}, error) {
			return struct{}{}, s.moveForward(ctx, tx, ch, uid, target)
		})
		if !(ent.IsConstraintError(err) && attempt < 2) {
			return s.readState(ctx, chID, uid, err) // a constraint error: another device created the row first
		}
	}
}

// readTarget is the message (id and seq only) a read request points at;
// nil when the channel has no message yet.
func (s *Service) readTarget(ctx context.Context, chID uuid.UUID, msgID *uuid.UUID) (*ent.Message, error) {
	q := s.client.Message.Query().Select(message.FieldID, message.FieldSeq)
	if msgID == nil {
		m, err := q.Where(message.ChannelID(chID)).Order(ent.Desc(message.FieldID)).First(ctx)
		if ent.IsNotFound(err) {
			return nil, nil
		}
		return m, err
	}
	// A deleted message is still a valid position in the channel.
	m, err := q.Where(message.ID(*msgID), message.ChannelID(chID)).Only(withDeleted(ctx))
	if ent.IsNotFound(err) {
		return nil, problem.Validation("no such message", problem.FieldError{Field: "message_id", Message: "not a message of this channel"})
	}
	return m, err
}

// moveForward moves the pointer to target unless it is already there or
// further; "further" compares seqs, the order the unread counts use.
func (s *Service) moveForward(ctx context.Context, tx *ent.Tx, ch *ent.Channel, uid uuid.UUID, target *ent.Message) error {
	now := s.now()
	n, err := tx.ReadReceipt.Update().Where(readreceipt.ChannelID(ch.ID), readreceipt.UserID(uid),
		readreceipt.LastReadSeqLT(target.Seq)).
		SetLastReadMessageID(target.ID).SetLastReadSeq(target.Seq).SetLastReadAt(now).Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		exists, err := tx.ReadReceipt.Query().Where(readreceipt.ChannelID(ch.ID), readreceipt.UserID(uid)).Exist(ctx)
		if err != nil || exists {
			return err // already at or past target
		}
		if err := tx.ReadReceipt.Create().SetOrganizationID(ch.OrganizationID).SetChannelID(ch.ID).SetUserID(uid).
			SetLastReadMessageID(target.ID).SetLastReadSeq(target.Seq).SetLastReadAt(now).Exec(ctx); err != nil {
			return err
		}
	}
	return s.emit(ctx, tx, stream.ReadMoved, ch.OrganizationID, ch.ID, &uid,
		map[string]uuid.UUID{"last_read_message_id": target.ID})
}

// readState returns the viewer's read pointer (empty when none), or err.
func (s *Service) readState(ctx context.Context, chID, uid uuid.UUID, err error) (*ent.ReadReceipt, error) {
	if err != nil {
		return nil, err
	}
	rr, err := s.client.ReadReceipt.Query().Where(readreceipt.ChannelID(chID), readreceipt.UserID(uid)).Only(ctx)
	if ent.IsNotFound(err) {
		return &ent.ReadReceipt{ChannelID: chID, UserID: uid}, nil
	}
	return rr, err
}

// MyChannel is one of the viewer's channels with their read state.
type MyChannel struct {
	Member            *ent.ChannelMember
	Channel           *ent.Channel
	LastReadMessageID *uuid.UUID
	Unread, Mentions  int64
}

// unreadRow is one row of the unread query.
type unreadRow struct {
	MemberID  uuid.UUID  `json:"id"`
	ChannelID uuid.UUID  `json:"channel_id"`
	LastRead  *uuid.UUID `json:"last_read"`
	Unread    int64      `json:"unread"`
	Mentions  int64      `json:"mentions"`
}

// MyChannels lists the viewer's channels (optionally of one organization)
// with unread and mention counts. The counts of all channels come from one
// query whose cost does not grow with the channel's history (as in
// Mattermost, which compares a channel's total message count with the
// member's count at the read pointer): every message takes the next seq of
// its channel, the pointer remembers the seq it points at, so the messages
// after it are channel.last_seq - pointer seq. Two corrections keep the
// count exact, each a range scan of a partial index after the pointer: the
// viewer's own live messages (never unread) and deleted messages. Mentions
// count the viewer's MessageMention rows after the pointer (partial index
// on user_id, channel_id, message_seq without one's own messages; a
// deleted message's rows are removed) and the @channel messages after it
// (partial index), neither of which visits ordinary messages.
func (s *Service) MyChannels(ctx context.Context, org *uuid.UUID) ([]MyChannel, error) {
	uid, err := me(ctx)
	if err != nil {
		return nil, err
	}
	q := s.client.ChannelMember.Query().Where(channelmember.UserID(uid),
		channelmember.OrganizationIDIn(viewer.FromContext(ctx).OrganizationsWhere("message", viewer.ActionRead)...))
	if org != nil {
		q.Where(channelmember.OrganizationID(*org))
	}
	var rows []unreadRow
	err = q.Modify(func(sel *sql.Selector) { s.unreadColumns(sel, uid) }).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	return s.myChannels(ctx, rows)
}

// unreadColumns turns a membership query into the unread query.
func (s *Service) unreadColumns(sel *sql.Selector, uid uuid.UUID) {
	d := sql.Dialect(s.dialect)
	c := d.Table(channel.Table).As("c")
	sel.Join(c).On(sel.C(channelmember.FieldChannelID), c.C(channel.FieldID))
	rr := d.Table(readreceipt.Table).As("rr")
	sel.LeftJoin(rr).OnP(sql.And(
		sql.ColumnsEQ(rr.C(readreceipt.FieldChannelID), sel.C(channelmember.FieldChannelID)),
		sql.ColumnsEQ(rr.C(readreceipt.FieldUserID), sel.C(channelmember.FieldUserID)),
	))
	// COALESCE, not "no pointer OR seq > pointer": the OR would keep
	// PostgreSQL from using the pointer as the lower bound of the index
	// ranges below.
	pointer := func(b *sql.Builder) {
		b.WriteString("COALESCE(").Ident(rr.C(readreceipt.FieldLastReadSeq)).WriteString(", 0)")
	}
	// after selects the channel's messages (or mentions) past the pointer.
	after := func(chCol, seqCol string, and ...*sql.Predicate) *sql.Predicate {
		return sql.And(append([]*sql.Predicate{
			sql.ColumnsEQ(chCol, sel.C(channelmember.FieldChannelID)),
			sql.P(func(b *sql.Builder) { b.Ident(seqCol).WriteString(" > "); pointer(b) }),
		}, and...)...)
	}
	count := func(t sql.TableView, where *sql.Predicate) *sql.Selector {
		return d.Select(sql.Count("*")).From(t).Where(where)
	}
	m := d.Table(message.Table).As("m")
	// Fresh predicates for each subquery: a predicate renders into itself.
	live := func() *sql.Predicate { return sql.IsNull(m.C(message.FieldDeletedAt)) }
	byOthers := func() *sql.Predicate {
		return sql.Or(sql.IsNull(m.C(message.FieldAuthorID)), sql.NEQ(m.C(message.FieldAuthorID), uid))
	}
	mine := count(m, after(m.C(message.FieldChannelID), m.C(message.FieldSeq), sql.EQ(m.C(message.FieldAuthorID), uid), live()))
	gone := count(m, after(m.C(message.FieldChannelID), m.C(message.FieldSeq), sql.NotNull(m.C(message.FieldDeletedAt))))
	unread := sql.ExprFunc(func(b *sql.Builder) {
		b.Ident(c.C(channel.FieldLastSeq)).WriteString(" - ")
		pointer(b)
		b.WriteString(" - ").Wrap(func(b *sql.Builder) { b.Join(mine) })
		b.WriteString(" - ").Wrap(func(b *sql.Builder) { b.Join(gone) })
	})

	// Mention rows of deleted messages are removed and those of one's own
	// messages flagged, so named mentions are counted from the partial
	// index alone. The flag is written bare so PostgreSQL matches it.
	mm := d.Table(messagemention.Table).As("mm")
	named := count(mm, after(mm.C(messagemention.FieldChannelID), mm.C(messagemention.FieldMessageSeq),
		sql.EQ(mm.C(messagemention.FieldUserID), uid),
		sql.P(func(b *sql.Builder) { b.WriteString("NOT ").Ident(mm.C(messagemention.FieldOwnMessage)) })))
	// @channel messages that do not also name the viewer (counted above);
	// the flag is bare for the partial index too.
	mm2 := d.Table(messagemention.Table).As("mm2")
	everyone := count(m, after(m.C(message.FieldChannelID), m.C(message.FieldSeq),
		sql.P(func(b *sql.Builder) { b.Ident(m.C(message.FieldMentionsChannel)) }), live(), byOthers(),
		sql.NotExists(d.Select(mm2.C(messagemention.FieldID)).From(mm2).Where(sql.And(
			sql.ColumnsEQ(mm2.C(messagemention.FieldMessageID), m.C(message.FieldID)),
			sql.EQ(mm2.C(messagemention.FieldUserID), uid),
		)))))
	mentions := sql.ExprFunc(func(b *sql.Builder) {
		b.Wrap(func(b *sql.Builder) { b.Join(named) }).WriteString(" + ").Wrap(func(b *sql.Builder) { b.Join(everyone) })
	})

	sel.Select(sel.C(channelmember.FieldID), sel.C(channelmember.FieldChannelID))
	sel.AppendSelectAs(rr.C(readreceipt.FieldLastReadMessageID), "last_read")
	sel.AppendSelectExprAs(unread, "unread")
	sel.AppendSelectExprAs(mentions, "mentions")
}

// myChannels loads the memberships and channels of the unread rows.
func (s *Service) myChannels(ctx context.Context, rows []unreadRow) ([]MyChannel, error) {
	memberIDs, chIDs := make([]uuid.UUID, len(rows)), make([]uuid.UUID, len(rows))
	for i, r := range rows {
		memberIDs[i], chIDs[i] = r.MemberID, r.ChannelID
	}
	members, err := s.client.ChannelMember.Query().Where(channelmember.IDIn(memberIDs...)).All(ctx)
	if err != nil {
		return nil, err
	}
	channels, err := s.client.Channel.Query().Where(channel.IDIn(chIDs...)).All(ctx)
	if err != nil {
		return nil, err
	}
	byMember, byChannel := map[uuid.UUID]*ent.ChannelMember{}, map[uuid.UUID]*ent.Channel{}
	for _, m := range members {
		byMember[m.ID] = m
	}
	for _, c := range channels {
		byChannel[c.ID] = c
	}
	out := make([]MyChannel, 0, len(rows))
	for _, r := range rows {
		m, c := byMember[r.MemberID], byChannel[r.ChannelID]
		if m == nil || c == nil {
			continue // deleted channel
		}
		out = append(out, MyChannel{Member: m, Channel: c, LastReadMessageID: r.LastRead, Unread: r.Unread, Mentions: r.Mentions})
	}
	sortMyChannels(out)
	return out, nil
}

// sortMyChannels orders the sidebar: most recent activity first, then
// newest channel.
func sortMyChannels(cs []MyChannel) {
	at := func(c MyChannel) time.Time {
		if c.Channel.LastMessageAt != nil {
			return *c.Channel.LastMessageAt
		}
		return c.Channel.CreatedAt
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if a, b := at(cs[i]), at(cs[j]); !a.Equal(b) {
			return a.After(b)
		}
		return lessID(cs[j].Channel.ID, cs[i].Channel.ID)
	})
}
