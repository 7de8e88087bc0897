package middleware

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

func TestCORS(t *testing.T) {
	const allowed = "https://app.example.com"
	tests := []struct {
		name        string
		method      string
		origin      string
		reqMethod   string // Access-Control-Request-Method
		wantStatus  int
		wantCalled  bool
		wantHeaders map[string]string // "" means must be absent
	}{
		{
			name: "allowed simple request", method: http.MethodGet, origin: allowed,
			wantStatus: 200, wantCalled: true,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":      allowed,
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers":    corsExposeHeaders,
				"Access-Control-Allow-Methods":     "",
			},
		},
		{
			name: "denied origin", method: http.MethodGet, origin: "https://evil.example.com",
			wantStatus: 200, wantCalled: true,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":      "",
				"Access-Control-Allow-Credentials": "",
				"Access-Control-Expose-Headers":    "",
			},
		},
		{
			name: "origin match is exact", method: http.MethodGet, origin: allowed + "/",
			wantStatus: 200, wantCalled: true,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": ""},
		},
		{
			name: "no origin", method: http.MethodGet,
			wantStatus: 200, wantCalled: true,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": ""},
		},
		{
			name: "allowed preflight", method: http.MethodOptions, origin: allowed, reqMethod: "PATCH",
			wantStatus: 204, wantCalled: false,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":      allowed,
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods":     "GET, POST, PUT, PATCH, DELETE, OPTIONS",
				"Access-Control-Allow-Headers":     "Authorization, Content-Type, If-Match, If-None-Match, X-Request-ID, X-API-Key, Idempotency-Key, Last-Event-ID",
				"Access-Control-Max-Age":           "600",
			},
		},
		{
			name: "denied preflight", method: http.MethodOptions, origin: "https://evil.example.com", reqMethod: "DELETE",
			wantStatus: 204, wantCalled: false,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":  "",
				"Access-Control-Allow-Methods": "",
				"Access-Control-Allow-Headers": "",
				"Access-Control-Max-Age":       "",
			},
		},
		{
			name: "plain OPTIONS is not a preflight", method: http.MethodOptions, origin: allowed,
			wantStatus: 200, wantCalled: true,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":  allowed,
				"Access-Control-Allow-Methods": "",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			h := CORS([]string{allowed, "http://localhost:5173", ""})(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				called = true
				w.WriteHeader(http.StatusOK)
			}))
			r := httptest.NewRequest(tt.method, "/v1/things", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.reqMethod != "" {
				r.Header.Set("Access-Control-Request-Method", tt.reqMethod)
				r.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			}
			rec := httptest.NewRecorder()

			h.ServeHTTP(rec, r)

			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if called != tt.wantCalled {
				t.Errorf("next called = %v, want %v", called, tt.wantCalled)
			}
			for k, v := range tt.wantHeaders {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if !slices.Contains(rec.Header().Values("Vary"), "Origin") {
				t.Errorf("Vary = %v, want it to contain Origin", rec.Header().Values("Vary"))
			}
		})
	}
}

func TestCORSRejectsWildcard(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("CORS([\"*\"]) did not panic")
		}
	}()
	CORS([]string{"https://a.example", "*"})
}
