package chatrule

import (
	"context"
	"strings"

	"entgo.io/ent/entql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/channel"
	"github.com/worksynapse/worksynapse/ent/channelmember"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// clientOf is the (transactional) client of a generated mutation.
func clientOf(m ent.Mutation) (*ent.Client, error) {
	c, ok := m.(interface{ Client() *ent.Client })
	if !ok {
		return nil, privacy.Denyf("chatrule: unexpected mutation %T", m)
	}
	return c.Client(), nil
}

// ChannelPolicy: readers see public channels and those they belong to.
// Public and private channels are created with channel:create; a direct
// channel by either of its two users (any member of the organization);
// project channels by system code only (they follow the project).
// Renaming, archiving and deleting need channel:update/delete in the
// organization or the owner/admin role in the channel.
func ChannelPolicy() ent.Policy {
	manage := func(action string) privacy.MutationRule {
		return filter(func(v *viewer.Viewer) entql.P {
			return entql.And(channelVisible(v), entql.Or(
				fieldIn("organization_id", v.OrganizationsWhere(resChannel, action)),
				channelManager(v),
			))
		})
	}
	return policy(channelVisible,
		createWith(createChannel),
		onUpdate(manage(viewer.ActionUpdate)),
		onDelete(manage(viewer.ActionDelete)),
	)
}

func createChannel(_ context.Context, v *viewer.Viewer, org uuid.UUID, m ent.Mutation) error {
	typ, _ := m.Field("type")
	switch typ {
	case channel.TypePublic, channel.TypePrivate:
		return can(v, org, resChannel, viewer.ActionCreate)
	case channel.TypeDirect:
		key, _ := m.Field("direct_key")
		s, _ := key.(string)
		if !strings.Contains(s, v.UserID.String()) || v.UserID == uuid.Nil {
			return privacy.Denyf("chatrule: a direct channel is opened by one of its two users")
		}
		return can(v, org, resChannel, viewer.ActionRead)
	}
	return privacy.Denyf("chatrule: %v channels are created by the server", typ)
}

// ChannelMemberPolicy: members of visible channels are visible. Joining:
// oneself to a public channel (channel:read); the two users of a direct
// channel when it is opened; the creator of a channel as its first
// member; anyone added by a live member of the channel, or, for public
// channels, by a holder of channel:update. Project channel members follow
// the project (system code). Everyone sets their own mute and
// notification level; roles change and members are removed by the channel's
// owners/admins or holders of channel:update; anyone may leave.
func ChannelMemberPolicy() ent.Policy {
	prefs := filter(func(v *viewer.Viewer) entql.P { return entql.FieldEQ("user_id", v.UserID) })
	manage := filter(func(v *viewer.Viewer) entql.P {
		return entql.HasEdgeWith("channel", entql.And(channelVisible(v), entql.Or(
			fieldIn("organization_id", v.OrganizationsWhere(resChannel, viewer.ActionUpdate)),
			channelManager(v),
		)))
	})
	leave := filter(func(v *viewer.Viewer) entql.P {
		return entql.Or(entql.FieldEQ("user_id", v.UserID), entql.HasEdgeWith("channel", entql.And(channelVisible(v), entql.Or(
			fieldIn("organization_id", v.OrganizationsWhere(resChannel, viewer.ActionUpdate)),
			channelManager(v),
		))))
	})
	return policy(func(v *viewer.Viewer) entql.P { return entql.HasEdgeWith("channel", channelVisible(v)) },
		onCreate(privacy.MutationRuleFunc(addMember)),
		onUpdate(privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
			if onlyFields(m, "muted", "notify_level") {
				return prefs.EvalMutation(ctx, m)
			}
			return manage.EvalMutation(ctx, m)
		})),
		onDelete(leave),
	)
}

// onlyFields reports whether m touches no field but allowed (and
// updated_at, which ent maintains).
func onlyFields(m ent.Mutation, allowed ...string) bool {
	for _, f := range append(append(m.Fields(), m.ClearedFields()...), m.AddedFields()...) {
		if f == "updated_at" {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == f
		}
		if !ok {
			return false
		}
	}
	return true
}

