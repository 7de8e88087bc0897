package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/channel"
	"github.com/worksynapse/worksynapse/ent/messagereaction"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// chatEnv is organization Acme with alice (ADMIN), bobby (VIEWER), daveed
// and carola (DEVELOPER), and evelyn, ADMIN of another organization.
type chatEnv struct {
	*org
	dave, carol, eve    uuid.UUID
	daveT, carolT, eveT string
}

func newChat(t *testing.T, db *database.DB, env testserver.Env) *chatEnv {
	t.Helper()
	c := &chatEnv{org: newOrg(t, db, env)}
	dave, carol, eve := register(t, c.s, "daveed"), register(t, c.s, "carola"), register(t, c.s, "evelyn")
	c.join(dave.ID, seed.RoleDeveloper)
	c.join(carol.ID, seed.RoleDeveloper)
	other := testfix.Org(t, db.Ent, "Globex")
	u := db.Ent.User.GetX(testfix.System(), eve.ID)
	testfix.Member(t, db.Ent, other, u)
	testfix.Grant(t, db.Ent, other, u, seed.RoleAdmin)
	c.dave, c.carol, c.eve = dave.ID, carol.ID, eve.ID
	c.daveT = login(t, c.s, "daveed", goodPassword).AccessToken
	c.carolT = login(t, c.s, "carola", goodPassword).AccessToken
	c.eveT = login(t, c.s, "evelyn", goodPassword).AccessToken
	return c
}

type channelJSON struct {
	ID           uuid.UUID  `json:"id"`
	Type         string     `json:"type"`
	Name         string     `json:"name"`
	Topic        string     `json:"topic"`
	ArchivedAt   *time.Time `json:"archived_at"`
	MessageCount int64      `json:"message_count"`
}

type reactionJSON struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
	Me    bool   `json:"me"`
}

type messageJSON struct {
	ID               uuid.UUID      `json:"id"`
	ChannelID        uuid.UUID      `json:"channel_id"`
	RootID           *uuid.UUID     `json:"root_id"`
	Body             string         `json:"body"`
	BodyHTML         string         `json:"body_html"`
	Deleted          bool           `json:"deleted"`
	ReplyCount       int            `json:"reply_count"`
	LastReplyAt      *time.Time     `json:"last_reply_at"`
	EditedAt         *time.Time     `json:"edited_at"`
	MentionedUserIDs []uuid.UUID    `json:"mentioned_user_ids"`
	MentionsChannel  bool           `json:"mentions_channel"`
	HasFiles         bool           `json:"has_files"`
	Reactions        []reactionJSON `json:"reactions"`
}

type scrollJSON struct {
	Items    []messageJSON `json:"items"`
	HasOlder bool          `json:"has_older"`
	HasNewer bool          `json:"has_newer"`
}

type myChannelJSON struct {
	Channel           channelJSON `json:"channel"`
	Role              string      `json:"role"`
	LastReadMessageID *uuid.UUID  `json:"last_read_message_id"`
	UnreadCount       int64       `json:"unread_count"`
	MentionCount      int64       `json:"mention_count"`
}

func (c *chatEnv) newChannel(token, typ, name string) channelJSON {
	c.t.Helper()
	var ch channelJSON
	c.must(201, token, "POST", c.path("/channels"), map[string]string{"type": typ, "name": name}, &ch)
	return ch
}

func (c *chatEnv) post(token string, ch uuid.UUID, body string, root *uuid.UUID) messageJSON {
	c.t.Helper()
	req := map[string]any{"body": body}
	if root != nil {
		req["root_id"] = root
	}
	var m messageJSON
	c.must(201, token, "POST", fmt.Sprintf("/channels/%s/messages", ch), req, &m)
	return m
}

func (c *chatEnv) addMember(token string, ch, user uuid.UUID) {
	c.t.Helper()
	c.must(201, token, "POST", fmt.Sprintf("/channels/%s/members", ch), map[string]any{"user_id": user}, nil)
}

func (c *chatEnv) search(token, query string) []messageJSON {
	c.t.Helper()
	var page pageJSON[messageJSON]
	c.must(200, token, "GET", c.path("/messages/search?q=%s", url.QueryEscape(query)), nil, &page)
	return page.Items
}

func (c *chatEnv) myChannel(token string, ch uuid.UUID) myChannelJSON {
	c.t.Helper()
	var list struct {
		Items []myChannelJSON `json:"items"`
	}
	if code, body := c.call(token, "GET", "/me/channels?organization_id="+c.org.org.ID.String(), nil); code != 200 || decode(body, &list) != nil {
		c.t.Fatalf("my channels: %d %s\n%s", code, body, c.s.Logs.String())
	}
	for _, it := range list.Items {
		if it.Channel.ID == ch {
			return it
		}
	}
	c.t.Fatalf("channel %s not among the caller's: %+v", ch, list.Items)
	return myChannelJSON{}
}

