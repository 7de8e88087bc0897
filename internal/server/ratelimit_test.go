package server_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// attemptLogins posts n logins and returns how many were not rate limited.
func attemptLogins(t *testing.T, s *testserver.Server, n int) (accepted int, last *http.Response, lastBody []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"identifier": "nobody", "password": "irrelevant"})
	for range n {
		last, lastBody = s.Do(t, http.MethodPost, "/auth/login", "application/json", body, nil)
		if last.StatusCode != http.StatusTooManyRequests {
			accepted++
		}
	}
	return accepted, last, lastBody
}

func TestAuthRateLimitInMemory(t *testing.T) {
	s := testserver.Start(t, testdb.NewSQLite(t), testserver.Env{"WORKSYNAPSE_RATE_LIMIT_AUTH_PER_IP_PER_MINUTE": "3"})
	accepted, last, body := attemptLogins(t, s, 5)
	if accepted != 3 {
		t.Fatalf("want 3 attempts through, got %d", accepted)
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Content-Type") != problem.ContentType {
		t.Fatalf("want 429 problem+json, got %d %s", last.StatusCode, body)
	}
	if ra, err := strconv.Atoi(last.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After: %q", last.Header.Get("Retry-After"))
	}
	if got := s.App.RateLimitStats.Rejections(); got != 2 {
		t.Errorf("rejections counted: %d", got)
	}
	if resp, _ := s.Do(t, http.MethodGet, "/healthz", "", nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("other paths have their own budget: %d", resp.StatusCode)
	}
}

func TestPerUserRateLimit(t *testing.T) {
	s := testserver.Start(t, testdb.NewSQLite(t), testserver.Env{"WORKSYNAPSE_RATE_LIMIT_PER_USER_PER_MINUTE": "2"})
	body, _ := json.Marshal(map[string]string{"email": "rl@example.com", "username": "ratelimited", "password": "correct horse battery staple"})
	s.Do(t, http.MethodPost, "/auth/register", "application/json", body, nil)
	body, _ = json.Marshal(map[string]string{"identifier": "ratelimited", "password": "correct horse battery staple"})
	_, tokens := s.Do(t, http.MethodPost, "/auth/login", "application/json", body, nil)
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(tokens, &pair); err != nil || pair.AccessToken == "" {
		t.Fatalf("login: %s", tokens)
	}
	auth := http.Header{"Authorization": {"Bearer " + pair.AccessToken}}
	codes := []int{}
	var last *http.Response
	for range 3 {
		last, _ = s.Do(t, http.MethodGet, "/auth/me", "", nil, auth)
		codes = append(codes, last.StatusCode)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != http.StatusTooManyRequests {
		t.Fatalf("want 200, 200, 429; got %v", codes)
	}
	// Decided in the security handler, answered by the one error mapping:
	// the spec's Retry-After must come along.
	if ra, err := strconv.Atoi(last.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("per-user 429 Retry-After: %q", last.Header.Get("Retry-After"))
	}
}

func TestAuthRateLimitIsSharedThroughRedis(t *testing.T) {
	url := testdb.RequireRedis(t, 1)
	env := testserver.Env{"WORKSYNAPSE_RATE_LIMIT_AUTH_PER_IP_PER_MINUTE": "5", "WORKSYNAPSE_REDIS_URL": url}
	db := testdb.NewSQLite(t)
	replicaA := testserver.Start(t, db, env)
	replicaB := testserver.Start(t, db, env)
	a, _, _ := attemptLogins(t, replicaA, 4)
	b, last, _ := attemptLogins(t, replicaB, 4)
	if a+b != 5 {
		t.Fatalf("two replicas must share one budget of 5, accepted %d + %d", a, b)
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Errorf("replica B must reject once the shared budget is spent: %d", last.StatusCode)
	}
}
