// Package chatrule holds the privacy policies of the chat entities. Chat
// access is not only RBAC: besides the organization permission, a private,
// direct or project channel is visible to its members only, so every read
// of a channel, member, message, file, reaction or pin carries a SQL filter
// "the channel is public or the viewer is a live member". A non-member gets
// "not found" (404) for such a channel and its messages, and lists and
// search never return them. It lives apart from internal/chat so the ent
// schemas can import it without an import cycle.
package chatrule

import (
	"context"

	"entgo.io/ent/entql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/channel"
	"github.com/worksynapse/worksynapse/ent/channelmember"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Permission resources of the matrix (internal/seed).
const (
	resChannel = "channel"
	resMessage = "message"
)

// fieldIn matches field against ids; no ids matches nothing.
func fieldIn(field string, ids []uuid.UUID) entql.P {
	if len(ids) == 0 {
		return entql.FieldNil("id")
	}
	vals := make([]any, len(ids))
	for i, id := range ids {
		vals[i] = id
	}
	return entql.FieldIn(field, vals...)
}

// liveMember matches the viewer's live membership rows, optionally with
// one of roles.
func liveMember(user uuid.UUID, roles ...channelmember.Role) entql.P {
	p := entql.And(entql.FieldEQ("user_id", user), entql.FieldNil("deleted_at"))
	if len(roles) == 0 {
		return p
	}
	vals := make([]any, len(roles))
	for i, r := range roles {
		vals[i] = string(r)
	}
	return entql.And(p, entql.FieldIn("role", vals...))
}

// channelVisible is the filter of channels the viewer may read: live, in
// an organization granting channel:read, and public or joined. An agent
// (key) is never a member, so it reads public channels only: private,
// direct and project channels stay invisible (404) to it.
func channelVisible(v *viewer.Viewer) entql.P {
	access := entql.Or(
		entql.FieldEQ("type", channel.TypePublic.String()),
		entql.HasEdgeWith("members", liveMember(v.UserID)),
	)
	if isAgent(v) {
		access = entql.FieldEQ("type", channel.TypePublic.String())
	}
	return entql.And(
		fieldIn("organization_id", v.OrganizationsWhere(resChannel, viewer.ActionRead)),
		entql.FieldNil("deleted_at"),
		access,
	)
}

// isAgent reports a viewer acting as an AI agent through its key.
func isAgent(v *viewer.Viewer) bool {
	return v.AgentID != uuid.Nil
}

// messageVisible is the filter of messages the viewer may read.
func messageVisible(v *viewer.Viewer) entql.P {
	return entql.And(
		fieldIn("organization_id", v.OrganizationsWhere(resMessage, viewer.ActionRead)),
		entql.HasEdgeWith("channel", channelVisible(v)),
	)
}

// channelManager matches channels where the viewer is owner or admin.
func channelManager(v *viewer.Viewer) entql.P {
	return entql.HasEdgeWith("members", liveMember(v.UserID, channelmember.RoleOwner, channelmember.RoleAdmin))
}

// filter builds a rule that adds pred(viewer) to the query or mutation
// and then allows it: the SQL filter decides which rows exist for it.
func filter(pred func(v *viewer.Viewer) entql.P) privacy.FilterFunc {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.Where(pred(viewer.FromContext(ctx)))
		return privacy.Allow
	})
}

// policy assembles the common head (no viewer: deny; system and
// superuser: allow), the query filter and the mutation rules, ending in
// an explicit deny.
func policy(read func(v *viewer.Viewer) entql.P, mutation ...privacy.MutationRule) ent.Policy {
	m := privacy.MutationPolicy{rule.DenyIfNoViewer(), rule.AllowIfSystem(), rule.AllowIfSuperuser()}
	m = append(append(m, mutation...), rule.DenyAlways())
	return privacy.Policy{
		Query:    privacy.QueryPolicy{rule.DenyIfNoViewer(), rule.AllowIfSystem(), rule.AllowIfSuperuser(), filter(read)},
		Mutation: m,
	}
}

// isDelete reports a delete, or the soft-delete update it becomes (setting
// or clearing deleted_at).
func isDelete(m ent.Mutation) bool {
	if m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
		return true
	}
	_, set := m.Field("deleted_at")
	return set || m.FieldCleared("deleted_at")
}

// onUpdate runs r on updates that are not (soft) deletes.
func onUpdate(r privacy.MutationRule) privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		if m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) && !isDelete(m) {
			return r.EvalMutation(ctx, m)
		}
		return privacy.Skip
	})
}

// onDelete runs r on deletes (and their soft-delete updates).
func onDelete(r privacy.MutationRule) privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		if isDelete(m) {
			return r.EvalMutation(ctx, m)
		}
		return privacy.Skip
	})
}

// onCreate runs r on creates.
func onCreate(r privacy.MutationRule) privacy.MutationRule {
	return privacy.OnMutationOperation(r, ent.OpCreate)
}

// uuidField is the uuid a create writes to name.
func uuidField(m ent.Mutation, name string) uuid.UUID {
	v, _ := m.Field(name)
	id, _ := v.(uuid.UUID)
	return id
}

// createWith allows a create when check passes for the viewer and the
// organization written.
func createWith(check func(ctx context.Context, v *viewer.Viewer, org uuid.UUID, m ent.Mutation) error) privacy.MutationRule {
	return onCreate(privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		if err := check(ctx, viewer.FromContext(ctx), uuidField(m, "organization_id"), m); err != nil {
			return err
		}
		return privacy.Allow
	}))
}

// own requires field of a create to be the viewer's own user id.
func own(m ent.Mutation, v *viewer.Viewer, field string) error {
	if v.UserID == uuid.Nil || uuidField(m, field) != v.UserID {
		return privacy.Denyf("chatrule: %s must be the viewer", field)
	}
	return nil
}

// can requires resource:action in org.
func can(v *viewer.Viewer, org uuid.UUID, resource, action string) error {
	if !v.Can(org, resource, action) {
		return privacy.Denyf("chatrule: %s:%s not granted in the organization", resource, action)
	}
	return nil
}

// system is the context the rules read channel state with: the viewer may
// not see the rows the decision depends on (e.g. a private channel they
// are being added to).
func system(ctx context.Context, why string) context.Context {
	return viewer.NewSystemContext(ctx, "chat privacy: "+why)
}

// liveMembership reports whether user is a live member of channel ch,
// with one of roles when given.
func liveMembership(ctx context.Context, c *ent.Client, ch, user uuid.UUID, roles ...channelmember.Role) (bool, error) {
	q := c.ChannelMember.Query().Where(channelmember.ChannelID(ch), channelmember.UserID(user))
	if len(roles) > 0 {
		q.Where(channelmember.RoleIn(roles...))
	}
	return q.Exist(system(ctx, "membership of a channel the viewer may not see yet"))
}
