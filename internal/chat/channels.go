package chat

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/channel"
	"github.com/worksynapse/worksynapse/ent/channelmember"
	"github.com/worksynapse/worksynapse/ent/organizationmember"
	"github.com/worksynapse/worksynapse/ent/project"
	"github.com/worksynapse/worksynapse/ent/projectmember"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/stream"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// ChannelInput is what a client sets on a public or private channel; nil
// leaves a field as it is.
type ChannelInput struct {
	Type                 channel.Type
	Name, Purpose, Topic *string
}

func channelID(c *ent.Channel) uuid.UUID { return c.ID }

// ListChannels pages through the organization's channels the viewer can
// see (public ones and those they belong to), newest first.
func (s *Service) ListChannels(ctx context.Context, org uuid.UUID, typ *channel.Type, archived bool, p pagination.Params) (pagination.Page[*ent.Channel], error) {
	if err := inOrg(ctx, org); err != nil {
		return pagination.Page[*ent.Channel]{}, err
	}
	q := s.client.Channel.Query().Where(channel.OrganizationID(org))
	if typ != nil {
		q.Where(channel.TypeEQ(*typ))
	}
	if !archived {
		q.Where(channel.ArchivedAtIsNil())
	}
	return pagination.List(ctx, q, p, channelID)
}

// Channel returns a channel the viewer can see (404 otherwise).
func (s *Service) Channel(ctx context.Context, id uuid.UUID) (*ent.Channel, error) {
	return s.client.Channel.Get(ctx, id)
}

// CreateChannel creates a public or private channel with the viewer as
// its owner.
func (s *Service) CreateChannel(ctx context.Context, org uuid.UUID, in ChannelInput) (*ent.Channel, error) {
	uid, err := me(ctx)
	if err != nil {
		return nil, err
	}
	if err := inOrg(ctx, org); err != nil {
		return nil, err
	}
	if in.Type != channel.TypePublic && in.Type != channel.TypePrivate {
		return nil, problem.Validation("invalid channel type", problem.FieldError{Field: "type", Message: "must be public or private"})
	}
	name, err := channelName(in.Name)
	if err != nil {
		return nil, err
	}
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.Channel, error) {
		ch, err := tx.Channel.Create().SetOrganizationID(org).SetType(in.Type).SetName(name).
			SetNillablePurpose(in.Purpose).SetNillableTopic(in.Topic).SetCreatedByID(uid).Save(ctx)
		if ent.IsConstraintError(err) {
			return nil, problem.Conflict(fmt.Sprintf("the organization already has a channel named %q", name))
		}
		if err != nil {
			return nil, err
		}
		err = tx.ChannelMember.Create().SetOrganizationID(org).SetChannelID(ch.ID).SetUserID(uid).
			SetRole(channelmember.RoleOwner).Exec(ctx)
		return ch, err
	})
}

// channelName trims a name and refuses a blank one.
func channelName(name *string) (string, error) {
	if name == nil || strings.TrimSpace(*name) == "" {
		return "", problem.Validation("a channel needs a name", problem.FieldError{Field: "name", Message: "must not be blank"})
	}
	return strings.TrimSpace(*name), nil
}

// UpdateChannel renames a channel or changes its purpose or topic.
func (s *Service) UpdateChannel(ctx context.Context, id uuid.UUID, in ChannelInput) (*ent.Channel, error) {
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.Channel, error) {
		ch, err := writable(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		upd := tx.Channel.UpdateOneID(id).SetNillablePurpose(in.Purpose).SetNillableTopic(in.Topic)
		if in.Name != nil {
			if ch.Type == channel.TypeDirect {
				return nil, problem.Validation("direct channels have no name", problem.FieldError{Field: "name", Message: "not allowed on a direct channel"})
			}
			name, err := channelName(in.Name)
			if err != nil {
				return nil, err
			}
			upd.SetName(name)
		}
		out, err := upd.Save(ctx)
		if ent.IsConstraintError(err) {
			return nil, problem.Conflict("the organization already has a channel with that name")
		}
		return out, rule.DeniedIfFiltered(err, "chat")
	})
}

// SetArchived archives or unarchives a channel; repeating it is 409.
func (s *Service) SetArchived(ctx context.Context, id uuid.UUID, archived bool) (*ent.Channel, error) {
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.Channel, error) {
		ch, err := tx.Channel.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if ch.Type == channel.TypeDirect {
			return nil, problem.Validation("direct channels cannot be archived")
		}
		if (ch.ArchivedAt != nil) == archived {
			return nil, problem.Conflict(fmt.Sprintf("the channel is already %s", map[bool]string{true: "archived", false: "active"}[archived]))
		}
		if !archived {
			if err := projectOpen(ctx, tx, ch); err != nil {
				return nil, err
			}
		}
		upd := tx.Channel.UpdateOneID(id)
		if archived {
			upd.SetArchivedAt(s.now())
		} else {
			upd.ClearArchivedAt()
		}
		out, err := upd.Save(ctx)
		return out, rule.DeniedIfFiltered(err, "chat")
	})
}