func TestChatDirectChannelIsOnePerPair(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		direct := c.path("/direct-channels")
		var a, b, again channelJSON
		c.must(200, c.daveT, "POST", direct, map[string]any{"user_id": c.carol}, &a)
		c.must(200, c.carolT, "POST", direct, map[string]any{"user_id": c.dave}, &b)
		c.must(200, c.daveT, "POST", direct, map[string]any{"user_id": c.carol}, &again)
		if a.ID != b.ID || a.ID != again.ID || a.Type != "direct" {
			t.Fatalf("direct channels: %+v %+v %+v", a, b, again)
		}
		c.must(422, c.daveT, "POST", direct, map[string]any{"user_id": c.dave}, nil)
		c.must(404, c.daveT, "POST", direct, map[string]any{"user_id": c.eve}, nil)
		// Only its two users see it; it takes no third member.
		c.must(404, c.adminT, "GET", "/channels/"+a.ID.String(), nil, nil)
		c.must(409, c.daveT, "POST", fmt.Sprintf("/channels/%s/members", a.ID), map[string]any{"user_id": c.alice.ID}, nil)
		m := c.post(c.daveT, a.ID, "hi carola", nil)
		c.must(200, c.carolT, "GET", "/messages/"+m.ID.String(), nil, nil)
		c.must(404, c.adminT, "GET", "/messages/"+m.ID.String(), nil, nil)

		if db.Dialect != dialect.Postgres {
			return
		}
		// Concurrent opens from both sides, of a pair that has no channel yet.
		c.join(c.eve, seed.RoleDeveloper)
		var wg sync.WaitGroup
		ids := make([]uuid.UUID, 8)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				token, other := c.daveT, c.eve
				if i%2 == 1 {
					token, other = c.eveT, c.dave
				}
				var ch channelJSON
				code, body := c.call(token, "POST", direct, map[string]any{"user_id": other})
				if code != 200 || decode(body, &ch) != nil {
					t.Errorf("concurrent open %d: %d %s", i, code, body)
				}
				ids[i] = ch.ID
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("concurrent opens returned different channels: %v", ids)
			}
		}
		n := db.Ent.Channel.Query().Where(channel.TypeEQ(channel.TypeDirect), channel.OrganizationID(c.org.org.ID)).CountX(testfix.System())
		if n != 2 {
			t.Errorf("want 2 direct channels in the organization, got %d", n)
		}
	})
}

func TestChatPrivateChannelIsInvisibleToNonMembers(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		priv := c.newChannel(c.adminT, "private", "board-room")
		pub := c.newChannel(c.adminT, "public", "general")
		secret := c.post(c.adminT, priv.ID, "the secret launch plan", nil)
		c.post(c.adminT, pub.ID, "the public launch party", nil)

		for _, p := range []string{"/channels/" + priv.ID.String(), fmt.Sprintf("/channels/%s/messages", priv.ID),
			fmt.Sprintf("/channels/%s/members", priv.ID), fmt.Sprintf("/channels/%s/pins", priv.ID),
			"/messages/" + secret.ID.String(), fmt.Sprintf("/messages/%s/thread", secret.ID)} {
			c.must(404, c.daveT, "GET", p, nil, nil)
		}
		c.must(404, c.daveT, "POST", fmt.Sprintf("/channels/%s/join", priv.ID), nil, nil)
		c.must(404, c.daveT, "PUT", fmt.Sprintf("/messages/%s/reactions/eyes", secret.ID), nil, nil)
		c.must(404, c.eveT, "GET", "/channels/"+pub.ID.String(), nil, nil)
		var list pageJSON[channelJSON]
		c.must(200, c.daveT, "GET", c.path("/channels"), nil, &list)
		if len(list.Items) != 1 || list.Items[0].ID != pub.ID {
			t.Errorf("dave's channel list: %+v", list.Items)
		}
		if hits := c.search(c.daveT, "launch"); len(hits) != 1 || hits[0].Body != "the public launch party" {
			t.Errorf("dave's search: %+v", hits)
		}
		if hits := c.search(c.adminT, "LAUNCH"); len(hits) != 2 {
			t.Errorf("alice's search: %+v", hits)
		}
		c.must(404, c.eveT, "GET", c.path("/messages/search?q=launch"), nil, nil)

		// A member of the channel (added by its owner) sees it all.
		c.addMember(c.adminT, priv.ID, c.dave)
		c.must(200, c.daveT, "GET", "/messages/"+secret.ID.String(), nil, nil)
		if hits := c.search(c.daveT, "secret plan"); len(hits) != 1 || hits[0].ID != secret.ID {
			t.Errorf("member's search: %+v", hits)
		}
		// ... until removed.
		c.must(204, c.adminT, "DELETE", fmt.Sprintf("/channels/%s/members/%s", priv.ID, c.dave), nil, nil)
		c.must(404, c.daveT, "GET", "/messages/"+secret.ID.String(), nil, nil)
		if hits := c.search(c.daveT, "secret"); len(hits) != 0 {
			t.Errorf("search after removal: %+v", hits)
		}
		// Search filters.
		var page pageJSON[messageJSON]
		c.must(200, c.adminT, "GET", c.path("/messages/search?q=launch&channel_id=%s", pub.ID), nil, &page)
		if len(page.Items) != 1 || page.Items[0].ChannelID != pub.ID {
			t.Errorf("channel filter: %+v", page.Items)
		}
		c.must(200, c.adminT, "GET", c.path("/messages/search?q=launch&author_id=%s", c.dave), nil, &page)
		if len(page.Items) != 0 {
			t.Errorf("author filter: %+v", page.Items)
		}
		c.must(200, c.adminT, "GET", c.path("/messages/search?q=launch&has_file=true"), nil, &page)
		if len(page.Items) != 0 {
			t.Errorf("has_file filter: %+v", page.Items)
		}
		c.must(200, c.adminT, "GET", c.path("/messages/search?q=launch&since=%s", url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))), nil, &page)
		if len(page.Items) != 0 {
			t.Errorf("since filter: %+v", page.Items)
		}
		c.must(200, c.adminT, "GET", c.path("/messages/search?q=launch&limit=1"), nil, &page)
		if len(page.Items) != 1 || page.NextCursor == nil {
			t.Fatalf("first search page: %+v", page)
		}
		var next pageJSON[messageJSON]
		c.must(200, c.adminT, "GET", c.path("/messages/search?q=launch&limit=1&cursor=%s", *page.NextCursor), nil, &next)
		if len(next.Items) != 1 || next.Items[0].ID == page.Items[0].ID || next.NextCursor != nil {
			t.Errorf("second search page: %+v", next)
		}
	})
}

