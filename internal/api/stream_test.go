package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/stream"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// replicaEnv lets two test servers (replicas) accept each other's tokens.
var replicaEnv = testserver.Env{"WORKSYNAPSE_SECRET_KEY": "stream-test-secret-key-0123456789-abcdefghij"}

// sseEvent is one frame read from GET /stream.
type sseEvent struct {
	ID      int64
	Type    string
	Data    stream.Event
	Payload map[string]any
	Comment string
}

// sseClient reads a stream in the background.
type sseClient struct {
	t      *testing.T
	status int
	frames chan sseEvent
	cancel context.CancelFunc
}

// openStream connects to base's /stream with token (or a raw query) and
// the resume point last (0: none).
func openStream(t *testing.T, base, token, query string, last int64) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/stream"+query, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if last > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(last, 10))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	c := &sseClient{t: t, status: resp.StatusCode, frames: make(chan sseEvent, 1000), cancel: cancel}
	t.Cleanup(c.close)
	if resp.StatusCode != 200 {
		resp.Body.Close()
		return c
	}
	go c.read(resp)
	return c
}

func (c *sseClient) close() { c.cancel() }

func (c *sseClient) read(resp *http.Response) {
	defer resp.Body.Close()
	defer close(c.frames)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			c.frames <- ev
			ev = sseEvent{}
		case strings.HasPrefix(line, ": "):
			ev.Comment = line[2:]
		case strings.HasPrefix(line, "id: "):
			ev.ID, _ = strconv.ParseInt(line[4:], 10, 64)
		case strings.HasPrefix(line, "event: "):
			ev.Type = line[7:]
		case strings.HasPrefix(line, "data: "):
			_ = json.Unmarshal([]byte(line[6:]), &ev.Data)
			var raw struct {
				Payload map[string]any `json:"payload"`
			}
			_ = json.Unmarshal([]byte(line[6:]), &raw)
			ev.Payload = raw.Payload
		}
	}
}

// next returns the next event (comments skipped), failing after 5 s.
func (c *sseClient) next() sseEvent {
	c.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-c.frames:
			if !ok {
				c.t.Fatal("stream ended")
			}
			if ev.Type != "" {
				return ev
			}
		case <-timeout:
			c.t.Fatal("no event within 5 s")
		}
	}
}

// nextOf skips events of other types (membership, read pointers).
func (c *sseClient) nextOf(typ string) sseEvent {
	c.t.Helper()
	for {
		if ev := c.next(); ev.Type == typ {
			return ev
		}
	}
}

func (c *chatEnv) streamPost(token string, ch uuid.UUID, body string) messageJSON {
	return c.post(token, ch, body, nil)
}

// Two replicas on one PostgreSQL database: a post on one reaches streams
// on both (LISTEN/NOTIFY), and a client that reconnects with Last-Event-ID
// gets exactly what it missed, in order, then live events again.
func TestStreamAcrossReplicasAndResume(t *testing.T) {
	// Not parallel: shares a Redis database.
	t.Run("notify", func(t *testing.T) { replicasAndResume(t, replicaEnv) })
	// With redis.url the announcements go through Redis pub/sub instead.
	t.Run("redis", func(t *testing.T) {
		env := testserver.Env{"WORKSYNAPSE_REDIS_URL": testdb.RequireRedis(t, 11)}
		for k, v := range replicaEnv {
			env[k] = v
		}
		replicasAndResume(t, env)
	})
}

func replicasAndResume(t *testing.T, env testserver.Env) {
	db := testdb.NewPostgres(t)
	c := newChat(t, db, env)
	other := testserver.Start(t, db, env)
	ch := c.newChannel(c.adminT, "public", "general")
	c.must(200, c.daveT, "POST", fmt.Sprintf("/channels/%s/join", ch.ID), nil, nil)

	onB := openStream(t, other.URL, c.daveT, "", 0)
	onA := openStream(t, c.s.URL, c.daveT, "", 0)
	m := c.streamPost(c.adminT, ch.ID, "hello from replica A")
	var seen int64
	for _, s := range []*sseClient{onA, onB} {
		ev := s.nextOf(stream.MessagePosted)
		if ev.Payload["body"] != "hello from replica A" || ev.Payload["message_id"] != m.ID.String() || *ev.Data.ChannelID != ch.ID {
			t.Fatalf("event %+v", ev)
		}
		seen = ev.ID
	}
	onB.close()

	// Missed while disconnected: three posts, on both replicas.
	var want []string
	for i := range 3 {
		body := fmt.Sprintf("missed %d", i)
		want = append(want, body)
		if i == 1 {
			postOn(t, other, c.adminT, ch.ID, body)
		} else {
			c.streamPost(c.adminT, ch.ID, body)
		}
	}
	back := openStream(t, other.URL, c.daveT, "", seen)
	var got []string
	var prev int64
	for range 3 {
		ev := back.nextOf(stream.MessagePosted)
		if ev.ID <= prev {
			t.Fatalf("ids out of order: %d after %d", ev.ID, prev)
		}
		prev = ev.ID
		got = append(got, ev.Payload["body"].(string))
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("replayed %v, want %v", got, want)
	}
	c.streamPost(c.adminT, ch.ID, "live again")
	if ev := back.nextOf(stream.MessagePosted); ev.Payload["body"] != "live again" || ev.ID <= prev {
		t.Fatalf("after replay: %+v (prev %d)", ev, prev)
	}
}

