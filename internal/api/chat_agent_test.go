package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/ent/streamevent"
	"github.com/worksynapse/worksynapse/internal/agents"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/stream"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// TestChatAgentKeyPostsInPublicChannels: an agent key posts as the agent
// (author_agent_id, no author_id, audited as the agent, streamed) to a
// public channel users read; private and direct channels do not exist for
// it and archived channels refuse its posts like anyone's.
func TestChatAgentKeyPostsInPublicChannels(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		var ag agentJSON
		c.must(http.StatusCreated, c.adminT, "POST", c.path("/agents"), map[string]any{
			"name": "Herald", "provider": "openai_compatible", "model": "gpt-4o-mini", "system_prompt": "You announce.",
		}, &ag)
		var k keyJSON
		c.must(http.StatusCreated, c.adminT, "POST", fmt.Sprintf("/agents/%s/keys", ag.ID), map[string]any{"name": "bot"}, &k)
		withKey := func(method, path string, body any) (int, []byte) {
			t.Helper()
			var raw []byte
			if body != nil {
				raw = mustJSON(t, body)
			}
			resp, b := c.s.Do(t, method, path, "application/json", raw, http.Header{"X-API-Key": {k.Secret}})
			return resp.StatusCode, b
		}
		pub := c.newChannel(c.adminT, "public", "announcements")
		msgs := fmt.Sprintf("/channels/%s/messages", pub.ID)

		code, b := withKey("POST", msgs, map[string]string{"body": "Build is green, @daveed please tag it"})
		if code != http.StatusCreated {
			t.Fatalf("agent posts: %d %s", code, b)
		}
		var m struct {
			messageJSON
			AuthorID      *uuid.UUID `json:"author_id"`
			AuthorAgentID *uuid.UUID `json:"author_agent_id"`
		}
		if err := decode(b, &m); err != nil {
			t.Fatal(err)
		}
		if m.AuthorID != nil || m.AuthorAgentID == nil || *m.AuthorAgentID != ag.ID {
			t.Fatalf("author: %s", b)
		}
		if !slicesContain(m.MentionedUserIDs, c.dave) {
			t.Errorf("mentions: %v", m.MentionedUserIDs)
		}
		// A user (not even a member) reads it, and so does the agent.
		var page struct {
			Items []struct {
				ID            uuid.UUID  `json:"id"`
				AuthorAgentID *uuid.UUID `json:"author_agent_id"`
			} `json:"items"`
		}
		c.must(http.StatusOK, c.carolT, "GET", msgs, nil, &page)
		if len(page.Items) != 1 || page.Items[0].ID != m.ID || page.Items[0].AuthorAgentID == nil {
			t.Fatalf("user lists: %+v", page.Items)
		}
		if code, b := withKey("GET", msgs, nil); code != http.StatusOK {
			t.Fatalf("agent lists: %d %s", code, b)
		}
		logs := db.Ent.ActivityLog.Query().Where(activitylog.ResourceID(m.ID)).AllX(testfix.System())
		if len(logs) != 1 || logs[0].ActorType != activitylog.ActorTypeAgent || logs[0].ActorAgentID == nil ||
			*logs[0].ActorAgentID != ag.ID || logs[0].ActorUserID != nil {
			t.Fatalf("audit: %+v", logs)
		}
		if !db.Ent.StreamEvent.Query().Where(streamevent.ChannelID(pub.ID), streamevent.Type(stream.MessagePosted)).
			ExistX(testfix.System()) {
			t.Error("no stream event for the agent's post")
		}

		// Private and direct channels do not exist for the agent, even
		// though a member posted there.
		priv := c.newChannel(c.adminT, "private", "board")
		c.post(c.adminT, priv.ID, "secret", nil)
		var dm channelJSON
		c.must(http.StatusOK, c.adminT, "POST", c.path("/direct-channels"), map[string]any{"user_id": c.dave}, &dm)
		for _, ch := range []uuid.UUID{priv.ID, dm.ID} {
			path := fmt.Sprintf("/channels/%s/messages", ch)
			if code, b := withKey("GET", path, nil); code != http.StatusNotFound {
				t.Errorf("agent reads %s: %d %s", path, code, b)
			}
			if code, b := withKey("POST", path, map[string]string{"body": "hi"}); code != http.StatusNotFound {
				t.Errorf("agent posts to %s: %d %s", path, code, b)
			}
		}

		// Archived: read-only for the agent too (409), and the rule itself
		// refuses the write even when the service check is bypassed.
		c.must(http.StatusOK, c.adminT, "POST", fmt.Sprintf("/channels/%s/archive", pub.ID), nil, nil)
		if code, b := withKey("POST", msgs, map[string]string{"body": "late"}); code != http.StatusConflict {
			t.Fatalf("agent posts to an archived channel: %d %s", code, b)
		}
		v, err := agents.Authenticate(testfix.System(), db.Ent, k.Secret, "")
		if err != nil {
			t.Fatal(err)
		}
		ctx := viewer.NewContext(context.Background(), v)
		err = database.WithTx(ctx, db.Ent, func(tx *ent.Tx) error {
			return tx.Message.Create().SetOrganizationID(c.org.org.ID).SetChannelID(pub.ID).
				SetAuthorAgentID(ag.ID).SetBody("direct").Exec(ctx)
		})
		if !errors.Is(err, privacy.Deny) {
			t.Fatalf("rule on an archived channel: %v", err)
		}
	})
}