func TestChatArchivedChannelIsReadOnly(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		ch := c.newChannel(c.adminT, "public", "releases")
		c.must(200, c.daveT, "POST", fmt.Sprintf("/channels/%s/join", ch.ID), nil, nil)
		m := c.post(c.daveT, ch.ID, "v1 is out", nil)
		c.must(403, c.daveT, "POST", fmt.Sprintf("/channels/%s/archive", ch.ID), nil, nil)
		var got channelJSON
		c.must(200, c.adminT, "POST", fmt.Sprintf("/channels/%s/archive", ch.ID), nil, &got)
		if got.ArchivedAt == nil {
			t.Fatalf("archived: %+v", got)
		}
		c.must(409, c.adminT, "POST", fmt.Sprintf("/channels/%s/archive", ch.ID), nil, nil)
		c.must(409, c.daveT, "POST", fmt.Sprintf("/channels/%s/messages", ch.ID), map[string]string{"body": "v2?"}, nil)
		c.must(409, c.daveT, "PATCH", "/messages/"+m.ID.String(), map[string]string{"body": "v1.0.1 is out"}, nil)
		c.must(409, c.daveT, "PUT", fmt.Sprintf("/messages/%s/reactions/tada", m.ID), nil, nil)
		c.must(409, c.adminT, "PATCH", "/channels/"+ch.ID.String(), map[string]string{"topic": "x"}, nil)
		c.must(200, c.daveT, "GET", fmt.Sprintf("/channels/%s/messages", ch.ID), nil, nil) // still readable
		c.must(200, c.adminT, "POST", fmt.Sprintf("/channels/%s/unarchive", ch.ID), nil, &got)
		c.post(c.daveT, ch.ID, "v2 is out", nil)
		c.must(200, c.adminT, "PATCH", "/channels/"+ch.ID.String(), map[string]string{"topic": "Releases", "name": "release-notes"}, &got)
		if got.Name != "release-notes" || got.Topic != "Releases" {
			t.Errorf("renamed: %+v", got)
		}
		c.newChannel(c.adminT, "public", "general")
		c.must(409, c.adminT, "PATCH", "/channels/"+ch.ID.String(), map[string]string{"name": "general"}, nil)
		c.must(403, c.daveT, "POST", c.path("/channels"), map[string]string{"type": "public", "name": "mine"}, nil)
	})
}

