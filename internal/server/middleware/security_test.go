package middleware

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestSecurityHeaders(t *testing.T) {
	const docsCSP = "default-src 'self'; script-src 'self'"
	tests := []struct {
		name     string
		mw       Middleware
		tls      bool
		wantCSP  string
		wantHSTS string
	}{
		{name: "plain http without hsts", mw: SecurityHeaders(false), wantCSP: DefaultCSP},
		{name: "hsts forced", mw: SecurityHeaders(true), wantCSP: DefaultCSP, wantHSTS: hstsValue},
		{name: "tls request gets hsts", mw: SecurityHeaders(false), tls: true, wantCSP: DefaultCSP, wantHSTS: hstsValue},
		{name: "custom csp", mw: SecurityHeadersWith(SecurityHeadersOptions{CSP: docsCSP}), wantCSP: docsCSP},
		{name: "options with hsts", mw: SecurityHeadersWith(SecurityHeadersOptions{HSTS: true}), wantCSP: DefaultCSP, wantHSTS: hstsValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			rec := httptest.NewRecorder()

			tt.mw(okHandler()).ServeHTTP(rec, r)

			want := map[string]string{
				"X-Content-Type-Options":     "nosniff",
				"X-Frame-Options":            "DENY",
				"Referrer-Policy":            "no-referrer",
				"Content-Security-Policy":    tt.wantCSP,
				"Cross-Origin-Opener-Policy": "same-origin",
				"Strict-Transport-Security":  tt.wantHSTS,
			}
			for k, v := range want {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}
