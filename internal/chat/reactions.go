package chat

import (
	"context"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/message"
	"github.com/worksynapse/worksynapse/ent/messagereaction"
	"github.com/worksynapse/worksynapse/ent/pinnedmessage"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/stream"
)

// writableMessage loads a visible message in tx whose channel is not
// archived.
func writableMessage(ctx context.Context, tx *ent.Tx, id uuid.UUID) (*ent.Message, error) {
	m, err := tx.Message.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	_, err = writable(ctx, tx, m.ChannelID)
	return m, err
}

// React adds the viewer's emoji reaction to a message; adding it again
// changes nothing (the unique index settles concurrent adds).
func (s *Service) React(ctx context.Context, id uuid.UUID, emoji string) (*View, error) {
	uid, err := me(ctx)
	if err != nil {
		return nil, err
	}
	_, err = database.InTx(ctx, s.client, func(tx *ent.Tx) (struct{}, error) {
		m, err := writableMessage(ctx, tx, id)
		if err != nil {
			return struct{}{}, err
		}
		exists, err := tx.MessageReaction.Query().Where(messagereaction.MessageID(id),
			messagereaction.UserID(uid), messagereaction.Emoji(emoji)).Exist(ctx)
		if err != nil || exists {
			return struct{}{}, err
		}
		if err := tx.MessageReaction.Create().SetOrganizationID(m.OrganizationID).SetMessageID(id).
			SetUserID(uid).SetEmoji(emoji).Exec(ctx); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, s.emit(ctx, tx, stream.ReactionAdded, m.OrganizationID, m.ChannelID, nil,
			reactionEvent{MessageID: id, UserID: uid, Emoji: emoji})
	})
	if err != nil && !ent.IsConstraintError(err) {
		return nil, err
	}
	return s.Message(ctx, id)
}

// Unreact removes the viewer's emoji reaction (idempotent).
func (s *Service) Unreact(ctx context.Context, id uuid.UUID, emoji string) (*View, error) {
	uid, err := me(ctx)
	if err != nil {
		return nil, err
	}
	_, err = database.InTx(ctx, s.client, func(tx *ent.Tx) (int, error) {
		m, err := writableMessage(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		n, err := tx.MessageReaction.Delete().Where(messagereaction.MessageID(id),
			messagereaction.UserID(uid), messagereaction.Emoji(emoji)).Exec(ctx)
		if err != nil || n == 0 {
			return n, err
		}
		return n, s.emit(ctx, tx, stream.ReactionRemoved, m.OrganizationID, m.ChannelID, nil,
			reactionEvent{MessageID: id, UserID: uid, Emoji: emoji})
	})
	if err != nil {
		return nil, err
	}
	return s.Message(ctx, id)
}

// Pin pins a message in its channel (idempotent) and returns the pin.
func (s *Service) Pin(ctx context.Context, id uuid.UUID) (*ent.PinnedMessage, error) {
	uid, err := me(ctx)
	if err != nil {
		return nil, err
	}
	_, err = database.InTx(ctx, s.client, func(tx *ent.Tx) (struct{}, error) {
		m, err := writableMessage(ctx, tx, id)
		if err != nil {
			return struct{}{}, err
		}
		exists, err := tx.PinnedMessage.Query().Where(pinnedmessage.MessageID(id)).Exist(ctx)
		if err != nil || exists {
			return struct{}{}, err
		}
		if err := tx.PinnedMessage.Create().SetOrganizationID(m.OrganizationID).SetChannelID(m.ChannelID).
			SetMessageID(id).SetPinnedByID(uid).SetPinnedAt(s.now()).Exec(ctx); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, s.emit(ctx, tx, stream.PinAdded, m.OrganizationID, m.ChannelID, nil,
			reactionEvent{MessageID: id, UserID: uid})
	})
	if err != nil && !ent.IsConstraintError(err) {
		return nil, err
	}
	return s.client.PinnedMessage.Query().Where(pinnedmessage.MessageID(id)).WithMessage().Only(ctx)
}

// Unpin removes a message's pin (idempotent).
func (s *Service) Unpin(ctx context.Context, id uuid.UUID) error {
	_, err := database.InTx(ctx, s.client, func(tx *ent.Tx) (struct{}, error) {
		m, err := writableMessage(ctx, tx, id)
		if err != nil {
			return struct{}{}, err
		}
		p, err := tx.PinnedMessage.Query().Where(pinnedmessage.MessageID(id)).Only(ctx)
		if ent.IsNotFound(err) {
			return struct{}{}, nil
		}
		if err != nil {
			return struct{}{}, err
		}
		if err := tx.PinnedMessage.DeleteOneID(p.ID).Exec(ctx); err != nil {
			return struct{}{}, rule.DeniedIfFiltered(err, "chat")
		}
		uid, _ := me(ctx)
		return struct{}{}, s.emit(ctx, tx, stream.PinRemoved, m.OrganizationID, m.ChannelID, nil,
			reactionEvent{MessageID: id, UserID: uid})
	})
	return err
}

// Pins pages through a visible channel's pins of live messages, most
// recently pinned first.
func (s *Service) Pins(ctx context.Context, chID uuid.UUID, p pagination.Params) (pagination.Page[*ent.PinnedMessage], []*View, error) {
	if _, err := s.client.Channel.Get(ctx, chID); err != nil {
		return pagination.Page[*ent.PinnedMessage]{}, nil, err
	}
	// An edge predicate is raw SQL, which the soft-delete interceptor does
	// not reach: a pin of a deleted message is left out explicitly.
	q := s.client.PinnedMessage.Query().Where(pinnedmessage.ChannelID(chID),
		pinnedmessage.HasMessageWith(message.DeletedAtIsNil())).WithMessage()
	page, err := pagination.List(ctx, q, p, func(pm *ent.PinnedMessage) uuid.UUID { return pm.ID })
	if err != nil {
		return page, nil, err
	}
	ms := make([]*ent.Message, 0, len(page.Items))
	kept := page.Items[:0]
	for _, pm := range page.Items {
		if pm.Edges.Message != nil {
			ms = append(ms, pm.Edges.Message)
			kept = append(kept, pm)
		}
	}
	page.Items = kept
	views, err := s.views(ctx, ms)
	return page, views, err
}