func TestChatEditDeleteAndThreads(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		ch := c.newChannel(c.adminT, "public", "dev")
		c.must(200, c.daveT, "POST", fmt.Sprintf("/channels/%s/join", ch.ID), nil, nil)
		c.must(200, c.carolT, "POST", fmt.Sprintf("/channels/%s/join", ch.ID), nil, nil)
		c.must(403, c.viewT, "POST", fmt.Sprintf("/channels/%s/messages", ch.ID), map[string]string{"body": "hi"}, nil)

		root := c.post(c.daveT, ch.ID, "Deploy **today**?", nil)
		if !strings.Contains(root.BodyHTML, "<strong>today</strong>") || root.Body != "Deploy **today**?" {
			t.Errorf("rendering: %+v", root)
		}
		r1 := c.post(c.carolT, ch.ID, "yes", &root.ID)
		r2 := c.post(c.daveT, ch.ID, "ok then", &root.ID)
		c.must(422, c.daveT, "POST", fmt.Sprintf("/channels/%s/messages", ch.ID), map[string]any{"body": "nested", "root_id": r1.ID}, nil)
		var got messageJSON
		c.must(200, c.carolT, "GET", "/messages/"+root.ID.String(), nil, &got)
		if got.ReplyCount != 2 || got.LastReplyAt == nil {
			t.Fatalf("root after two replies: %+v", got)
		}
		var thread pageJSON[messageJSON]
		c.must(200, c.carolT, "GET", fmt.Sprintf("/messages/%s/thread", root.ID), nil, &thread)
		if len(thread.Items) != 2 || thread.Items[0].ID != r1.ID || thread.Items[1].ID != r2.ID {
			t.Fatalf("thread: %+v", thread.Items)
		}

		// Edit: the author only; edited_at set; the old text in the audit trail.
		c.must(403, c.carolT, "PATCH", "/messages/"+root.ID.String(), map[string]string{"body": "hijack"}, nil)
		c.must(200, c.daveT, "PATCH", "/messages/"+root.ID.String(), map[string]string{"body": "Deploy tomorrow?"}, &got)
		if got.Body != "Deploy tomorrow?" || got.EditedAt == nil || got.ReplyCount != 2 {
			t.Errorf("edited: %+v", got)
		}
		edits := db.Ent.ActivityLog.Query().Where(activitylog.ResourceID(root.ID),
			activitylog.ActivityTypeEQ(activitylog.ActivityTypeUpdate)).AllX(testfix.System())
		if len(edits) != 1 || edits[0].OldValues["body"] != "Deploy **today**?" || edits[0].NewValues["body"] != "Deploy tomorrow?" {
			t.Errorf("want one update audit row keeping the old text, got %+v", edits)
		}

		// Delete a reply: the root counts one.
		c.must(403, c.carolT, "DELETE", "/messages/"+r2.ID.String(), nil, nil)
		c.must(204, c.daveT, "DELETE", "/messages/"+r2.ID.String(), nil, nil)
		lastReply := got.LastReplyAt
		c.must(200, c.carolT, "GET", "/messages/"+root.ID.String(), nil, &got)
		if got.ReplyCount != 1 || got.LastReplyAt == nil || got.LastReplyAt.After(*lastReply) {
			t.Errorf("root after deleting the last reply: %+v", got)
		}
		// Delete the root: it stays as a placeholder, its reply remains.
		plain := c.post(c.daveT, ch.ID, "to be removed", nil)
		c.must(204, c.adminT, "DELETE", "/messages/"+plain.ID.String(), nil, nil) // ADMIN holds message:delete
		c.must(204, c.daveT, "DELETE", "/messages/"+root.ID.String(), nil, nil)
		c.must(404, c.carolT, "GET", "/messages/"+root.ID.String(), nil, nil)
		var w scrollJSON
		c.must(200, c.carolT, "GET", fmt.Sprintf("/channels/%s/messages", ch.ID), nil, &w)
		if len(w.Items) != 1 || w.Items[0].ID != root.ID || !w.Items[0].Deleted || w.Items[0].Body != "" || w.Items[0].ReplyCount != 1 {
			t.Fatalf("scrollback after deleting the root: %+v", w.Items)
		}
		c.must(200, c.carolT, "GET", fmt.Sprintf("/messages/%s/thread", root.ID), nil, &thread)
		if len(thread.Items) != 1 || thread.Items[0].ID != r1.ID {
			t.Errorf("thread of a deleted root: %+v", thread.Items)
		}
		var chNow channelJSON
		c.must(200, c.carolT, "GET", "/channels/"+ch.ID.String(), nil, &chNow)
		if chNow.MessageCount != 1 {
			t.Errorf("message_count: %d, want 1 (the reply)", chNow.MessageCount)
		}
	})
}

func TestChatReactionsAndPins(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		ch := c.newChannel(c.adminT, "public", "fun")
		c.must(200, c.daveT, "POST", fmt.Sprintf("/channels/%s/join", ch.ID), nil, nil)
		m := c.post(c.adminT, ch.ID, "we shipped", nil)
		react := fmt.Sprintf("/messages/%s/reactions/tada", m.ID)
		var got messageJSON
		c.must(200, c.daveT, "PUT", react, nil, &got)
		c.must(200, c.daveT, "PUT", react, nil, &got) // idempotent
		if len(got.Reactions) != 1 || got.Reactions[0] != (reactionJSON{"tada", 1, true}) {
			t.Fatalf("after two identical adds: %+v", got.Reactions)
		}
		c.must(200, c.adminT, "PUT", react, nil, &got)
		c.must(200, c.adminT, "PUT", fmt.Sprintf("/messages/%s/reactions/eyes", m.ID), nil, &got)
		if len(got.Reactions) != 2 || got.Reactions[0] != (reactionJSON{"tada", 2, true}) || got.Reactions[1] != (reactionJSON{"eyes", 1, true}) {
			t.Fatalf("counts: %+v", got.Reactions)
		}
		c.must(403, c.viewT, "PUT", react, nil, nil)
		c.must(422, c.daveT, "PUT", fmt.Sprintf("/messages/%s/reactions/%s", m.ID, "BAD%20EMOJI"), nil, nil)
		c.must(200, c.daveT, "DELETE", react, nil, &got)
		c.must(200, c.daveT, "DELETE", react, nil, &got)
		if len(got.Reactions) != 2 || got.Reactions[0] != (reactionJSON{"tada", 1, false}) {
			t.Errorf("after removing dave's: %+v", got.Reactions)
		}
		if n := db.Ent.MessageReaction.Query().Where(messagereaction.MessageID(m.ID)).CountX(testfix.System()); n != 2 {
			t.Errorf("live reaction rows: %d", n)
		}

		var pin struct {
			Message    messageJSON `json:"message"`
			PinnedByID uuid.UUID   `json:"pinned_by_id"`
			PinnedAt   time.Time   `json:"pinned_at"`
		}
		pinPath := fmt.Sprintf("/messages/%s/pin", m.ID)
		c.must(403, c.viewT, "PUT", pinPath, nil, nil)
		c.must(200, c.daveT, "PUT", pinPath, nil, &pin)
		c.must(200, c.adminT, "PUT", pinPath, nil, &pin) // idempotent: still dave's pin
		if pin.Message.ID != m.ID || pin.PinnedByID != c.dave || pin.PinnedAt.IsZero() {
			t.Errorf("pin: %+v", pin)
		}
		var pins pageJSON[struct {
			Message messageJSON `json:"message"`
		}]
		c.must(200, c.viewT, "GET", fmt.Sprintf("/channels/%s/pins", ch.ID), nil, &pins)
		if len(pins.Items) != 1 || pins.Items[0].Message.ID != m.ID {
			t.Errorf("pins: %+v", pins.Items)
		}
		c.must(204, c.daveT, "DELETE", pinPath, nil, nil)
		c.must(204, c.daveT, "DELETE", pinPath, nil, nil)
		c.must(200, c.viewT, "GET", fmt.Sprintf("/channels/%s/pins", ch.ID), nil, &pins)
		if len(pins.Items) != 0 {
			t.Errorf("pins after unpin: %+v", pins.Items)
		}
	})
}

