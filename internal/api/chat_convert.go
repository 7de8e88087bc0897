package api

import (
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/chat"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/richtext"
)

// ToAPIChannel converts a channel.
func ToAPIChannel(c *ent.Channel) *oas.ChatChannel {
	return &oas.ChatChannel{
		ID: c.ID, OrganizationID: c.OrganizationID, Type: oas.ChatChannelType(c.Type),
		Name: c.Name, Purpose: c.Purpose, Topic: c.Topic,
		ProjectID: optNilUUID(c.ProjectID), ArchivedAt: optNilTime(c.ArchivedAt),
		CreatedByID: optNilUUID(c.CreatedByID), LastMessageAt: optNilTime(c.LastMessageAt),
		MessageCount: c.MessageCount, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
}

// ToAPIChannelMember converts a membership (with its user loaded).
func ToAPIChannelMember(m *ent.ChannelMember) *oas.ChatMember {
	out := &oas.ChatMember{
		ChannelID: m.ChannelID, UserID: m.UserID, Role: oas.ChatMemberRole(m.Role), Muted: m.Muted,
		NotifyLevel: oas.ChatMemberNotifyLevel(m.NotifyLevel), JoinedAt: m.JoinedAt,
	}
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
	out := &oas.ChatMessage{
		ID: m.ID, OrganizationID: m.OrganizationID, ChannelID: m.ChannelID,
		AuthorID: optNilUUID(m.AuthorID), AuthorAgentID: optNilUUID(m.AuthorAgentID), RootID: optNilUUID(m.RootID), Body: m.Body, Deleted: v.Deleted,
		ReplyCount: m.ReplyCount, LastReplyAt: optNilTime(m.LastReplyAt), EditedAt: optNilTime(m.EditedAt),
		MentionedUserIds: m.MentionedUserIds, MentionsChannel: m.MentionsChannel, HasFiles: m.HasFiles,
		Reactions: []oas.ChatReaction{}, Files: convertAll(v.Files, deref(ToAPIMessageFile)), CreatedAt: m.CreatedAt,
	}
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
func ToAPIMessageFile(f *ent.MessageFile) *oas.ChatFile {
	return &oas.ChatFile{
		ID: f.ID, MessageID: f.MessageID, ChannelID: f.ChannelID, UploaderID: f.UploaderID, FileName: f.FileName,
		ContentType: f.ContentType, SizeBytes: f.SizeBytes, SHA256: f.Sha256, CreatedAt: f.CreatedAt,
	}
}
