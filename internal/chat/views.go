package chat

import (
	"context"
	"slices"
	"sort"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/message"
	"github.com/worksynapse/worksynapse/ent/messagefile"
	"github.com/worksynapse/worksynapse/ent/messagereaction"
	"github.com/worksynapse/worksynapse/ent/predicate"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/softdelete"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// View is a message as clients read it: with its reaction counts and
// files. A deleted thread root is shown as Deleted, without its body.
type View struct {
	*ent.Message
	Deleted   bool
	Reactions []Reaction
	Files     []*ent.MessageFile
}

// Reaction counts the reactions with one emoji.
type Reaction struct {
	Emoji string
	Count int
	Mine  bool
}

// withDeleted lets a read see soft-deleted messages; used only with
// tombstone(), so what it adds are deleted thread roots (privacy still
// applies).
func withDeleted(ctx context.Context) context.Context { return softdelete.Skip(ctx) }

// live keeps live messages and deleted thread roots that still have
// replies (shown as deleted placeholders).
func live() predicate.Message {
	return message.Or(message.DeletedAtIsNil(), message.ReplyCountGT(0))
}

func (s *Service) view(ctx context.Context, m *ent.Message) (*View, error) {
	vs, err := s.views(ctx, []*ent.Message{m})
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// views decorates messages with their reactions and files: two queries
// for the whole list, whatever its length.
func (s *Service) views(ctx context.Context, ms []*ent.Message) ([]*View, error) {
	ids := make([]uuid.UUID, len(ms))
	var withFiles []uuid.UUID
	for i, m := range ms {
		ids[i] = m.ID
		if m.HasFiles && m.DeletedAt == nil {
			withFiles = append(withFiles, m.ID)
		}
	}
	reactions, err := s.reactions(ctx, ids)
	if err != nil {
		return nil, err
	}
	files := map[uuid.UUID][]*ent.MessageFile{}
	if len(withFiles) > 0 {
		fs, err := s.client.MessageFile.Query().Where(messagefile.MessageIDIn(withFiles...)).
			Order(ent.Asc(messagefile.FieldID)).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			files[f.MessageID] = append(files[f.MessageID], f)
		}
	}
	out := make([]*View, len(ms))
	for i, m := range ms {
		v := &View{Message: m, Reactions: reactions[m.ID], Files: files[m.ID]}
		if m.DeletedAt != nil {
			cp := *m
			cp.Body, cp.MentionedUserIds, v.Reactions, v.Deleted = "", nil, nil, true
			v.Message = &cp
		}
		out[i] = v
	}
	return out, nil
}

// reactions counts the reactions of messages per emoji (in order of first
// use) and marks the viewer's own.
func (s *Service) reactions(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]Reaction, error) {
	rs, err := s.client.MessageReaction.Query().Where(messagereaction.MessageIDIn(ids...)).
		Order(ent.Asc(messagereaction.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	uid := viewer.FromContext(ctx).UserID
	out := map[uuid.UUID][]Reaction{}
	for _, r := range rs {
		list := out[r.MessageID]
		i := slices.IndexFunc(list, func(x Reaction) bool { return x.Emoji == r.Emoji })
		if i < 0 {
			list, i = append(list, Reaction{Emoji: r.Emoji}), len(list)
		}
		list[i].Count++
		list[i].Mine = list[i].Mine || r.UserID == uid
		out[r.MessageID] = list
	}
	return out, nil
}

// Window is a stretch of a channel's scrollback, oldest first.
type Window struct {
	Items              []*View
	HasOlder, HasNewer bool
}

// Position picks a Window: at most one of Before, After and Around (none:
// the newest messages).
type Position struct {
	Before, After, Around *uuid.UUID
	Limit                 int
}

// Scrollback returns a window of a visible channel's top-level messages.
// It is keyset pagination on the time-ordered ids (index channel_id, id):
// no OFFSET, so a page costs the same deep in history, and messages posted
// meanwhile never shift a window.
func (s *Service) Scrollback(ctx context.Context, chID uuid.UUID, pos Position) (*Window, error) {
	if _, err := s.client.Channel.Get(ctx, chID); err != nil {
		return nil, err
	}
	set := 0
	for _, p := range []*uuid.UUID{pos.Before, pos.After, pos.Around} {
		if p != nil {
			set++
		}
	}
	if set > 1 {
		return nil, problem.Validation("choose one position", problem.FieldError{Field: "before", Message: "before, after and around exclude each other"})
	}
	limit := pos.Limit
	if limit <= 0 {
		limit = pagination.DefaultLimit
	}
	limit = min(limit, pagination.MaxLimit)
	dctx := withDeleted(ctx)
	base := func() *ent.MessageQuery {
		return s.client.Message.Query().Where(message.ChannelID(chID), message.RootIDIsNil(), live())
	}
	var items []*ent.Message
	var err error
	switch {
	case pos.Around != nil:
		items, err = s.around(dctx, chID, *pos.Around, limit, base)
	case pos.Before != nil:
		items, err = base().Where(message.IDLT(*pos.Before)).Order(ent.Desc(message.FieldID)).Limit(limit).All(dctx)
	case pos.After != nil:
		items, err = base().Where(message.IDGT(*pos.After)).Order(ent.Asc(message.FieldID)).Limit(limit).All(dctx)
	default:
		items, err = base().Order(ent.Desc(message.FieldID)).Limit(limit).All(dctx)
	}
	if err != nil {
		return nil, err
	}
	sort.Slice(items, func(i, j int) bool { return lessID(items[i].ID, items[j].ID) })
	w := &Window{}
	if len(items) > 0 {
		if w.HasOlder, err = base().Where(message.IDLT(items[0].ID)).Exist(dctx); err != nil {
			return nil, err
		}
		if w.HasNewer, err = base().Where(message.IDGT(items[len(items)-1].ID)).Exist(dctx); err != nil {
			return nil, err
		}
	} else if pos.Before != nil {
		w.HasNewer = true
	} else if pos.After != nil {
		w.HasOlder = true
	}
	w.Items, err = s.views(ctx, items)
	return w, err
}

// around is the window centred on message id: it, up to half the limit
// before it and the rest after it. A reply centres on its thread's root.
func (s *Service) around(ctx context.Context, chID, id uuid.UUID, limit int, base func() *ent.MessageQuery) ([]*ent.Message, error) {
	anchor, err := s.client.Message.Query().Where(message.ID(id), message.ChannelID(chID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, problem.Validation("no such message", problem.FieldError{Field: "around", Message: "not a message of this channel"})
	}
	if err != nil {
		return nil, err
	}
	if anchor.RootID != nil {
		id = *anchor.RootID
	}
	older, err := base().Where(message.IDLT(id)).Order(ent.Desc(message.FieldID)).Limit(limit / 2).All(ctx)
	if err != nil {
		return nil, err
	}
	newer, err := base().Where(message.IDGTE(id)).Order(ent.Asc(message.FieldID)).Limit(limit - len(older)).All(ctx)
	return append(older, newer...), err
}

func lessID(a, b uuid.UUID) bool { return string(a[:]) < string(b[:]) }