func TestChatUnreadCountsAcrossDevices(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		phone := login(t, c.s, "daveed", goodPassword).AccessToken // dave's second device
		ch := c.newChannel(c.adminT, "public", "team")
		quiet := c.newChannel(c.adminT, "private", "quiet")
		c.addMember(c.adminT, quiet.ID, c.dave)
		for _, tok := range []string{c.daveT, c.carolT} {
			c.must(200, tok, "POST", fmt.Sprintf("/channels/%s/join", ch.ID), nil, nil)
		}
		m1 := c.post(c.carolT, ch.ID, "one", nil)
		m2 := c.post(c.carolT, ch.ID, "two, @DaveEd please look", nil)
		c.post(c.carolT, ch.ID, "three", &m1.ID) // thread replies count too
		c.post(c.daveT, ch.ID, "my own post", nil)
		if !slicesContain(m2.MentionedUserIDs, c.dave) {
			t.Errorf("mentions of m2: %v", m2.MentionedUserIDs)
		}
		if got := c.myChannel(c.daveT, ch.ID); got.UnreadCount != 3 || got.MentionCount != 1 || got.LastReadMessageID != nil {
			t.Fatalf("before reading: %+v", got)
		}
		if got := c.myChannel(c.daveT, quiet.ID); got.UnreadCount != 0 || got.MentionCount != 0 {
			t.Errorf("quiet channel: %+v", got)
		}
		read := fmt.Sprintf("/channels/%s/read", ch.ID)
		var state struct {
			LastReadMessageID *uuid.UUID `json:"last_read_message_id"`
		}
		c.must(200, c.daveT, "POST", read, map[string]any{"message_id": m2.ID}, &state)
		if state.LastReadMessageID == nil || *state.LastReadMessageID != m2.ID {
			t.Fatalf("read state: %+v", state)
		}
		if got := c.myChannel(phone, ch.ID); got.UnreadCount != 1 || got.MentionCount != 0 {
			t.Fatalf("after reading to m2 (seen from the phone): %+v", got)
		}
		// The phone lags behind: an older pointer changes nothing.
		c.must(200, phone, "POST", read, map[string]any{"message_id": m1.ID}, &state)
		if *state.LastReadMessageID != m2.ID {
			t.Errorf("pointer moved back to %v", state.LastReadMessageID)
		}
		c.post(c.carolT, ch.ID, "@channel standup", nil)
		if got := c.myChannel(c.daveT, ch.ID); got.UnreadCount != 2 || got.MentionCount != 1 {
			t.Fatalf("after @channel: %+v", got)
		}
		c.must(200, phone, "POST", read, map[string]any{}, nil) // to the newest
		if got := c.myChannel(c.daveT, ch.ID); got.UnreadCount != 0 || got.MentionCount != 0 {
			t.Errorf("after reading all on the phone: %+v", got)
		}
		if got := c.myChannel(c.carolT, ch.ID); got.UnreadCount != 1 {
			t.Errorf("carol sees dave's post as unread: %+v", got)
		}
		c.must(422, c.daveT, "POST", read, map[string]any{"message_id": uuid.New()}, nil)
		c.must(409, c.viewT, "POST", read, map[string]any{}, nil) // not a member
	})
}