// directKey names the pair of users of a direct channel independently of
// the order they are given in.
func directKey(a, b uuid.UUID) string {
	if bytes.Compare(a[:], b[:]) > 0 {
		a, b = b, a
	}
	return a.String() + "__" + b.String()
}

// OpenDirect returns the direct channel between the viewer and other in
// org, creating it on first use. The unique index on (organization,
// direct_key) makes concurrent opens safe: the loser of the race gets a
// constraint error, and the retry finds the winner's channel.
func (s *Service) OpenDirect(ctx context.Context, org, other uuid.UUID) (*ent.Channel, error) {
	uid, err := me(ctx)
	if err != nil {
		return nil, err
	}
	if err := inOrg(ctx, org); err != nil {
		return nil, err
	}
	if other == uid {
		return nil, problem.Validation("a direct channel has two users", problem.FieldError{Field: "user_id", Message: "must be another user"})
	}
	key := directKey(uid, other)
	for attempt := 0; ; attempt++ {
		ch, err := s.client.Channel.Query().Where(channel.OrganizationID(org), channel.DirectKey(key)).Only(ctx)
		if !ent.IsNotFound(err) {
			return ch, err
		}
		ch, err = s.createDirect(ctx, org, key, uid, other)
		if ent.IsConstraintError(err) && attempt < 3 {
			continue // opened concurrently: read the winner's channel
		}
		return ch, err
	}
}

func (s *Service) createDirect(ctx context.Context, org uuid.UUID, key string, uid, other uuid.UUID) (*ent.Channel, error) {
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.Channel, error) {
		ok, err := tx.OrganizationMember.Query().
			Where(organizationmember.OrganizationID(org), organizationmember.UserID(other)).Exist(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, problem.NotFound("the user is not a member of the organization")
		}
		ch, err := tx.Channel.Create().SetOrganizationID(org).SetType(channel.TypeDirect).
			SetDirectKey(key).SetCreatedByID(uid).Save(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range []uuid.UUID{uid, other} {
			if err := tx.ChannelMember.Create().SetOrganizationID(org).SetChannelID(ch.ID).SetUserID(u).Exec(ctx); err != nil {
				return nil, err
			}
		}
		return ch, nil
	})
}

// projectSystem is the context project channels are written with: the
// channel and its members follow the project, whoever opens it or changes
// the project's membership (whose own chat permissions do not matter).
func projectSystem(ctx context.Context, why string) context.Context {
	return viewer.NewSystemContext(ctx, "chat: project channel follows the project's membership: "+why)
}

// channelRole is the channel role of a project role.
func channelRole(r projectmember.Role) channelmember.Role {
	switch r {
	case projectmember.RoleOwner:
		return channelmember.RoleOwner
	case projectmember.RoleAdmin:
		return channelmember.RoleAdmin
	}
	return channelmember.RoleMember
}

