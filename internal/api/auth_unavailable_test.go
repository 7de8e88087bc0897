package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lib/pq"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// TestAuthenticationFailureOfTheDatabaseIs503 (issue 15 follow-up): when
// the database fails while a bearer token is checked (here PostgreSQL's
// "too many clients", injected into the user query that authentication
// runs), the answer is 503 problem+json with Retry-After, on the ogen
// routes and on /stream alike, and the cause is logged without the token;
// a bad token is still 401, and the same token works again once the
// database does.
func TestAuthenticationFailureOfTheDatabaseIs503(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		// Without the session cache: this is about the session query
		// failing, which a cached session would not run.
		w := newWorkspaceEnv(t, db, testserver.Env{"WORKSYNAPSE_AUTH_SESSION_CACHE_TTL": "0"}, "alice")
		var failing atomic.Bool
		db.Ent.User.Intercept(ent.InterceptFunc(func(next ent.Querier) ent.Querier {
			return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
				if failing.Load() {
					return nil, &pq.Error{Code: "53300", Severity: "FATAL", Message: "sorry, too many clients already"}
				}
				return next.Query(ctx, q)
			})
		}))
		token := w.tokens["alice"]
		get := func(path, token string) (*http.Response, []byte) {
			return w.s.Do(t, "GET", path, "", nil, http.Header{"Authorization": {"Bearer " + token}})
		}
		if resp, body := get("/auth/me", token); resp.StatusCode != 200 {
			t.Fatalf("before the failure: %d %s", resp.StatusCode, body)
		}
		failing.Store(true)
		for _, path := range []string{"/auth/me", "/organizations", "/stream"} {
			resp, body := get(path, token)
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Content-Type") != problem.ContentType ||
				resp.Header.Get("Retry-After") == "" || strings.Contains(string(body), "clients") {
				t.Errorf("GET %s while the database fails: %d %v %s", path, resp.StatusCode, resp.Header, body)
			}
		}
		if resp, body := get("/auth/me", "not-a-token"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a bad token while the database fails: %d %s", resp.StatusCode, body)
		}
		failing.Store(false)
		if resp, body := get("/auth/me", token); resp.StatusCode != 200 {
			t.Errorf("after the failure: %d %s", resp.StatusCode, body)
		}
		logs := w.s.Logs.String()
		if !strings.Contains(logs, "too many clients") || strings.Contains(logs, token) {
			t.Errorf("the logs miss the cause or hold the token")
		}
	})
}
