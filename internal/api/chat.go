package api

import (
	"context"

	"github.com/worksynapse/worksynapse/ent/channel"
	"github.com/worksynapse/worksynapse/ent/channelmember"
	"github.com/worksynapse/worksynapse/internal/chat"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/tasks"
)

// Chat operations: channels, members, messages, reactions, pins, files,
// read state and search. The logic (visibility, archive, threads,
// mentions, counts) lives in internal/chat.

// ListChannels implements GET /organizations/{org_id}/channels.
func (h *Handler) ListChannels(ctx context.Context, params oas.ListChannelsParams) (oas.ListChannelsRes, error) {
	var typ *channel.Type
	if t, ok := params.Type.Get(); ok {
		typ = ref(channel.Type(t))
	}
	page, err := h.chat.ListChannels(ctx, params.OrgID, typ, params.Archived.Or(false), pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.ChatChannelPage{Items: convertAll(page.Items, deref(ToAPIChannel)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// CreateChannel implements POST /organizations/{org_id}/channels.
func (h *Handler) CreateChannel(ctx context.Context, req *oas.ChatChannelCreateRequest, params oas.CreateChannelParams) (oas.CreateChannelRes, error) {
	ch, err := h.chat.CreateChannel(ctx, params.OrgID, chat.ChannelInput{
		Type: channel.Type(req.Type), Name: &req.Name, Purpose: optPtr(req.Purpose), Topic: optPtr(req.Topic),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIChannel(ch), nil
}

// OpenDirectChannel implements POST /organizations/{org_id}/direct-channels.
func (h *Handler) OpenDirectChannel(ctx context.Context, req *oas.ChatDirectRequest, params oas.OpenDirectChannelParams) (oas.OpenDirectChannelRes, error) {
	ch, err := h.chat.OpenDirect(ctx, params.OrgID, req.UserID)
	if err != nil {
		return nil, err
	}
	return ToAPIChannel(ch), nil
}

// OpenProjectChannel implements POST /projects/{project_id}/channel.
func (h *Handler) OpenProjectChannel(ctx context.Context, params oas.OpenProjectChannelParams) (oas.OpenProjectChannelRes, error) {
	ch, err := h.chat.OpenProjectChannel(ctx, params.ProjectID)
	if err != nil {
		return nil, err
	}
	return ToAPIChannel(ch), nil
}

// GetChannel implements GET /channels/{channel_id}.
func (h *Handler) GetChannel(ctx context.Context, params oas.GetChannelParams) (oas.GetChannelRes, error) {
	ch, err := h.chat.Channel(ctx, params.ChannelID)
	if err != nil {
		return nil, err
	}
	return ToAPIChannel(ch), nil
}

// UpdateChannel implements PATCH /channels/{channel_id}.
func (h *Handler) UpdateChannel(ctx context.Context, req *oas.ChatChannelUpdateRequest, params oas.UpdateChannelParams) (oas.UpdateChannelRes, error) {
	ch, err := h.chat.UpdateChannel(ctx, params.ChannelID, chat.ChannelInput{
		Name: optPtr(req.Name), Purpose: optPtr(req.Purpose), Topic: optPtr(req.Topic),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIChannel(ch), nil
}

// ArchiveChannel implements POST /channels/{channel_id}/archive.
func (h *Handler) ArchiveChannel(ctx context.Context, params oas.ArchiveChannelParams) (oas.ArchiveChannelRes, error) {
	ch, err := h.chat.SetArchived(ctx, params.ChannelID, true)
	if err != nil {
		return nil, err
	}
	return ToAPIChannel(ch), nil
}

// UnarchiveChannel implements POST /channels/{channel_id}/unarchive.
func (h *Handler) UnarchiveChannel(ctx context.Context, params oas.UnarchiveChannelParams) (oas.UnarchiveChannelRes, error) {
	ch, err := h.chat.SetArchived(ctx, params.ChannelID, false)
	if err != nil {
		return nil, err
	}
	return ToAPIChannel(ch), nil
}

// ListChannelMembers implements GET /channels/{channel_id}/members.
func (h *Handler) ListChannelMembers(ctx context.Context, params oas.ListChannelMembersParams) (oas.ListChannelMembersRes, error) {
	page, err := h.chat.ListMembers(ctx, params.ChannelID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.ChatMemberPage{Items: convertAll(page.Items, deref(ToAPIChannelMember)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// AddChannelMember implements POST /channels/{channel_id}/members.
func (h *Handler) AddChannelMember(ctx context.Context, req *oas.ChatMemberAddRequest, params oas.AddChannelMemberParams) (oas.AddChannelMemberRes, error) {
	role := channelmember.RoleMember
	if r, ok := req.Role.Get(); ok {
		role = channelmember.Role(r)
	}
	m, err := h.chat.AddMember(ctx, params.ChannelID, req.UserID, role)
	if err != nil {
		return nil, err
	}
	return ToAPIChannelMember(m), nil
}

// JoinChannel implements POST /channels/{channel_id}/join.
func (h *Handler) JoinChannel(ctx context.Context, params oas.JoinChannelParams) (oas.JoinChannelRes, error) {
	m, err := h.chat.Join(ctx, params.ChannelID)
	if err != nil {
		return nil, err
	}
	return ToAPIChannelMember(m), nil
}

// UpdateChannelMember implements PATCH /channels/{channel_id}/members/{user_id}.
func (h *Handler) UpdateChannelMember(ctx context.Context, req *oas.ChatMemberUpdateRequest, params oas.UpdateChannelMemberParams) (oas.UpdateChannelMemberRes, error) {
	var in chat.MemberInput
	if r, ok := req.Role.Get(); ok {
		in.Role = ref(channelmember.Role(r))
	}
	if m, ok := req.Muted.Get(); ok {
		in.Muted = &m
	}
	if n, ok := req.NotifyLevel.Get(); ok {
		in.NotifyLevel = ref(channelmember.NotifyLevel(n))
	}
	m, err := h.chat.UpdateMember(ctx, params.ChannelID, params.UserID, in)
	if err != nil {
		return nil, err
	}
	return ToAPIChannelMember(m), nil
}

// RemoveChannelMember implements DELETE /channels/{channel_id}/members/{user_id}.
func (h *Handler) RemoveChannelMember(ctx context.Context, params oas.RemoveChannelMemberParams) (oas.RemoveChannelMemberRes, error) {
	return &oas.RemoveChannelMemberNoContent{}, h.chat.RemoveMember(ctx, params.ChannelID, params.UserID)
}

// ListChannelMessages implements GET /channels/{channel_id}/messages.
func (h *Handler) ListChannelMessages(ctx context.Context, params oas.ListChannelMessagesParams) (oas.ListChannelMessagesRes, error) {
	w, err := h.chat.Scrollback(ctx, params.ChannelID, chat.Position{
		Before: optPtr(params.Before), After: optPtr(params.After), Around: optPtr(params.Around),
		Limit: params.Limit.Or(pagination.DefaultLimit),
	})
	if err != nil {
		return nil, err
	}
	return &oas.ChatScrollback{Items: convertAll(w.Items, deref(ToAPIMessage)), HasOlder: w.HasOlder, HasNewer: w.HasNewer}, nil
}

// PostMessage implements POST /channels/{channel_id}/messages.
func (h *Handler) PostMessage(ctx context.Context, req *oas.ChatMessageCreateRequest, params oas.PostMessageParams) (oas.PostMessageRes, error) {
	m, err := h.chat.Post(ctx, params.ChannelID, req.Body, optPtr(req.RootID))
	if err != nil {
		return nil, err
	}
	return ToAPIMessage(m), nil
}

// MarkChannelRead implements POST /channels/{channel_id}/read.
func (h *Handler) MarkChannelRead(ctx context.Context, req *oas.ChatReadRequest, params oas.MarkChannelReadParams) (oas.MarkChannelReadRes, error) {
	rr, err := h.chat.MarkRead(ctx, params.ChannelID, optPtr(req.MessageID))
	if err != nil {
		return nil, err
	}
	out := &oas.ChatReadState{ChannelID: rr.ChannelID}
	if rr.LastReadMessageID != nil {
		out.LastReadMessageID = oas.NewOptNilUUID(*rr.LastReadMessageID)
	}
	if rr.LastReadAt != nil {
		out.LastReadAt = oas.NewOptNilDateTime(*rr.LastReadAt)
	}
	return out, nil
}

// ListChannelPins implements GET /channels/{channel_id}/pins.
func (h *Handler) ListChannelPins(ctx context.Context, params oas.ListChannelPinsParams) (oas.ListChannelPinsRes, error) {
	page, views, err := h.chat.Pins(ctx, params.ChannelID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	items := make([]oas.ChatPin, len(page.Items))
	for i, p := range page.Items {
		items[i] = oas.ChatPin{Message: *ToAPIMessage(views[i]), PinnedByID: p.PinnedByID, PinnedAt: p.PinnedAt}
	}
	return &oas.ChatPinPage{Items: items, NextCursor: nextCursor(page.NextCursor)}, nil
}

// GetMessage implements GET /messages/{message_id}.
func (h *Handler) GetMessage(ctx context.Context, params oas.GetMessageParams) (oas.GetMessageRes, error) {
	m, err := h.chat.Message(ctx, params.MessageID)
	if err != nil {
		return nil, err
	}
	return ToAPIMessage(m), nil
}

// EditMessage implements PATCH /messages/{message_id}.
func (h *Handler) EditMessage(ctx context.Context, req *oas.ChatMessageUpdateRequest, params oas.EditMessageParams) (oas.EditMessageRes, error) {
	m, err := h.chat.Edit(ctx, params.MessageID, req.Body)
	if err != nil {
		return nil, err
	}
	return ToAPIMessage(m), nil
}

// DeleteMessage implements DELETE /messages/{message_id}.
func (h *Handler) DeleteMessage(ctx context.Context, params oas.DeleteMessageParams) (oas.DeleteMessageRes, error) {
	return &oas.DeleteMessageNoContent{}, h.chat.Delete(ctx, params.MessageID)
}

// ListThread implements GET /messages/{message_id}/thread.
func (h *Handler) ListThread(ctx context.Context, params oas.ListThreadParams) (oas.ListThreadRes, error) {
	page, err := messagePage(h.chat.Thread(ctx, params.MessageID, pageParams(params.Limit, params.Cursor)))
	if err != nil {
		return nil, err
	}
	return page, nil
}

// ListMyMentions implements GET /me/mentions.
func (h *Handler) ListMyMentions(ctx context.Context, params oas.ListMyMentionsParams) (oas.ListMyMentionsRes, error) {
	page, err := messagePage(h.chat.Mentions(ctx, pageParams(params.Limit, params.Cursor)))
	if err != nil {
		return nil, err
	}
	return page, nil
}

// SearchMessages implements GET /organizations/{org_id}/messages/search.
func (h *Handler) SearchMessages(ctx context.Context, params oas.SearchMessagesParams) (oas.SearchMessagesRes, error) {
	q := chat.SearchQuery{Text: params.Q, ChannelID: optPtr(params.ChannelID), AuthorID: optPtr(params.AuthorID),
		Since: optPtr(params.Since), Until: optPtr(params.Until)}
	if b, ok := params.HasFile.Get(); ok {
		q.HasFile = &b
	}
	page, err := messagePage(h.chat.Search(ctx, params.OrgID, q, pageParams(params.Limit, params.Cursor)))
	if err != nil {
		return nil, err
	}
	return page, nil
}

func messagePage(page pagination.Page[*chat.View], err error) (*oas.ChatMessagePage, error) {
	if err != nil {
		return nil, err
	}
	return &oas.ChatMessagePage{Items: convertAll(page.Items, deref(ToAPIMessage)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// AddReaction implements PUT /messages/{message_id}/reactions/{emoji}.
func (h *Handler) AddReaction(ctx context.Context, params oas.AddReactionParams) (oas.AddReactionRes, error) {
	m, err := h.chat.React(ctx, params.MessageID, params.Emoji)
	if err != nil {
		return nil, err
	}
	return ToAPIMessage(m), nil
}

// RemoveReaction implements DELETE /messages/{message_id}/reactions/{emoji}.
func (h *Handler) RemoveReaction(ctx context.Context, params oas.RemoveReactionParams) (oas.RemoveReactionRes, error) {
	m, err := h.chat.Unreact(ctx, params.MessageID, params.Emoji)
	if err != nil {
		return nil, err
	}
	return ToAPIMessage(m), nil
}

// PinMessage implements PUT /messages/{message_id}/pin.
func (h *Handler) PinMessage(ctx context.Context, params oas.PinMessageParams) (oas.PinMessageRes, error) {
	p, err := h.chat.Pin(ctx, params.MessageID)
	if err != nil {
		return nil, err
	}
	m, err := h.chat.Message(ctx, p.MessageID)
	if err != nil {
		return nil, err
	}
	return &oas.ChatPin{Message: *ToAPIMessage(m), PinnedByID: p.PinnedByID, PinnedAt: p.PinnedAt}, nil
}

// UnpinMessage implements DELETE /messages/{message_id}/pin.
func (h *Handler) UnpinMessage(ctx context.Context, params oas.UnpinMessageParams) (oas.UnpinMessageRes, error) {
	return &oas.UnpinMessageNoContent{}, h.chat.Unpin(ctx, params.MessageID)
}

// UploadMessageFile implements POST /messages/{message_id}/files.
func (h *Handler) UploadMessageFile(ctx context.Context, req *oas.AttachmentUploadMultipart, params oas.UploadMessageFileParams) (oas.UploadMessageFileRes, error) {
	f, err := h.chat.AttachFile(ctx, params.MessageID, chat.Upload{Name: req.File.Name, Content: req.File.File})
	if err != nil {
		return nil, err
	}
	return ToAPIMessageFile(f), nil
}

// DownloadMessageFile implements GET /message-files/{file_id}/download.
// ogen closes the reader once the body is written.
func (h *Handler) DownloadMessageFile(ctx context.Context, params oas.DownloadMessageFileParams) (oas.DownloadMessageFileRes, error) {
	f, r, err := h.chat.OpenFile(ctx, params.FileID)
	if err != nil {
		return nil, err
	}
	return &oas.DownloadMessageFileOKHeaders{
		ContentDisposition:  oas.NewOptString(tasks.ContentDisposition(f.FileName)),
		XContentTypeOptions: oas.NewOptString("nosniff"),
		Response:            oas.DownloadMessageFileOK{Data: r},
	}, nil
}

// ListMyChannels implements GET /me/channels.
func (h *Handler) ListMyChannels(ctx context.Context, params oas.ListMyChannelsParams) (oas.ListMyChannelsRes, error) {
	cs, err := h.chat.MyChannels(ctx, optPtr(params.OrganizationID))
	if err != nil {
		return nil, err
	}
	return &oas.ChatMyChannelList{Items: convertAll(cs, ToAPIMyChannel)}, nil
}
