package api

import (
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/chat"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/richtext"
)

// ToAPIChannel converts a channel.
func ToAPIChannel(c *ent.Channel) *oas.ChatChannel { return apiconv.ChatChannel(c) }

// ToAPIChannelMember converts a membership, adding the username of its user
// (when loaded).
func ToAPIChannelMember(m *ent.ChannelMember) *oas.ChatMember {
	out := apiconv.ChatMember(m)
	if u := m.Edges.User; u != nil {
		out.Username = u.Username
	}
	return out
}

// ToAPIMyChannel converts one of the caller's channels with its counts.
func ToAPIMyChannel(c chat.MyChannel) oas.ChatMyChannel {
	return oas.ChatMyChannel{
		Channel: *ToAPIChannel(c.Channel), Role: oas.ChatMyChannelRole(c.Member.Role), Muted: c.Member.Muted,
		NotifyLevel: oas.ChatMyChannelNotifyLevel(c.Member.NotifyLevel), LastReadMessageID: optNilUUID(c.LastReadMessageID),
		UnreadCount: c.Unread, MentionCount: c.Mentions,
	}
}

// ToAPIMessage converts a message view. body_html is rendered here, where
// HTML is produced, from the Markdown stored as typed.
func ToAPIMessage(v *chat.View) *oas.ChatMessage {
	m := v.Message
	out := apiconv.ChatMessage(m)
	out.Deleted = v.Deleted
	out.Reactions = []oas.ChatReaction{}
	out.Files = convertAll(v.Files, deref(ToAPIMessageFile))
	if html, err := richtext.HTML(m.Body); err == nil {
		out.BodyHTML = html
	}
	if out.MentionedUserIds == nil {
		out.MentionedUserIds = []uuid.UUID{}
	}
	if out.Files == nil {
		out.Files = []oas.ChatFile{}
	}
	for _, r := range v.Reactions {
		out.Reactions = append(out.Reactions, oas.ChatReaction{Emoji: r.Emoji, Count: r.Count, Me: r.Mine})
	}
	return out
}

// ToAPIMessageFile converts a message file (never its storage key).
func ToAPIMessageFile(f *ent.MessageFile) *oas.ChatFile { return apiconv.ChatFile(f) }