func postOn(t *testing.T, s *testserver.Server, token string, ch uuid.UUID, body string) {
	t.Helper()
	raw, _ := json.Marshal(map[string]string{"body": body})
	resp, b := s.Do(t, "POST", fmt.Sprintf("/channels/%s/messages", ch), "application/json", raw,
		http.Header{"Authorization": {"Bearer " + token}})
	if resp.StatusCode != 201 {
		t.Fatalf("post on replica: %d %s", resp.StatusCode, b)
	}
}

// A member removed from a private channel receives the removal and then
// nothing more of that channel, while other channels keep flowing.
func TestStreamStopsPrivateChannelAfterRemoval(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		priv := c.newChannel(c.adminT, "private", "secret")
		pub := c.newChannel(c.adminT, "public", "town")
		c.addMember(c.adminT, priv.ID, c.dave)
		s := openStream(t, c.s.URL, c.daveT, "", 0)
		outsider := openStream(t, c.s.URL, c.carolT, "", 0)

		c.streamPost(c.adminT, priv.ID, "for members")
		if ev := s.nextOf(stream.MessagePosted); ev.Payload["body"] != "for members" {
			t.Fatalf("member got %+v", ev)
		}
		c.must(204, c.adminT, "DELETE", fmt.Sprintf("/channels/%s/members/%s", priv.ID, c.dave), nil, nil)
		if ev := s.nextOf(stream.MemberRemoved); ev.Payload["user_id"] != c.dave.String() {
			t.Fatalf("removal event %+v", ev)
		}
		c.streamPost(c.adminT, priv.ID, "after removal")
		c.streamPost(c.adminT, pub.ID, "public news")
		if ev := s.nextOf(stream.MessagePosted); ev.Payload["body"] != "public news" {
			t.Fatalf("removed member got %+v", ev)
		}
		// A non-member never saw the private channel at all.
		if ev := outsider.nextOf(stream.MessagePosted); ev.Payload["body"] != "public news" {
			t.Fatalf("outsider got %+v", ev)
		}
	})
}

// A project channel follows the project's members on open streams at
// once (the test waits 5 s, the stream's periodic re-check is 30 s): added
// to the project, a user gets the membership event and then the channel's
// messages; a role change is an event too; removed from the project, or
// from the organization (which ends their project memberships), they get
// the removal and nothing more of the channel.
func TestStreamFollowsProjectMembership(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		pub := c.newChannel(c.adminT, "public", "town")
		var p idJSON
		c.must(201, c.adminT, "POST", c.path("/projects"), map[string]string{"key": "WS", "name": "WorkSynapse"}, &p)
		var ch channelJSON
		c.must(200, c.adminT, "POST", fmt.Sprintf("/projects/%s/channel", p.ID), nil, &ch)
		elsewhere := c.markerChannel()
		s := openStream(t, c.s.URL, c.daveT, "", 0)
		marker := func(body string) {
			t.Helper()
			c.streamPost(c.adminT, pub.ID, body)
			if ev := s.nextOf(stream.MessagePosted); ev.Payload["body"] != body {
				t.Fatalf("expected %q, got %+v", body, ev)
			}
		}
		member := func(typ string) sseEvent {
			t.Helper()
			ev := s.nextOf(typ)
			if ev.Data.ChannelID == nil || *ev.Data.ChannelID != ch.ID || ev.Payload["user_id"] != c.dave.String() {
				t.Fatalf("%s event: %+v", typ, ev)
			}
			return ev
		}
		members := fmt.Sprintf("/projects/%s/members", p.ID)

		// Not a member yet: the stream decides (and caches) "not readable".
		c.streamPost(c.adminT, ch.ID, "before")
		marker("marker 1")

		c.must(201, c.adminT, "POST", members, map[string]any{"user_id": c.dave, "role": "member"}, nil)
		member(stream.MemberAdded)
		c.streamPost(c.adminT, ch.ID, "welcome")
		if ev := s.nextOf(stream.MessagePosted); ev.Payload["body"] != "welcome" {
			t.Fatalf("added member got %+v", ev)
		}
		c.must(200, c.adminT, "PATCH", members+"/"+c.dave.String(), map[string]any{"role": "admin"}, nil)
		if ev := member(stream.MemberUpdated); ev.Payload["role"] != "admin" {
			t.Errorf("role change event: %+v", ev)
		}

		c.must(204, c.adminT, "DELETE", members+"/"+c.dave.String(), nil, nil)
		member(stream.MemberRemoved)
		c.streamPost(c.adminT, ch.ID, "after removal")
		marker("marker 2")

		c.must(201, c.adminT, "POST", members, map[string]any{"user_id": c.dave, "role": "member"}, nil)
		member(stream.MemberAdded)
		c.must(204, c.adminT, "DELETE", c.path("/members/%s", c.dave), nil, nil)
		member(stream.MemberRemoved)
		c.streamPost(c.adminT, ch.ID, "after leaving the organization")
		// Out of the organization, its public channel is no marker any more:
		// one from the organization dave stays in is.
		c.streamPost(c.carolT, elsewhere.ID, "marker 3")
		if ev := s.nextOf(stream.MessagePosted); ev.Payload["body"] != "marker 3" {
			t.Fatalf("expected marker 3, got %+v", ev)
		}
	})
}