// The unread and mention counts leave out the reader's own messages and
// deleted ones (also when nothing has been read), count thread replies,
// count a message mentioning the reader twice (@channel and by name) once,
// and follow edits; a pointer may rest on a deleted message.
func TestChatUnreadCountsExcludeOwnAndDeleted(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		ch := c.newChannel(c.adminT, "public", "edge")
		for _, tok := range []string{c.daveT, c.carolT} {
			c.must(200, tok, "POST", fmt.Sprintf("/channels/%s/join", ch.ID), nil, nil)
		}
		counts := func(token string) (int64, int64) {
			got := c.myChannel(token, ch.ID)
			return got.UnreadCount, got.MentionCount
		}
		del := func(token string, m messageJSON) {
			c.must(204, token, "DELETE", "/messages/"+m.ID.String(), nil, nil)
		}
		if u, m := counts(c.daveT); u != 0 || m != 0 {
			t.Fatalf("empty channel: %d unread, %d mentions", u, m)
		}
		c1 := c.post(c.carolT, ch.ID, "one", nil)
		c2 := c.post(c.carolT, ch.ID, "@daveed have a look", nil)
		c.post(c.daveT, ch.ID, "my own", nil)
		self := c.post(c.daveT, ch.ID, "note to self, @daveed", nil)
		c.post(c.carolT, ch.ID, "@channel standup", nil)
		c.post(c.carolT, ch.ID, "@channel and @daveed in particular", nil)
		c.post(c.carolT, ch.ID, "a reply", &c1.ID)
		del(c.carolT, c.post(c.carolT, ch.ID, "oops", nil))
		gone := c.post(c.carolT, ch.ID, "@daveed never mind", nil)
		del(c.carolT, gone)
		del(c.daveT, c.post(c.daveT, ch.ID, "mine, deleted", nil))
		// Nothing read: carol's five live messages (reply included); the
		// mentions are c2 and the two @channel posts, the last one once.
		if u, m := counts(c.daveT); u != 5 || m != 3 {
			t.Fatalf("dave with nothing read: %d unread, %d mentions", u, m)
		}
		if u, m := counts(c.carolT); u != 2 || m != 0 {
			t.Fatalf("carol with nothing read: %d unread, %d mentions", u, m)
		}
		read := fmt.Sprintf("/channels/%s/read", ch.ID)
		c.must(200, c.daveT, "POST", read, map[string]any{"message_id": c2.ID}, nil)
		if u, m := counts(c.daveT); u != 3 || m != 2 {
			t.Fatalf("dave read to c2: %d unread, %d mentions", u, m)
		}
		// A deleted message is a valid pointer; only dave's own deleted
		// post follows it.
		c.must(200, c.daveT, "POST", read, map[string]any{"message_id": gone.ID}, nil)
		if u, m := counts(c.daveT); u != 0 || m != 0 {
			t.Fatalf("dave read to a deleted message: %d unread, %d mentions", u, m)
		}
		// Edits add and remove mentions after the pointer.
		late := c.post(c.carolT, ch.ID, "plain", nil)
		c.must(200, c.carolT, "PATCH", "/messages/"+late.ID.String(), map[string]any{"body": "plain, @daveed"}, nil)
		if u, m := counts(c.daveT); u != 1 || m != 1 {
			t.Fatalf("after an edit adding a mention: %d unread, %d mentions", u, m)
		}
		c.must(200, c.carolT, "PATCH", "/messages/"+late.ID.String(), map[string]any{"body": "plain again"}, nil)
		if u, m := counts(c.daveT); u != 1 || m != 0 {
			t.Fatalf("after an edit removing it: %d unread, %d mentions", u, m)
		}
		// The list of mentions still shows a mention of oneself, and no
		// deleted message.
		var page pageJSON[messageJSON]
		c.must(200, c.daveT, "GET", "/me/mentions", nil, &page)
		ids := make([]uuid.UUID, len(page.Items))
		for i, it := range page.Items {
			ids[i] = it.ID
		}
		if len(ids) != 3 || !slicesContain(ids, self.ID) || !slicesContain(ids, c2.ID) || slicesContain(ids, gone.ID) {
			t.Errorf("mentions list: %v", ids)
		}
	})
}

func TestChatMentionsList(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		pub := c.newChannel(c.adminT, "public", "all-hands")
		priv := c.newChannel(c.adminT, "private", "hr")
		c.addMember(c.adminT, priv.ID, c.dave)
		a := c.post(c.adminT, pub.ID, "welcome @daveed and @nobody (mail: x@daveed.io)", nil)
		b := c.post(c.adminT, priv.ID, "@daveed your review", nil)
		c.post(c.adminT, pub.ID, "no mention of daveed", nil)
		var page pageJSON[messageJSON]
		c.must(200, c.daveT, "GET", "/me/mentions", nil, &page)
		if len(page.Items) != 2 || page.Items[0].ID != b.ID || page.Items[1].ID != a.ID {
			t.Fatalf("mentions: %+v", page.Items)
		}
		if len(a.MentionedUserIDs) != 1 || a.MentionedUserIDs[0] != c.dave {
			t.Errorf("parsed mentions: %v", a.MentionedUserIDs)
		}
		// Removed from the private channel: its mention is no longer listed.
		c.must(204, c.adminT, "DELETE", fmt.Sprintf("/channels/%s/members/%s", priv.ID, c.dave), nil, nil)
		c.must(200, c.daveT, "GET", "/me/mentions", nil, &page)
		if len(page.Items) != 1 || page.Items[0].ID != a.ID {
			t.Errorf("mentions after leaving: %+v", page.Items)
		}
		// An edit that drops the mention drops it from the list.
		c.must(200, c.adminT, "PATCH", "/messages/"+a.ID.String(), map[string]string{"body": "welcome all"}, nil)
		c.must(200, c.daveT, "GET", "/me/mentions", nil, &page)
		if len(page.Items) != 0 {
			t.Errorf("mentions after the edit: %+v", page.Items)
		}
	})
}