// addMember decides a ChannelMember create (see ChannelMemberPolicy).
func addMember(ctx context.Context, m ent.Mutation) error {
	v := viewer.FromContext(ctx)
	c, err := clientOf(m)
	if err != nil {
		return err
	}
	chID, user := uuidField(m, "channel_id"), uuidField(m, "user_id")
	ch, err := c.Channel.Get(system(ctx, "the channel a membership change depends on"), chID)
	if err != nil {
		return privacy.Denyf("chatrule: load channel %s: %v", chID, err)
	}
	if ch.OrganizationID != uuidField(m, "organization_id") || v.UserID == uuid.Nil {
		return privacy.Denyf("chatrule: membership of another organization")
	}
	if err := can(v, ch.OrganizationID, resChannel, viewer.ActionRead); err != nil {
		return err
	}
	role, _ := m.Field("role")
	elevated := role != nil && role != channelmember.RoleMember
	switch ch.Type {
	case channel.TypeProject:
		return privacy.Denyf("chatrule: project channel members follow the project")
	case channel.TypeDirect:
		if !elevated && strings.Contains(ch.DirectKey, v.UserID.String()) && strings.Contains(ch.DirectKey, user.String()) {
			return privacy.Allow
		}
		return privacy.Denyf("chatrule: a direct channel has exactly its two users")
	}
	if user == v.UserID && ch.CreatedByID != nil && *ch.CreatedByID == v.UserID && !hasMembers(ctx, c, ch.ID) {
		return privacy.Allow // the creator's own first membership
	}
	if ch.Type == channel.TypePublic && v.Can(ch.OrganizationID, resChannel, viewer.ActionUpdate) {
		return privacy.Allow
	}
	if !elevated && user == v.UserID && ch.Type == channel.TypePublic {
		return privacy.Allow // joining a public channel
	}
	roles := []channelmember.Role{}
	if elevated {
		roles = []channelmember.Role{channelmember.RoleOwner, channelmember.RoleAdmin}
	}
	if ok, err := liveMembership(ctx, c, ch.ID, v.UserID, roles...); err != nil || !ok {
		return privacy.Denyf("chatrule: only members of the channel add others to it (owners and admins with a role)")
	}
	return privacy.Allow
}

// hasMembers reports whether channel ch has a live member (true on error,
// which denies).
func hasMembers(ctx context.Context, c *ent.Client, ch uuid.UUID) bool {
	ok, err := c.ChannelMember.Query().Where(channelmember.ChannelID(ch)).Exist(system(ctx, "whether the channel has members at all"))
	return err != nil || ok
}

// MessagePolicy: messages of visible channels are readable with
// message:read. Posting needs message:create and a live membership of the
// channel, as the author; an agent, which is no member, posts as
// author_agent_id in live, unarchived public channels of its
// organization (see agentPost). Editing is the author's (message:update);
// deleting the author's, a channel owner's/admin's or a holder of
// message:delete.
func MessagePolicy() ent.Policy {
	edit := filter(func(v *viewer.Viewer) entql.P {
		return entql.And(messageVisible(v), entql.FieldEQ("author_id", v.UserID),
			fieldIn("organization_id", v.OrganizationsWhere(resMessage, viewer.ActionUpdate)))
	})
	del := filter(func(v *viewer.Viewer) entql.P {
		return entql.And(messageVisible(v), entql.Or(
			entql.FieldEQ("author_id", v.UserID),
			fieldIn("organization_id", v.OrganizationsWhere(resMessage, viewer.ActionDelete)),
			entql.HasEdgeWith("channel", channelManager(v)),
		))
	})
	return policy(messageVisible,
		createWith(func(ctx context.Context, v *viewer.Viewer, org uuid.UUID, m ent.Mutation) error {
			if isAgent(v) {
				return agentPost(ctx, m, v, org)
			}
			if err := own(m, v, "author_id"); err != nil {
				return err
			}
			if err := can(v, org, resMessage, viewer.ActionCreate); err != nil {
				return err
			}
			return requireMember(ctx, m, v)
		}),
		onUpdate(edit),
		onDelete(del),
	)
}

// agentPost decides an agent's post: written as the agent itself (no
// user author), with message:create, to a live public channel of the
// message's organization that is not archived. Membership cannot be the
// test here (agents are never members), so the channel's type is.
func agentPost(ctx context.Context, m ent.Mutation, v *viewer.Viewer, org uuid.UUID) error {
	if uuidField(m, "author_agent_id") != v.AgentID || uuidField(m, "author_id") != uuid.Nil {
		return privacy.Denyf("chatrule: an agent posts as itself")
	}
	if err := can(v, org, resMessage, viewer.ActionCreate); err != nil {
		return err
	}
	c, err := clientOf(m)
	if err != nil {
		return err
	}
	ok, err := c.Channel.Query().Where(channel.ID(uuidField(m, "channel_id")), channel.OrganizationID(org),
		channel.TypeEQ(channel.TypePublic), channel.ArchivedAtIsNil(), channel.DeletedAtIsNil()).Exist(system(ctx, "a public channel the viewer joins is not theirs to see yet"))
	if err != nil || !ok {
		return privacy.Denyf("chatrule: agents post to live public channels of their organization only")
	}
	return nil
}

