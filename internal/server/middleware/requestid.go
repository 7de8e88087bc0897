package middleware

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/requestmeta"
)

// HeaderRequestID is both read from requests and echoed on responses.
const HeaderRequestID = "X-Request-ID"

const (
	maxRequestIDLen = 128
	maxUserAgentLen = 512
)

// RequestIDOption configures RequestID.
type RequestIDOption func(*requestIDConfig)

type requestIDConfig struct {
	trustProxy bool
}

// WithTrustProxy makes RequestID take the client IP from X-Forwarded-For.
// Enable it only behind a reverse proxy that sets or sanitises that header:
// otherwise any client can claim any address.
func WithTrustProxy(trust bool) RequestIDOption {
	return func(c *requestIDConfig) { c.trustProxy = trust }
}

// RequestID assigns every request an id, echoes it in the X-Request-ID
// response header and stores a requestmeta.Meta in the request context.
//
// An incoming X-Request-ID is reused when it is 1..128 characters of
// [A-Za-z0-9._-], so ids can be correlated across services; anything else
// is replaced by a fresh UUIDv7 (time-ordered, which keeps logs sortable).
// The restriction stops clients injecting log noise or header tricks.
func RequestID(opts ...RequestIDOption) Middleware {
	var cfg requestIDConfig
	for _, opt := range opts {
		opt(&cfg)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get(HeaderRequestID)
			if !validRequestID(id) {
				id = newRequestID()
			}
			w.Header().Set(HeaderRequestID, id)
			meta := requestmeta.Meta{
				RequestID: id,
				ClientIP:  clientIP(r, cfg.trustProxy),
				UserAgent: truncateUTF8(r.UserAgent(), maxUserAgentLen),
			}
			next.ServeHTTP(w, r.WithContext(requestmeta.NewContext(r.Context(), meta)))
		})
	}
}

func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	id, err := uuid.NewV7()
	if err != nil {
		// Only fails if the random source does; a v4 id still beats none.
		return uuid.NewString()
	}
	return id.String()
}

// clientIP returns the best-known client address. With trustProxy it is
// the left-most parseable entry of X-Forwarded-For (the original client as
// reported by the first proxy), falling back to the connection's peer.
func clientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if ip, ok := forwardedFor(r.Header.Values("X-Forwarded-For")); ok {
			return ip
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr // no port, e.g. a unix socket or a test
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return addr.Unmap().String()
	}
	return host
}

// forwardedFor scans the X-Forwarded-For header lines in order; repeated
// header lines are equivalent to one comma-joined line.
func forwardedFor(lines []string) (string, bool) {
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ",") {
			if addr, err := netip.ParseAddr(strings.TrimSpace(part)); err == nil {
				return addr.Unmap().String(), true
			}
		}
	}
	return "", false
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune, so the
// value stays valid UTF-8 in JSON logs.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
