package chat

import (
	"context"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/channel"
	"github.com/worksynapse/worksynapse/ent/channelmember"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/stream"
)

// MemberInput is a membership change; nil leaves a field as it is.
type MemberInput struct {
	Role        *channelmember.Role
	Muted       *bool
	NotifyLevel *channelmember.NotifyLevel
}

// ListMembers pages through a visible channel's members with their users.
func (s *Service) ListMembers(ctx context.Context, chID uuid.UUID, p pagination.Params) (pagination.Page[*ent.ChannelMember], error) {
	if _, err := s.client.Channel.Get(ctx, chID); err != nil {
		return pagination.Page[*ent.ChannelMember]{}, err
	}
	q := s.client.ChannelMember.Query().Where(channelmember.ChannelID(chID)).WithUser()
	return pagination.List(ctx, q, p, func(m *ent.ChannelMember) uuid.UUID { return m.ID })
}

// closedMembership refuses membership changes the channel type fixes:
// a direct channel has its two users, a project channel the project's.
func closedMembership(ch *ent.Channel) error {
	switch ch.Type {
	case channel.TypeDirect:
		return problem.Conflict("a direct channel always has its two users")
	case channel.TypeProject:
		return problem.Conflict("a project channel's members are the project's members; change the project's membership")
	}
	return nil
}

// AddMember adds a member of the channel's organization to the channel.
func (s *Service) AddMember(ctx context.Context, chID, userID uuid.UUID, role channelmember.Role) (*ent.ChannelMember, error) {
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.ChannelMember, error) {
		ch, err := writable(ctx, tx, chID)
		if err != nil {
			return nil, err
		}
		if err := closedMembership(ch); err != nil {
			return nil, err
		}
		ok, err := tx.OrganizationMember.Query().
			Where(organizationmember.OrganizationID(ch.OrganizationID), organizationmember.UserID(userID)).Exist(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, problem.NotFound("the user is not a member of the channel's organization")
		}
		return s.createMember(ctx, tx, ch, userID, role)
	})
}

func (s *Service) createMember(ctx context.Context, tx *ent.Tx, ch *ent.Channel, userID uuid.UUID, role channelmember.Role) (*ent.ChannelMember, error) {
	m, err := tx.ChannelMember.Create().SetOrganizationID(ch.OrganizationID).SetChannelID(ch.ID).
		SetUserID(userID).SetRole(role).Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, problem.Conflict("the user is already a member of the channel")
	}
	if err != nil {
		return nil, err
	}
	if err := s.emitMember(ctx, tx, stream.MemberAdded, m); err != nil {
		return nil, err
	}
	return tx.ChannelMember.Query().Where(channelmember.ID(m.ID)).WithUser().Only(ctx)
}

// Join makes the viewer a member of a public channel (idempotent).
func (s *Service) Join(ctx context.Context, chID uuid.UUID) (*ent.ChannelMember, error) {
	uid, err := me(ctx)
	if err != nil {
		return nil, err
	}
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.ChannelMember, error) {
		ch, err := writable(ctx, tx, chID)
		if err != nil {
			return nil, err
		}
		m, err := tx.ChannelMember.Query().Where(channelmember.ChannelID(chID), channelmember.UserID(uid)).WithUser().Only(ctx)
		if !ent.IsNotFound(err) {
			return m, err
		}
		if err := closedMembership(ch); err != nil {
			return nil, err
		}
		return s.createMember(ctx, tx, ch, uid, channelmember.RoleMember)
	})
}

// member returns the membership of user in a visible channel (404 if none).
func member(ctx context.Context, tx *ent.Tx, chID, userID uuid.UUID) (*ent.Channel, *ent.ChannelMember, error) {
	ch, err := tx.Channel.Get(ctx, chID)
	if err != nil {
		return nil, nil, err
	}
	m, err := tx.ChannelMember.Query().Where(channelmember.ChannelID(chID), channelmember.UserID(userID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, problem.NotFound("the user is not a member of the channel")
	}
	return ch, m, err
}

// keepAnOwner refuses to take the owner role from the last owner of a
// channel that has other members.
func keepAnOwner(ctx context.Context, tx *ent.Tx, m *ent.ChannelMember, leaving bool) error {
	if m.Role != channelmember.RoleOwner {
		return nil
	}
	others := tx.ChannelMember.Query().Where(channelmember.ChannelID(m.ChannelID), channelmember.IDNEQ(m.ID))
	owners, err := others.Clone().Where(channelmember.RoleEQ(channelmember.RoleOwner)).Exist(ctx)
	if err != nil || owners {
		return err
	}
	if leaving {
		if rest, err := others.Exist(ctx); err != nil || !rest {
			return err // the last member may leave
		}
	}
	return problem.Conflict("the channel's last owner cannot leave or step down; make another member owner first")
}

// UpdateMember changes a membership: one's own mute and notification
// level, or (owners, admins) a member's role.
func (s *Service) UpdateMember(ctx context.Context, chID, userID uuid.UUID, in MemberInput) (*ent.ChannelMember, error) {
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.ChannelMember, error) {
		_, m, err := member(ctx, tx, chID, userID)
		if err != nil {
			return nil, err
		}
		upd := tx.ChannelMember.UpdateOneID(m.ID).SetNillableMuted(in.Muted).SetNillableNotifyLevel(in.NotifyLevel)
		if in.Role != nil && *in.Role != m.Role {
			if err := keepAnOwner(ctx, tx, m, false); err != nil {
				return nil, err
			}
			upd.SetRole(*in.Role)
		}
		if err := upd.Exec(ctx); err != nil {
			return nil, rule.DeniedIfFiltered(err, "chat")
		}
		out, err := tx.ChannelMember.Query().Where(channelmember.ID(m.ID)).WithUser().Only(ctx)
		if err != nil {
			return nil, err
		}
		return out, s.emitMember(ctx, tx, stream.MemberUpdated, out)
	})
}

// RemoveMember ends a membership: leaving (oneself) or removing another.
func (s *Service) RemoveMember(ctx context.Context, chID, userID uuid.UUID) error {
	_, err := database.InTx(ctx, s.client, func(tx *ent.Tx) (struct{}, error) {
		ch, m, err := member(ctx, tx, chID, userID)
		if err != nil {
			return struct{}{}, err
		}
		if err := closedMembership(ch); err != nil {
			return struct{}{}, err
		}
		if err := keepAnOwner(ctx, tx, m, true); err != nil {
			return struct{}{}, err
		}
		if err := tx.ChannelMember.DeleteOneID(m.ID).Exec(ctx); err != nil {
			return struct{}{}, rule.DeniedIfFiltered(err, "chat")
		}
		return struct{}{}, s.emitMember(ctx, tx, stream.MemberRemoved, m)
	})
	return err
}

// emitMember records a membership change; the member's own streams
// receive it (and re-check their access to the channel).
func (s *Service) emitMember(ctx context.Context, tx *ent.Tx, typ string, m *ent.ChannelMember) error {
	return s.emit(ctx, tx, typ, m.OrganizationID, m.ChannelID, &m.UserID, memberEvent{UserID: m.UserID, Role: string(m.Role)})
}
