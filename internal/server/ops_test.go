package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	worksynapse "github.com/worksynapse/worksynapse"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

func TestServesTheSpecItWasBuiltFrom(t *testing.T) {
	s := testserver.Start(t, testdb.NewSQLite(t), nil)
	resp, body := s.Do(t, http.MethodGet, "/openapi.yaml", "", nil, nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, worksynapse.OpenAPISpec) || !bytes.Contains(body, []byte("openapi: 3.0.3")) {
		t.Fatalf("spec: %d, %d bytes", resp.StatusCode, len(body))
	}
}

func TestMetricsExposeRequestsAuthFailuresAndPool(t *testing.T) {
	// /auth/me and the first login use the auth budget of 2; the second
	// login is rejected.
	s := testserver.Start(t, testdb.NewSQLite(t), testserver.Env{"WORKSYNAPSE_RATE_LIMIT_AUTH_PER_IP_PER_MINUTE": "2"})
	s.Do(t, http.MethodGet, "/healthz", "", nil, nil)
	s.Do(t, http.MethodGet, "/auth/me", "", nil, http.Header{"Authorization": {"Bearer forged"}})
	login := []byte(`{"identifier":"nobody","password":"whatever"}`)
	s.Do(t, http.MethodPost, "/auth/login", "application/json", login, nil)
	s.Do(t, http.MethodPost, "/auth/login", "application/json", login, nil) // rate limited
	resp, body := s.Do(t, http.MethodGet, "/metrics", "", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	text := string(body)
	for _, want := range []string{
		`worksynapse_http_requests_total{method="GET",operation="GetHealth",status="200"} 1`,
		`worksynapse_http_request_duration_seconds_bucket{operation="GetHealth"`,
		`worksynapse_auth_failures_total{reason="invalid_token"} 1`,
		`worksynapse_auth_failures_total{reason="unknown_identifier"} 1`,
		`worksynapse_rate_limit_rejections_total 1`,
		`go_sql_max_open_connections{db_name="worksynapse"}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
