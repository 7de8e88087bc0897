package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"
	"github.com/lib/pq"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/api"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/stream"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// TestChatLockOrder: replies posted while their roots are deleted, all at
// once. Both writes lock the channel, then the root, then the message, so
// they queue instead of deadlocking (PostgreSQL 40P01, answered 500
// before); whichever comes second sees the first's result.
func TestChatLockOrder(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		// The pool of a served replica (database.max_open_conns defaults to
		// 20): requests queue for a connection instead of exhausting the
		// server's.
		if db.Dialect == dialect.Postgres {
			db.SQL.SetMaxOpenConns(20)
		}
		c := newChat(t, db, nil)
		ch := c.newChannel(c.adminT, "public", "busy")
		c.addMember(c.adminT, ch.ID, c.dave)
		const pairs = 50
		roots := make([]messageJSON, pairs)
		for i := range roots {
			roots[i] = c.post(c.daveT, ch.ID, fmt.Sprintf("root %d", i), nil)
		}
		type result struct {
			op   string
			code int
			body []byte
		}
		results := make(chan result, 2*pairs)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, r := range roots {
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-start
				code, body := c.call(c.adminT, http.MethodPost, fmt.Sprintf("/channels/%s/messages", ch.ID),
					map[string]any{"body": "reply", "root_id": r.ID})
				results <- result{"reply", code, body}
			}()
			go func() {
				defer wg.Done()
				<-start
				code, body := c.call(c.daveT, http.MethodDelete, fmt.Sprintf("/messages/%s", r.ID), nil)
				results <- result{"delete", code, body}
			}()
		}
		close(start)
		wg.Wait()
		close(results)
		replies := 0
		for r := range results {
			switch {
			case r.op == "reply" && r.code == http.StatusCreated:
				replies++
			case r.op == "reply" && r.code == http.StatusUnprocessableEntity: // the root was deleted first
			case r.op == "delete" && r.code == http.StatusNoContent:
			default:
				t.Errorf("%s: %d %s", r.op, r.code, r.body)

			}
		}
		// Every root is deleted; those that got their reply stay as
		// placeholders counting it.
		var got channelJSON
		c.must(200, c.adminT, http.MethodGet, fmt.Sprintf("/channels/%s", ch.ID), nil, &got)
		if got.MessageCount != int64(replies) {
			t.Errorf("message_count %d, want %d (the live replies)", got.MessageCount, replies)
		}
	})
}

// TestContentionIsRetryable: a transaction PostgreSQL aborted for a
// concurrent one (deadlock, serialization failure) is a 503 with
// Retry-After, never a 500.
func TestContentionIsRetryable(t *testing.T) {
	t.Parallel()
	for _, code := range []pq.ErrorCode{"40P01", "40001"} {
		p := api.ToProblem(fmt.Errorf("chat: post: %w", &pq.Error{Code: code, Message: "deadlock detected"}))
		if p.Status != http.StatusServiceUnavailable || p.RetryAfter < 1 || strings.Contains(p.Detail, "deadlock") {
			t.Errorf("%s: %+v", code, p)
		}
	}
}

// TestProjectChannelFollowsProjectState: an archived project's channel is
// read-only (409 on every write, reads still work) until the project is
// unarchived; a deleted project's channel is archived with it and cannot
// be reopened.
func TestProjectChannelFollowsProjectState(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		var p idJSON
		c.must(201, c.adminT, "POST", c.path("/projects"), map[string]string{"key": "AR", "name": "Archive me"}, &p)
		proj := fmt.Sprintf("/projects/%s", p.ID)
		var ch channelJSON
		c.must(200, c.adminT, "POST", proj+"/channel", nil, &ch)
		m := c.post(c.adminT, ch.ID, "before", nil)
		messages := fmt.Sprintf("/channels/%s/messages", ch.ID)
		readOnly := func(when string) {
			t.Helper()
			for _, w := range []struct {
				method, path string
				body         any
			}{
				{"POST", messages, map[string]any{"body": "hello"}},
				{"POST", messages, map[string]any{"body": "reply", "root_id": m.ID}},
				{"PATCH", fmt.Sprintf("/channels/%s", ch.ID), map[string]any{"topic": "new topic"}},
				{"PATCH", fmt.Sprintf("/messages/%s", m.ID), map[string]any{"body": "edited"}},
				{"PUT", fmt.Sprintf("/messages/%s/reactions/tada", m.ID), nil},
				{"DELETE", fmt.Sprintf("/messages/%s", m.ID), nil},
			} {
				if code, body := c.call(c.adminT, w.method, w.path, w.body); code != http.StatusConflict {
					t.Errorf("%s: %s %s: %d %s", when, w.method, w.path, code, body)
				}
			}
			c.must(200, c.adminT, "GET", messages, nil, nil)
		}

		c.must(200, c.adminT, "POST", proj+"/archive", nil, nil)
		readOnly("archived project")
		c.must(200, c.adminT, "POST", proj+"/unarchive", nil, nil)
		c.post(c.adminT, ch.ID, "open again", nil)

		c.must(204, c.adminT, "DELETE", proj, nil, nil)
		var got channelJSON
		c.must(200, c.adminT, "GET", fmt.Sprintf("/channels/%s", ch.ID), nil, &got)
		if got.ArchivedAt == nil {
			t.Errorf("the deleted project's channel is not archived: %+v", got)
		}
		readOnly("deleted project")
		if code, body := c.call(c.adminT, "POST", fmt.Sprintf("/channels/%s/unarchive", ch.ID), nil); code != http.StatusConflict {
			t.Errorf("unarchive the deleted project's channel: %d %s", code, body)
		}
	})
}