func TestChatScrollback(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		ch := c.newChannel(c.adminT, "public", "log")
		ms := make([]messageJSON, 10)
		for i := range ms {
			ms[i] = c.post(c.adminT, ch.ID, fmt.Sprintf("m%d", i), nil)
		}
		c.post(c.adminT, ch.ID, "a reply, not in scrollback", &ms[9].ID)
		base := fmt.Sprintf("/channels/%s/messages", ch.ID)
		window := func(query string) scrollJSON {
			t.Helper()
			var w scrollJSON
			c.must(200, c.viewT, "GET", base+"?"+query, nil, &w)
			return w
		}
		bodies := func(w scrollJSON) string {
			var b []string
			for _, m := range w.Items {
				b = append(b, m.Body)
			}
			return strings.Join(b, ",")
		}
		check := func(name string, w scrollJSON, want string, older, newer bool) {
			t.Helper()
			if got := bodies(w); got != want || w.HasOlder != older || w.HasNewer != newer {
				t.Errorf("%s: got %s older=%v newer=%v, want %s older=%v newer=%v", name, got, w.HasOlder, w.HasNewer, want, older, newer)
			}
		}
		check("newest", window("limit=4"), "m6,m7,m8,m9", true, false)
		before := window(fmt.Sprintf("before=%s&limit=3", ms[6].ID))
		check("before m6", before, "m3,m4,m5", true, true)
		check("after m3", window(fmt.Sprintf("after=%s&limit=2", ms[3].ID)), "m4,m5", true, true)
		check("around m5", window(fmt.Sprintf("around=%s&limit=4", ms[5].ID)), "m3,m4,m5,m6", true, true)
		check("around m0", window(fmt.Sprintf("around=%s&limit=3", ms[0].ID)), "m0,m1,m2", false, true)
		check("after the last", window(fmt.Sprintf("after=%s", ms[9].ID)), "", true, false)
		// New messages do not shift a window.
		c.post(c.adminT, ch.ID, "m10", nil)
		check("before m6 again", window(fmt.Sprintf("before=%s&limit=3", ms[6].ID)), "m3,m4,m5", true, true)
		check("newest again", window("limit=2"), "m9,m10", true, false)
		c.must(422, c.viewT, "GET", base+fmt.Sprintf("?before=%s&after=%s", ms[1].ID, ms[2].ID), nil, nil)
		c.must(422, c.viewT, "GET", base+fmt.Sprintf("?around=%s", uuid.New()), nil, nil)
	})
}

func TestChatMessageLengthAndMembership(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, testserver.Env{"WORKSYNAPSE_CHAT_MAX_MESSAGE_LENGTH": "20"})
		ch := c.newChannel(c.adminT, "public", "short")
		c.must(403, c.daveT, "POST", fmt.Sprintf("/channels/%s/messages", ch.ID), map[string]string{"body": "not joined"}, nil)
		c.must(200, c.daveT, "POST", fmt.Sprintf("/channels/%s/join", ch.ID), nil, nil)
		c.must(200, c.daveT, "POST", fmt.Sprintf("/channels/%s/join", ch.ID), nil, nil) // idempotent
		c.post(c.daveT, ch.ID, strings.Repeat("é", 20), nil)                            // characters, not bytes
		code, body := c.call(c.daveT, "POST", fmt.Sprintf("/channels/%s/messages", ch.ID), map[string]string{"body": strings.Repeat("a", 21)})
		if code != 422 || !strings.Contains(string(body), `"field":"body"`) {
			t.Errorf("21 characters: %d %s", code, body)
		}
		// Members: roles and preferences.
		member := fmt.Sprintf("/channels/%s/members/%s", ch.ID, c.dave)
		var m struct {
			Role, NotifyLevel string
			Muted             bool
		}
		c.must(200, c.daveT, "PATCH", member, map[string]any{"muted": true, "notify_level": "mentions"}, nil)
		c.must(403, c.daveT, "PATCH", member, map[string]any{"role": "admin"}, nil)
		c.must(403, c.carolT, "PATCH", member, map[string]any{"muted": false}, nil)
		c.must(200, c.adminT, "PATCH", member, map[string]any{"role": "admin"}, &m)
		if m.Role != "admin" {
			t.Errorf("role: %+v", m)
		}
		owner := fmt.Sprintf("/channels/%s/members/%s", ch.ID, c.alice.ID)
		c.must(409, c.adminT, "DELETE", owner, nil, nil) // the last owner stays while others remain
		c.must(204, c.daveT, "DELETE", member, nil, nil) // leave
		c.must(403, c.daveT, "POST", fmt.Sprintf("/channels/%s/messages", ch.ID), map[string]string{"body": "gone"}, nil)
	})
}