// Read pointers go to the same user's streams only; heartbeats keep an
// idle stream alive; an id before pruned events gets resync; tickets are
// single-use; bad credentials are problem+json.
func TestStreamReadPointerHeartbeatResyncTickets(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, testserver.Env{"WORKSYNAPSE_STREAM_HEARTBEAT_INTERVAL": "50ms"})
		ch := c.newChannel(c.adminT, "public", "general")
		c.must(200, c.daveT, "POST", fmt.Sprintf("/channels/%s/join", ch.ID), nil, nil)
		c.must(200, c.carolT, "POST", fmt.Sprintf("/channels/%s/join", ch.ID), nil, nil)
		dave := openStream(t, c.s.URL, c.daveT, "", 0)
		carol := openStream(t, c.s.URL, c.carolT, "", 0)

		m := c.streamPost(c.adminT, ch.ID, "read me")
		c.must(200, c.daveT, "POST", fmt.Sprintf("/channels/%s/read", ch.ID), map[string]any{"message_id": m.ID}, nil)
		if ev := dave.nextOf(stream.ReadMoved); ev.Payload["last_read_message_id"] != m.ID.String() {
			t.Fatalf("read event %+v", ev)
		}
		c.streamPost(c.adminT, ch.ID, "marker")
		for {
			ev := carol.next()
			if ev.Type == stream.ReadMoved {
				t.Fatalf("carol received dave's read pointer: %+v", ev)
			}
			if ev.Type == stream.MessagePosted && ev.Payload["body"] == "marker" {
				break
			}
		}
		beat := time.After(5 * time.Second)
		for got := false; !got; {
			select {
			case f := <-dave.frames:
				got = f.Comment == "heartbeat"
			case <-beat:
				t.Fatal("no heartbeat")
			}
		}

		// Prune everything old: a client behind the pruned events resyncs.
		// PostgreSQL drops whole blocks of ids but never the newest event's:
		// the next event starts a block of its own.
		if db.Dialect == dialect.Postgres {
			if _, err := db.SQL.ExecContext(t.Context(), `SELECT setval(pg_get_serial_sequence('stream_events', 'id'),
				(SELECT max(id) FROM stream_events) / $1 * $1 + $1, false)`, partition.BlockSize); err != nil {
				t.Fatal(err)
			}
			c.streamPost(c.adminT, ch.ID, "in a block of its own")
			// Once an open stream has it, the hub's cursor is past it, so a
			// stream that resyncs starts after it.
			for body := ""; body != "in a block of its own"; {
				body, _ = dave.nextOf(stream.MessagePosted).Payload["body"].(string)
			}
		}
		n, err := stream.PruneEvents(testfix.System(), db, time.Now().Add(time.Hour))
		if err != nil || n == 0 {
			t.Fatalf("prune: %d %v", n, err)
		}
		old := openStream(t, c.s.URL, c.daveT, "", 1)
		if ev := old.next(); ev.Type != stream.Resync {
			t.Fatalf("want resync, got %+v", ev)
		}
		c.streamPost(c.adminT, ch.ID, "after resync")
		if ev := old.nextOf(stream.MessagePosted); ev.Payload["body"] != "after resync" {
			t.Fatalf("after resync %+v", ev)
		}

		var tk struct {
			Ticket string `json:"ticket"`
		}
		c.must(201, c.daveT, "POST", "/stream/tickets", nil, &tk)
		q := "?ticket=" + tk.Ticket
		if s := openStream(t, c.s.URL, "", q, 0); s.status != 200 {
			t.Fatalf("ticket stream: %d", s.status)
		}
		for _, bad := range []struct{ token, query string }{{"", q}, {"", ""}, {"nonsense", ""}} {
			resp, body := c.s.Do(t, "GET", "/stream"+bad.query, "", nil, http.Header{"Authorization": {"Bearer " + bad.token}})
			if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%+v: %d %s %s", bad, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
		}

		// Server shutdown (http.Server.RegisterOnShutdown calls this) ends
		// open streams at once instead of waiting for them.
		c.s.App.Stream.Shutdown()
		end := time.After(5 * time.Second)
		for open := true; open; {
			select {
			case _, open = <-old.frames:
			case <-end:
				t.Fatal("stream still open after shutdown")
			}
		}
		if resp, body := c.s.Do(t, "GET", "/stream", "", nil, http.Header{"Authorization": {"Bearer " + c.daveT}}); resp.StatusCode != 503 {
			t.Fatalf("stream during shutdown: %d %s", resp.StatusCode, body)
		}
	})
}