// TestStreamEndsWithOrganizationMembership: removing a member from an
// organization ends their channel memberships there (private channels no
// longer list them) and their open stream stops delivering the
// organization at once, public channels included; deactivating a user
// ends their open streams.
func TestStreamEndsWithOrganizationMembership(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		pub := c.newChannel(c.adminT, "public", "town")
		priv := c.newChannel(c.adminT, "private", "secret")
		c.must(200, c.daveT, "POST", fmt.Sprintf("/channels/%s/join", pub.ID), nil, nil)
		c.addMember(c.adminT, priv.ID, c.dave)

		mark := c.markerChannel()
		dave := openStream(t, c.s.URL, c.daveT, "", 0)
		carol := openStream(t, c.s.URL, c.carolT, "", 0)
		c.streamPost(c.adminT, pub.ID, "hello")
		if ev := dave.nextOf(stream.MessagePosted); ev.Payload["body"] != "hello" {
			t.Fatalf("before the removal: %+v", ev)
		}

		c.must(204, c.adminT, "DELETE", c.path("/members/%s", c.dave), nil, nil)
		c.streamPost(c.adminT, pub.ID, "public after removal")
		c.streamPost(c.adminT, priv.ID, "private after removal")
		c.streamPost(c.carolT, mark.ID, "marker")
		left := map[uuid.UUID]bool{}
		for {
			ev := dave.next()
			if ev.Type == stream.MessagePosted && ev.Payload["body"] == "marker" {
				break
			}
			switch {
			case ev.Type == stream.MemberRemoved && ev.Data.ChannelID != nil && ev.Payload["user_id"] == c.dave.String():
				left[*ev.Data.ChannelID] = true
			case ev.Type == stream.AccessChanged:
				t.Errorf("access.changed is internal, sent: %+v", ev)
			case ev.Data.OrganizationID == c.org.org.ID:
				t.Errorf("after leaving the organization dave received %s %+v", ev.Type, ev.Payload)
			}
		}
		if !left[pub.ID] || !left[priv.ID] {
			t.Errorf("member.removed for the public and private channel: %v", left)
		}
		var members pageJSON[struct {
			UserID uuid.UUID `json:"user_id"`
		}]
		c.must(200, c.adminT, "GET", fmt.Sprintf("/channels/%s/members", priv.ID), nil, &members)
		for _, m := range members.Items {
			if m.UserID == c.dave {
				t.Errorf("the private channel still lists dave: %+v", members.Items)
			}
		}

		// Deactivation ends carol's stream.
		testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) error {
			return tx.User.UpdateOneID(c.alice.ID).SetIsSuperuser(true).Exec(testfix.System())
		})
		c.must(204, c.adminT, "POST", fmt.Sprintf("/users/%s/deactivate", c.carol), nil, nil)
		timeout := time.After(10 * time.Second)
		for open := true; open; {
			select {
			case _, open = <-carol.frames:
			case <-timeout:
				t.Fatal("the deactivated user's stream is still open")
			}
		}
	})
}

// markerChannel is a public channel of a second organization, Initech,
// where carol (ADMIN) and dave (DEVELOPER) are members too: a post there
// is a positive marker on dave's stream that outlives his membership of
// Acme.
func (c *chatEnv) markerChannel() channelJSON {
	c.t.Helper()
	ini := testfix.Org(c.t, c.db.Ent, "Initech")
	for user, role := range map[uuid.UUID]string{c.carol: seed.RoleAdmin, c.dave: seed.RoleDeveloper} {
		u := c.db.Ent.User.GetX(testfix.System(), user)
		testfix.Member(c.t, c.db.Ent, ini, u)
		testfix.Grant(c.t, c.db.Ent, ini, u, role)
	}
	var mark channelJSON
	c.must(201, c.carolT, "POST", fmt.Sprintf("/organizations/%s/channels", ini.ID), map[string]string{"type": "public", "name": "marks"}, &mark)
	return mark
}
