package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/stream"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// TestStreamEndsWithItsSession (issue 15 follow-up): logging out,
// revoking a session by id, logging out everywhere and changing the
// password (which ends the other sessions) each end the open streams of
// the sessions they revoke at once, while a stream of a session that
// stays signed in keeps delivering.
func TestStreamEndsWithItsSession(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorkspace(t, db, "alice")
		org := w.createOrg("alice", "sessions-acme")
		var ch channelJSON
		w.must(201, "alice", "POST", fmt.Sprintf("/organizations/%s/channels", org.ID),
			map[string]string{"type": "public", "name": "town"}, &ch)
		streams := map[string]*sseClient{}
		for _, name := range []string{"logout", "revoked", "kept", "password"} {
			w.tokens[name] = login(t, w.s, "alice", goodPassword).AccessToken
			streams[name] = openStream(t, w.s.URL, w.tokens[name], "", 0)
			t.Cleanup(streams[name].close)
		}
		var sessions pageJSON[struct {
			ID      uuid.UUID `json:"id"`
			Current bool      `json:"current"`
		}]
		w.must(200, "revoked", "GET", "/auth/sessions", nil, &sessions)
		var raw pageJSON[map[string]any]
		w.must(200, "revoked", "GET", "/auth/sessions", nil, &raw)
		for _, s := range raw.Items {
			for _, k := range []string{"refresh_token_hash", "rotated_token_hashes", "token_family", "revoked_at", "revoke_reason"} {
				if _, ok := s[k]; ok {
					t.Errorf("a session carries %s", k)
				}
			}
		}
		var revoked uuid.UUID
		for _, s := range sessions.Items {
			if s.Current {
				revoked = s.ID
			}
		}

		w.must(204, "logout", "POST", "/auth/logout", nil, nil)
		streamEnds(t, streams["logout"], "logged out")
		w.must(204, "kept", "DELETE", "/auth/sessions/"+revoked.String(), nil, nil)
		streamEnds(t, streams["revoked"], "revoked by id")
		w.must(201, "kept", "POST", fmt.Sprintf("/channels/%s/messages", ch.ID), map[string]any{"body": "still here"}, nil)
		for _, name := range []string{"kept", "password"} {
			if ev := streams[name].nextOf(stream.MessagePosted); ev.Payload["body"] != "still here" {
				t.Errorf("the %s session's stream: %+v", name, ev)
			}
		}

		w.must(204, "password", "POST", "/auth/password/change",
			map[string]string{"current_password": goodPassword, "new_password": goodPassword + "-2"}, nil)
		streamEnds(t, streams["kept"], "another session changed the password")
		w.must(201, "password", "POST", fmt.Sprintf("/channels/%s/messages", ch.ID), map[string]any{"body": "changed"}, nil)
		if ev := streams["password"].nextOf(stream.MessagePosted); ev.Payload["body"] != "changed" {
			t.Errorf("the stream of the session that changed the password: %+v", ev)
		}
		w.must(204, "password", "POST", "/auth/logout-all", nil, nil)
		streamEnds(t, streams["password"], "logged out everywhere")
	})
}

// streamEnds waits (10 s at most) for c to be closed by the server.
func streamEnds(t *testing.T, c *sseClient, why string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-c.frames:
		case <-timeout:
			t.Fatalf("%s: the session's stream is still open", why)
		}
	}
}
