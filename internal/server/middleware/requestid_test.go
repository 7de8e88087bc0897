package middleware

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/requestmeta"
)

// serveRequestID runs r through RequestID and returns the response and
// the metadata the handler saw.
func serveRequestID(r *http.Request, opts ...RequestIDOption) (*httptest.ResponseRecorder, requestmeta.Meta) {
	var meta requestmeta.Meta
	h := RequestID(opts...)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		meta = requestmeta.FromContext(r.Context())
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec, meta
}

func TestRequestIDAcceptOrGenerate(t *testing.T) {
	tests := []struct {
		name     string
		incoming []string // nil: header absent
		accept   bool
	}{
		{name: "absent", incoming: nil, accept: false},
		{name: "empty", incoming: []string{""}, accept: false},
		{name: "simple", incoming: []string{"abc-123"}, accept: true},
		{name: "all allowed characters", incoming: []string{"AZaz09._-"}, accept: true},
		{name: "single char", incoming: []string{"x"}, accept: true},
		{name: "uuid", incoming: []string{"0190b6a2-7c3e-7d4f-8a9b-0123456789ab"}, accept: true},
		{name: "max length", incoming: []string{strings.Repeat("a", 128)}, accept: true},
		{name: "too long", incoming: []string{strings.Repeat("a", 129)}, accept: false},
		{name: "space", incoming: []string{"abc def"}, accept: false},
		{name: "newline injection", incoming: []string{"abc\nlevel=ERROR"}, accept: false},
		{name: "slash", incoming: []string{"a/b"}, accept: false},
		{name: "non-ascii", incoming: []string{"ïd"}, accept: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tt.incoming {
				r.Header.Add(HeaderRequestID, v)
			}

			rec, meta := serveRequestID(r)

			got := rec.Header().Get(HeaderRequestID)
			if got != meta.RequestID {
				t.Errorf("response header %q != context id %q", got, meta.RequestID)
			}
			if tt.accept {
				if got != tt.incoming[0] {
					t.Errorf("id = %q, want incoming %q", got, tt.incoming[0])
				}
				return
			}
			id, err := uuid.Parse(got)
			if err != nil {
				t.Fatalf("generated id %q is not a UUID: %v", got, err)
			}
			if id.Version() != 7 {
				t.Errorf("generated id %q has version %d, want 7", got, id.Version())
			}
		})
	}
}

func TestRequestIDGeneratesUniqueIDs(t *testing.T) {
	seen := make(map[string]bool)
	for range 100 {
		rec, _ := serveRequestID(httptest.NewRequest(http.MethodGet, "/", nil))
		id := rec.Header().Get(HeaderRequestID)
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}

func TestRequestIDClientIP(t *testing.T) {
	tests := []struct {
		name       string
		remoteAddr string
		xff        []string
		trustProxy bool
		want       string
	}{
		{name: "ipv4 remote", remoteAddr: "192.0.2.1:1234", want: "192.0.2.1"},
		{name: "ipv6 remote", remoteAddr: "[2001:db8::1]:443", want: "2001:db8::1"},
		{name: "ipv4-mapped ipv6 remote", remoteAddr: "[::ffff:192.0.2.7]:80", want: "192.0.2.7"},
		{name: "remote without port", remoteAddr: "192.0.2.9", want: "192.0.2.9"},
		{name: "unparseable remote kept", remoteAddr: "@", want: "@"},
		{
			name: "xff ignored without trust", remoteAddr: "10.0.0.1:1",
			xff: []string{"203.0.113.5"}, want: "10.0.0.1",
		},
		{
			name: "xff left-most with trust", remoteAddr: "10.0.0.1:1",
			xff: []string{"203.0.113.5, 198.51.100.2, 10.0.0.2"}, trustProxy: true, want: "203.0.113.5",
		},
		{
			name: "xff skips invalid entries", remoteAddr: "10.0.0.1:1",
			xff: []string{"unknown, not-an-ip ,  2001:db8::5 , 198.51.100.2"}, trustProxy: true, want: "2001:db8::5",
		},
		{
			name: "xff across repeated header lines", remoteAddr: "10.0.0.1:1",
			xff: []string{"garbage", "198.51.100.3, 198.51.100.4"}, trustProxy: true, want: "198.51.100.3",
		},
		{
			name: "xff all invalid falls back to remote", remoteAddr: "10.0.0.1:1",
			xff: []string{"unknown, , x"}, trustProxy: true, want: "10.0.0.1",
		},
		{
			name: "xff with port is not an ip", remoteAddr: "10.0.0.1:1",
			xff: []string{"203.0.113.5:999"}, trustProxy: true, want: "10.0.0.1",
		},
		{name: "trust without xff uses remote", remoteAddr: "10.0.0.1:1", trustProxy: true, want: "10.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remoteAddr
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}

			_, meta := serveRequestID(r, WithTrustProxy(tt.trustProxy))

			if meta.ClientIP != tt.want {
				t.Errorf("ClientIP = %q, want %q", meta.ClientIP, tt.want)
			}
		})
	}
}

func TestRequestIDUserAgent(t *testing.T) {
	tests := []struct {
		name string
		ua   string
		want string
	}{
		{name: "absent", ua: "", want: ""},
		{name: "short", ua: "curl/8.5.0", want: "curl/8.5.0"},
		{name: "exactly max", ua: strings.Repeat("a", 512), want: strings.Repeat("a", 512)},
		{name: "truncated", ua: strings.Repeat("a", 600), want: strings.Repeat("a", 512)},
		// "é" is two bytes; cutting at 512 would split the last one.
		{name: "rune boundary", ua: strings.Repeat("a", 511) + "éé", want: strings.Repeat("a", 511)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.ua != "" {
				r.Header.Set("User-Agent", tt.ua)
			}

			_, meta := serveRequestID(r)

			if meta.UserAgent != tt.want {
				t.Errorf("UserAgent = %q (len %d), want len %d", meta.UserAgent, len(meta.UserAgent), len(tt.want))
			}
			if !utf8.ValidString(meta.UserAgent) {
				t.Errorf("UserAgent is not valid UTF-8")
			}
		})
	}
}