// requireMember denies unless the viewer is a live member of the channel
// written by m.
func requireMember(ctx context.Context, m ent.Mutation, v *viewer.Viewer) error {
	c, err := clientOf(m)
	if err != nil {
		return err
	}
	if ok, err := liveMembership(ctx, c, uuidField(m, "channel_id"), v.UserID); err != nil || !ok {
		return privacy.Denyf("chatrule: only members of the channel write to it")
	}
	return nil
}

// MessageFilePolicy: files of readable messages are readable; the author
// of a message attaches files to it (message:create); the uploader or a
// holder of message:delete removes them.
func MessageFilePolicy() ent.Policy {
	return policy(messageVisible,
		createWith(func(ctx context.Context, v *viewer.Viewer, org uuid.UUID, m ent.Mutation) error {
			if err := own(m, v, "uploader_id"); err != nil {
				return err
			}
			return can(v, org, resMessage, viewer.ActionCreate)
		}),
		onDelete(filter(func(v *viewer.Viewer) entql.P {
			return entql.And(messageVisible(v), entql.Or(entql.FieldEQ("uploader_id", v.UserID),
				fieldIn("organization_id", v.OrganizationsWhere(resMessage, viewer.ActionDelete))))
		})),
	)
}

// MessageReactionPolicy: reactions to readable messages are readable;
// members of the channel react (message:create) as themselves and remove
// their own reactions.
func MessageReactionPolicy() ent.Policy {
	return policy(func(v *viewer.Viewer) entql.P { return entql.HasEdgeWith("message", messageVisible(v)) },
		createWith(func(ctx context.Context, v *viewer.Viewer, org uuid.UUID, m ent.Mutation) error {
			if err := own(m, v, "user_id"); err != nil {
				return err
			}
			return can(v, org, resMessage, viewer.ActionCreate)
		}),
		onDelete(filter(func(v *viewer.Viewer) entql.P {
			return entql.And(entql.FieldEQ("user_id", v.UserID), entql.HasEdgeWith("message", messageVisible(v)))
		})),
	)
}

// PinnedMessagePolicy: pins of visible channels are readable; pinning and
// unpinning need message:update and a visible channel.
func PinnedMessagePolicy() ent.Policy {
	visible := func(v *viewer.Viewer) entql.P {
		return entql.And(fieldIn("organization_id", v.OrganizationsWhere(resMessage, viewer.ActionRead)),
			entql.HasEdgeWith("channel", channelVisible(v)))
	}
	return policy(visible,
		createWith(func(ctx context.Context, v *viewer.Viewer, org uuid.UUID, m ent.Mutation) error {
			if err := own(m, v, "pinned_by_id"); err != nil {
				return err
			}
			if err := can(v, org, resMessage, viewer.ActionUpdate); err != nil {
				return err
			}
			return requireMember(ctx, m, v)
		}),
		onDelete(filter(func(v *viewer.Viewer) entql.P {
			return entql.And(visible(v), fieldIn("organization_id", v.OrganizationsWhere(resMessage, viewer.ActionUpdate)))
		})),
	)
}

// ReadReceiptPolicy: a read pointer is its user's alone: read, created and
// moved by that user (message:read in the organization).
func ReadReceiptPolicy() ent.Policy {
	ownRows := func(v *viewer.Viewer) entql.P {
		return entql.And(entql.FieldEQ("user_id", v.UserID),
			fieldIn("organization_id", v.OrganizationsWhere(resMessage, viewer.ActionRead)))
	}
	return policy(ownRows,
		createWith(func(ctx context.Context, v *viewer.Viewer, org uuid.UUID, m ent.Mutation) error {
			if err := own(m, v, "user_id"); err != nil {
				return err
			}
			return can(v, org, resMessage, viewer.ActionRead)
		}),
		onUpdate(filter(ownRows)),
	)
}

// MessageMentionPolicy: mentions are readable with their message; they
// are derived from the message body and written by the server (system
// code) when the message is posted or edited.
func MessageMentionPolicy() ent.Policy {
	return policy(func(v *viewer.Viewer) entql.P { return entql.HasEdgeWith("message", messageVisible(v)) })
}