func TestChatFiles(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, testserver.Env{"WORKSYNAPSE_STORAGE_MAX_UPLOAD_BYTES": "4096"})
		ch := c.newChannel(c.adminT, "private", "design")
		c.addMember(c.adminT, ch.ID, c.dave)
		m := c.post(c.daveT, ch.ID, "mockup attached", nil)
		png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 500)...)
		upload := func(token string, data []byte) (int, []byte) {
			var body bytes.Buffer
			w := multipart.NewWriter(&body)
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="file"; filename="mock.png"`)
			h.Set("Content-Type", "image/png")
			part, _ := w.CreatePart(h)
			part.Write(data)
			w.Close()
			resp, out := c.s.Do(t, "POST", fmt.Sprintf("/messages/%s/files", m.ID), w.FormDataContentType(), body.Bytes(),
				http.Header{"Authorization": {"Bearer " + token}})
			return resp.StatusCode, out
		}
		code, out := upload(c.daveT, png)
		var f struct {
			ID          uuid.UUID `json:"id"`
			ContentType string    `json:"content_type"`
			SHA256      string    `json:"sha256"`
			SizeBytes   int64     `json:"size_bytes"`
		}
		if code != 201 || decode(out, &f) != nil {
			t.Fatalf("upload: %d %s", code, out)
		}
		sum := sha256.Sum256(png)
		if f.ContentType != "image/png" || f.SHA256 != hex.EncodeToString(sum[:]) || f.SizeBytes != int64(len(png)) {
			t.Errorf("file: %+v", f)
		}
		if code, out := upload(c.daveT, []byte("<html><script>alert(1)</script></html>")); code != 422 {
			t.Errorf("html upload: %d %s", code, out)
		}
		if code, _ := upload(c.daveT, append(png, make([]byte, 4096)...)); code != 413 {
			t.Errorf("oversized upload: %d", code)
		}
		if code, _ := upload(c.adminT, png); code != 403 {
			t.Errorf("someone else's message: %d", code)
		}
		var got messageJSON
		c.must(200, c.adminT, "GET", "/messages/"+m.ID.String(), nil, &got)
		if !got.HasFiles {
			t.Errorf("has_files not set: %+v", got)
		}
		download := fmt.Sprintf("/message-files/%s/download", f.ID)
		resp, data := c.s.Do(t, "GET", download, "", nil, http.Header{"Authorization": {"Bearer " + c.adminT}})
		if resp.StatusCode != 200 || !bytes.Equal(data, png) || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("download: %d, %d bytes", resp.StatusCode, len(data))
		}
		c.must(404, c.carolT, "GET", download, nil, nil)
		var page pageJSON[messageJSON]
		c.must(200, c.adminT, "GET", c.path("/messages/search?q=mockup&has_file=true"), nil, &page)
		if len(page.Items) != 1 {
			t.Errorf("has_file search: %+v", page.Items)
		}
	})
}

func TestChatProjectChannelFollowsProjectMembers(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		var p idJSON
		c.must(201, c.adminT, "POST", c.path("/projects"), map[string]string{"key": "WS", "name": "WorkSynapse", "visibility": "organization"}, &p)
		var ch, again channelJSON
		c.must(200, c.adminT, "POST", fmt.Sprintf("/projects/%s/channel", p.ID), nil, &ch)
		c.must(200, c.adminT, "POST", fmt.Sprintf("/projects/%s/channel", p.ID), nil, &again)
		if ch.ID != again.ID || ch.Type != "project" || ch.Name != "WorkSynapse" {
			t.Fatalf("project channel: %+v %+v", ch, again)
		}
		c.must(404, c.daveT, "GET", "/channels/"+ch.ID.String(), nil, nil)
		c.must(403, c.daveT, "POST", fmt.Sprintf("/projects/%s/channel", p.ID), nil, nil)
		c.must(201, c.adminT, "POST", fmt.Sprintf("/projects/%s/members", p.ID), map[string]any{"user_id": c.dave, "role": "member"}, nil)
		c.must(200, c.daveT, "GET", "/channels/"+ch.ID.String(), nil, nil)
		c.post(c.daveT, ch.ID, "hello project", nil)
		c.must(409, c.adminT, "POST", fmt.Sprintf("/channels/%s/members", ch.ID), map[string]any{"user_id": c.carol}, nil)
		c.must(409, c.daveT, "DELETE", fmt.Sprintf("/channels/%s/members/%s", ch.ID, c.dave), nil, nil)
		c.must(204, c.adminT, "DELETE", fmt.Sprintf("/projects/%s/members/%s", p.ID, c.dave), nil, nil)
		c.must(404, c.daveT, "GET", "/channels/"+ch.ID.String(), nil, nil)
	})
}

func slicesContain(ids []uuid.UUID, id uuid.UUID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// The GIN index of migrations/*_search_indexes.sql exists, and its
// expression is the one the search predicate writes (a qualified column),
// so PostgreSQL uses it.
func TestChatSearchIndexDDL(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		if db.Dialect != dialect.Postgres {
			t.Skip("PostgreSQL full-text index")
		}
		ctx := context.Background()
		conn, err := db.SQL.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var migrated bool
		if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'messages_body_fts')").Scan(&migrated); err != nil || !migrated {
			t.Fatalf("messages_body_fts is not migrated: %v", err)
		}
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		rows, err := conn.QueryContext(ctx, `EXPLAIN SELECT "messages"."id" FROM "messages" WHERE to_tsvector('simple', "messages"."body") @@ plainto_tsquery('simple', $1)`, "launch")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan strings.Builder
		for rows.Next() {
			var line string
			rows.Scan(&line)
			plan.WriteString(line + "\n")
		}
		if !strings.Contains(plan.String(), "messages_body_fts") {
			t.Errorf("the search does not use the index:\n%s", plan.String())
		}
	})
}
