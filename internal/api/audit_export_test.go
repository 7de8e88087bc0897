package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// TestAuditExportFailureAbortsTheTransfer: an export that fails after the
// response started (here the request deadline passes while the client is
// slow) must not end like a complete file: the connection is aborted, so
// the client reads an error instead of a clean end of file.
func TestAuditExportFailureAbortsTheTransfer(t *testing.T) {
	// Not parallel with other tests: depends on a wall-clock request
	// deadline. The two dialects only wait side by side.
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		// The deadline must pass after the response started, not before.
		deadline := 3 * time.Second
		if raceEnabled {
			deadline = 30 * time.Second
		}
		w := &workspace{t: t, s: testserver.Start(t, db, testserver.Env{"WORKSYNAPSE_HTTP_REQUEST_TIMEOUT": deadline.String(), "WORKSYNAPSE_APPROVALS_MAX_WAIT": "500ms"}),
			db: db, users: map[string]uuid.UUID{}, tokens: map[string]string{}}
		testfix.Seed(t, db.Ent)
		w.users["alice"] = register(t, w.s, "alice").ID
		w.tokens["alice"] = login(t, w.s, "alice", goodPassword).AccessToken
		org := w.createOrg("alice", "slow")
		testfix.BulkActivity(t, db, org.ID, w.users["alice"], 20_000) // ~12 MB: more than socket buffers hold

		req, err := http.NewRequestWithContext(context.Background(), "GET", w.s.URL+"/audit/activity/export", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+w.tokens["alice"])
		sent := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("export: %d", resp.StatusCode)
		}
		if _, err := io.ReadFull(resp.Body, make([]byte, 64<<10)); err != nil {
			t.Fatal(err)
		}
		// Stop reading until the request deadline has passed: the server's
		// next write then fails (it notices once the client reads again).
		time.Sleep(time.Until(sent.Add(deadline + 500*time.Millisecond)))
		n, err := io.Copy(io.Discard, resp.Body)
		if err == nil {
			t.Fatalf("the export ended cleanly after %d more bytes despite failing", n)
		}
		if !strings.Contains(w.s.Logs.String(), "audit export aborted") {
			t.Errorf("the aborted export was not logged")
		}
	})
}
