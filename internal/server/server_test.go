package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestHealthAndReadiness(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		s := testserver.Start(t, db, nil)
		resp, body := s.Do(t, http.MethodGet, "/healthz", "", nil, nil)
		if resp.StatusCode != http.StatusOK || string(body) != `{"status":"ok"}` {
			t.Fatalf("healthz: %d %s", resp.StatusCode, body)
		}
		if resp.Header.Get("X-Request-ID") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("missing request id or security headers: %v", resp.Header)
		}
		resp, body = s.Do(t, http.MethodGet, "/readyz", "", nil, nil)
		var ready struct {
			Status string            `json:"status"`
			Checks map[string]string `json:"checks"`
		}
		if err := json.Unmarshal(body, &ready); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("readyz: %d %s", resp.StatusCode, body)
		}
		if ready.Status != "ok" || ready.Checks["database"] != "ok" {
			t.Errorf("readyz: %+v", ready)
		}
		if db.Dialect == "postgres" && ready.Checks["migrations"] != "ok" {
			t.Errorf("readyz on PostgreSQL must check migrations: %+v", ready)
		}
	})
}

func TestReadinessFailsWhenTheDatabaseIsGone(t *testing.T) {
	db := testdb.NewSQLite(t)
	s := testserver.Start(t, db, nil)
	db.SQL.Close()
	resp, body := s.Do(t, http.MethodGet, "/readyz", "", nil, nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("want 503, got %d %s", resp.StatusCode, body)
	}
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	_ = json.Unmarshal(body, &ready)
	if ready.Status != "unavailable" || ready.Checks["database"] != "unreachable" {
		t.Errorf("readyz: %+v", ready)
	}
	if resp, _ := s.Do(t, http.MethodGet, "/healthz", "", nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("liveness must not depend on the database: %d", resp.StatusCode)
	}
}

func TestUnknownPathIsAProblem(t *testing.T) {
	s := testserver.Start(t, testdb.NewSQLite(t), nil)
	resp, body := s.Do(t, http.MethodGet, "/no/such/path", "", nil, nil)
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != problem.ContentType {
		t.Fatalf("want 404 problem+json, got %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var p problem.Problem
	if err := json.Unmarshal(body, &p); err != nil || p.Status != 404 || p.Type == "" || p.RequestID == "" {
		t.Errorf("problem body: %s", body)
	}
}

func TestOversizeBodyIs413(t *testing.T) {
	s := testserver.Start(t, testdb.NewSQLite(t), testserver.Env{"WORKSYNAPSE_HTTP_MAX_BODY_BYTES": "1024"})
	big := []byte(`{"identifier":"` + strings.Repeat("a", 4096) + `","password":"x"}`)
	resp, body := s.Do(t, http.MethodPost, "/auth/login", "application/json", big, nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("Content-Type") != problem.ContentType {
		t.Fatalf("want 413 problem+json, got %d %s", resp.StatusCode, body)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	s := testserver.Start(t, testdb.NewSQLite(t), testserver.Env{"WORKSYNAPSE_HTTP_CORS_ALLOWED_ORIGINS": "https://app.example.com"})
	for _, path := range []string{"/healthz", "/no/such/path", "/auth/me"} {
		resp, _ := s.Do(t, http.MethodGet, path, "", nil, http.Header{"Origin": {"https://app.example.com"}})
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
			"Access-Control-Allow-Origin": "https://app.example.com",
		} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", path, h, got, want)
			}
		}
		if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s: CSP %q", path, resp.Header.Get("Content-Security-Policy"))
		}
	}
	resp, _ := s.Do(t, http.MethodGet, "/healthz", "", nil, http.Header{"Origin": {"https://evil.example.com"}})
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("an origin outside the allowlist must get no CORS headers")
	}
}