// OpenProjectChannel returns the project's channel, creating it with the
// project's members on first use. The caller must be a project member.
func (s *Service) OpenProjectChannel(ctx context.Context, projectID uuid.UUID) (*ent.Channel, error) {
	uid, err := me(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.client.Project.Get(ctx, projectID)
	if err != nil {
		return nil, err
	}
	member, err := s.client.ProjectMember.Query().
		Where(projectmember.ProjectID(projectID), projectmember.UserID(uid)).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if !member && !viewer.FromContext(ctx).Superuser {
		return nil, problem.Forbidden("only the project's members open its channel")
	}
	sys := projectSystem(ctx, "open the channel of a project the viewer is a member of")
	for attempt := 0; ; attempt++ {
		id, err := s.client.Channel.Query().Where(channel.ProjectID(projectID), channel.TypeEQ(channel.TypeProject)).OnlyID(sys)
		if err == nil {
			return s.client.Channel.Get(ctx, id)
		}
		if !ent.IsNotFound(err) {
			return nil, err
		}
		_, err = database.InTx(sys, s.client, func(tx *ent.Tx) (*ent.Channel, error) { return createProjectChannel(sys, tx, p) })
		if err != nil && !(ent.IsConstraintError(err) && attempt < 3) {
			return nil, err
		}
	}
}

// lockProject takes the project's row lock (PostgreSQL) for the rest of
// tx. Creating the project channel and syncing a membership change both
// take it before reading the other's rows, so neither misses a change the
// other commits concurrently (a member added while the channel is being
// created). SQLite runs one write transaction at a time and needs none.
func lockProject(sys context.Context, tx *ent.Tx, id uuid.UUID) error {
	q := tx.Project.Query().Where(project.ID(id)).Unique(false)
	q.Modify(func(s *sql.Selector) {
		if s.Dialect() == dialect.Postgres {
			s.ForUpdate()
		}
	})
	_, err := q.OnlyID(sys)
	return err
}

func createProjectChannel(sys context.Context, tx *ent.Tx, p *ent.Project) (*ent.Channel, error) {
	if err := lockProject(sys, tx, p.ID); err != nil {
		return nil, err
	}
	name := p.Name
	if r := []rune(name); len(r) > 64 {
		name = string(r[:64])
	}
	ch, err := tx.Channel.Create().SetOrganizationID(p.OrganizationID).SetType(channel.TypeProject).
		SetName(name).SetProjectID(p.ID).Save(sys)
	if err != nil {
		return nil, err
	}
	members, err := tx.ProjectMember.Query().Where(projectmember.ProjectID(p.ID)).All(sys)
	if err != nil {
		return nil, err
	}
	bulk := make([]*ent.ChannelMemberCreate, len(members))
	for i, m := range members {
		bulk[i] = tx.ChannelMember.Create().SetOrganizationID(p.OrganizationID).SetChannelID(ch.ID).
			SetUserID(m.UserID).SetRole(channelRole(m.Role))
	}
	return ch, tx.ChannelMember.CreateBulk(bulk...).Exec(sys)
}

// SyncProjectMember keeps a project's channel (if it has one) in step with
// the project's membership of user: called by the project membership code
// in its transaction after adding (role set), changing or removing (role
// nil) a member. Each change writes the same member.* stream event as a
// direct membership change, in the same transaction, so the user's open
// streams re-check their access to the channel at once: a removed member
// stops receiving it, an added one starts.
func (s *Service) SyncProjectMember(ctx context.Context, tx *ent.Tx, projectID, userID uuid.UUID, role *projectmember.Role) error {
	sys := projectSystem(ctx, "sync a project member into its channel")
	if err := lockProject(sys, tx, projectID); err != nil {
		return fmt.Errorf("chat: lock project: %w", err)
	}
	ch, err := tx.Channel.Query().Where(channel.ProjectID(projectID), channel.TypeEQ(channel.TypeProject)).Only(sys)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("chat: load project channel: %w", err)
	}
	m, err := tx.ChannelMember.Query().Where(channelmember.ChannelID(ch.ID), channelmember.UserID(userID)).Only(sys)
	switch {
	case ent.IsNotFound(err) && role != nil:
		m, err := tx.ChannelMember.Create().SetOrganizationID(ch.OrganizationID).SetChannelID(ch.ID).
			SetUserID(userID).SetRole(channelRole(*role)).Save(sys)
		if err != nil {
			return err
		}
		return s.emitMember(sys, tx, stream.MemberAdded, m)
	case ent.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("chat: load project channel member: %w", err)
	case role == nil:
		if err := tx.ChannelMember.DeleteOneID(m.ID).Exec(sys); err != nil {
			return err
		}
		return s.emitMember(sys, tx, stream.MemberRemoved, m)
	case m.Role != channelRole(*role):
		m, err := tx.ChannelMember.UpdateOneID(m.ID).SetRole(channelRole(*role)).Save(sys)
		if err != nil {
			return err
		}
		return s.emitMember(sys, tx, stream.MemberUpdated, m)
	}
	return nil
}

// LeaveOrganization ends every channel membership of user in org, in the
// transaction that ends their membership of the organization: project
// channels as LeaveProjectChannels does (projectIDs are the projects they
// have just left), then every other channel (public, private, direct),
// each with its member.removed event. Last, it tells the user's open
// streams to re-authorize (stream.AccessChanged): they stop delivering the
// organization at once, public channels included.
func (s *Service) LeaveOrganization(ctx context.Context, tx *ent.Tx, org, userID uuid.UUID, projectIDs []uuid.UUID) error {
	if err := s.LeaveProjectChannels(ctx, tx, projectIDs, userID); err != nil {
		return err
	}
	// Why a system context: leaving the organization ends every channel
	// membership in it, whatever the remover's channel roles; the removal
	// itself passed member:delete.
	sys := viewer.NewSystemContext(ctx, "chat: a member leaving the organization leaves its channels")
	mine := tx.ChannelMember.Query().Where(channelmember.OrganizationID(org), channelmember.UserID(userID))
	ms, err := mine.Order(ent.Asc(channelmember.FieldChannelID)).All(sys)
	if err != nil {
		return fmt.Errorf("chat: list the member's channels: %w", err)
	}
	for _, m := range ms {
		if err := tx.ChannelMember.DeleteOneID(m.ID).Exec(sys); err != nil {
			return fmt.Errorf("chat: leave channel %s: %w", m.ChannelID, err)
		}
		if err := s.emitMember(sys, tx, stream.MemberRemoved, m); err != nil {
			return err
		}
	}
	return s.opts.Events.Emit(sys, tx, stream.Change{Type: stream.AccessChanged, Organization: org,
		User: &userID, OnlyUser: true, Payload: map[string]string{"reason": "organization.left"}})
}

// LeaveProjectChannels takes user out of the channels of the projects
// (ids) whose membership they have just lost in tx (leaving the
// organization ends every project membership in it), with the same events
// as SyncProjectMember. Projects are locked in id order, so two such
// removals cannot deadlock.
func (s *Service) LeaveProjectChannels(ctx context.Context, tx *ent.Tx, projectIDs []uuid.UUID, userID uuid.UUID) error {
	ids := slices.Clone(projectIDs)
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	for _, id := range ids {
		if err := s.SyncProjectMember(ctx, tx, id, userID, nil); err != nil {
			return err
		}
	}
	return nil
}
