package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/worksynapse/worksynapse/internal/problem"
)

// Response header names (IETF draft "RateLimit header fields for HTTP").
const (
	HeaderLimit      = "RateLimit-Limit"
	HeaderRemaining  = "RateLimit-Remaining"
	HeaderReset      = "RateLimit-Reset"
	HeaderPolicy     = "RateLimit-Policy"
	HeaderRetryAfter = "Retry-After"
)

// DefaultAuthPathPrefix is used when Rules.AuthPerIP is set but
// Rules.AuthPathPrefix is empty.
const DefaultAuthPathPrefix = "/auth/"

// Key prefixes Middleware passes to the Limiter. Auth and general budgets
// use distinct keys because one key must only ever see one Limit.
const (
	IPKeyPrefix     = "ip:"
	AuthIPKeyPrefix = "auth-ip:"
)

// failOpenLogEvery throttles the Warn logged while the limiter is failing,
// so a Redis outage produces a few lines a minute rather than one per
// request.
const failOpenLogEvery = 10 * time.Second

// Rules configures Middleware. A zero Limit disables that rule.
type Rules struct {
	// PerIP limits every request not matched by AuthPathPrefix.
	PerIP Limit
	// AuthPerIP limits requests whose path starts with AuthPathPrefix
	// (login, token refresh, password reset: the credential-guessing
	// surface). It replaces PerIP for those requests, with its own budget.
	// If zero, auth requests fall under PerIP like any other.
	AuthPerIP Limit
	// AuthPathPrefix selects the auth endpoints, e.g. "/auth/" or
	// "/api/v1/auth/"; empty means DefaultAuthPathPrefix. Matching is on
	// the decoded path and also on its cleaned form, so "//auth/login" or
	// "/x/../auth/login" cannot dodge the stricter limit.
	AuthPathPrefix string
}

// Stats counts what Middleware did. Its methods are safe for concurrent use.
type Stats struct {
	rejections atomic.Uint64
	failOpens  atomic.Uint64
}

// Rejections returns the number of requests answered 429.
func (s *Stats) Rejections() uint64 { return s.rejections.Load() }

// FailOpens returns the number of requests let through unchecked because
// the limiter returned an error.
func (s *Stats) FailOpens() uint64 { return s.failOpens.Load() }

// Option configures Middleware.
type Option func(*options)

type options struct {
	clientIP func(*http.Request) string
	timeout  time.Duration
}

// WithClientIP sets how Middleware finds the client address. The server
// should pass the address its request-id middleware resolved, e.g.
//
//	ratelimit.WithClientIP(func(r *http.Request) string {
//		return requestmeta.FromContext(r.Context()).ClientIP
//	})
//
// so that proxy trust (X-Forwarded-For) is decided in one place. The default
// is the host of r.RemoteAddr, also used when fn returns "".
func WithClientIP(fn func(*http.Request) string) Option {
	return func(o *options) { o.clientIP = fn }
}

// DefaultTimeout bounds each limiter call made by Middleware unless
// WithTimeout says otherwise. A healthy Redis answers in well under a
// millisecond; the go-redis defaults (5 dial attempts, 5 s dial timeout,
// 3 s read timeout) would otherwise let a sick Redis add seconds to every
// request before the middleware fails open.
const DefaultTimeout = 250 * time.Millisecond

// WithTimeout bounds each limiter call; past it the request fails open.
// d <= 0 adds no deadline beyond the request context and the Redis
// client's own timeouts.
func WithTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout = d }
}

// Middleware limits requests per client IP according to rules, using l.
//
// Every limited response carries RateLimit-Limit, RateLimit-Remaining,
// RateLimit-Reset and RateLimit-Policy (see SetHeaders). A rejected request
// additionally gets Retry-After in whole seconds (rounded up, at least 1)
// and is passed to onReject, which must write the response; nil onReject
// writes an RFC 9457 problem with status 429.
//
// If l returns an error or takes longer than the timeout (DefaultTimeout,
// see WithTimeout), the request proceeds without rate-limit headers,
// the failure is counted in Stats.FailOpens and logged at Warn (at most one
// line per 10 seconds, with the number of failures in between). This
// fail-open choice favours availability: an unreachable Redis must not take
// the API down, and the limiter is a protection, not an authorisation. A
// nil log discards these records.
//
// The returned Stats counts rejections and fail-opens. Middleware panics
// if l is nil or a non-zero limit in rules is invalid: validate
// configuration with Limit.Validate first.
func Middleware(l Limiter, rules Rules, onReject func(w http.ResponseWriter, r *http.Request, d Decision), log *slog.Logger, opts ...Option) (func(http.Handler) http.Handler, *Stats) {
	if l == nil {
		panic("ratelimit: Middleware with nil Limiter")
	}
	for _, lim := range []Limit{rules.PerIP, rules.AuthPerIP} {
		if err := lim.Validate(); err != nil && !lim.IsZero() {
			// Otherwise every request would fail open with a warning.
			panic(fmt.Sprintf("ratelimit: Middleware rules: %v", err))
		}
	}
	o := options{timeout: DefaultTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	if onReject == nil {
		onReject = writeProblem
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if rules.AuthPathPrefix == "" {
		rules.AuthPathPrefix = DefaultAuthPathPrefix
	}
	stats := new(Stats)
	warn := &throttledWarn{logger: log, every: failOpenLogEvery}

	mw := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			lim, prefix := rules.PerIP, IPKeyPrefix
			if !rules.AuthPerIP.IsZero() && isAuthPath(r.URL.Path, rules.AuthPathPrefix) {
				lim, prefix = rules.AuthPerIP, AuthIPKeyPrefix
			}
			if lim.IsZero() {
				next.ServeHTTP(w, r)
				return
			}
			ip := ""
			if o.clientIP != nil {
				ip = o.clientIP(r)
			}
			if ip == "" {
				ip = remoteHost(r)
			}

			ctx := r.Context()
			if o.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, o.timeout)
				defer cancel()
			}
			d, err := l.Allow(ctx, prefix+ip, lim)
			if err != nil {
				// A client that hung up is not a limiter failure worth a
				// warning; anything else is, and the request goes through.
				if r.Context().Err() == nil {
					stats.failOpens.Add(1)
					warn.log(r.Context(), err, lim)
				}
				next.ServeHTTP(w, r)
				return
			}
			SetHeaders(w.Header(), d)
			if !d.Allowed {
				stats.rejections.Add(1)
				onReject(w, r, d)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	return mw, stats
}

// SetHeaders writes the RateLimit-* headers describing d into h, plus
// Retry-After when d is a rejection. Handlers enforcing CheckUser can use
// it to answer like Middleware does.
func SetHeaders(h http.Header, d Decision) {
	h.Set(HeaderLimit, strconv.Itoa(d.Limit.Requests))
	h.Set(HeaderRemaining, strconv.Itoa(max(d.Remaining, 0)))
	h.Set(HeaderReset, strconv.FormatInt(ceilSeconds(d.ResetAfter), 10))
	h.Set(HeaderPolicy, fmt.Sprintf("%d;w=%d", d.Limit.Requests, ceilSeconds(d.Limit.Window)))
	if !d.Allowed {
		h.Set(HeaderRetryAfter, strconv.FormatInt(RetryAfterSeconds(d), 10))
	}
}

// RetryAfterSeconds is d.RetryAfter in whole seconds, rounded up and at
// least 1, as sent in Retry-After: a client retrying after that long is
// guaranteed to be allowed (absent other traffic on the key).
func RetryAfterSeconds(d Decision) int64 {
	return max(ceilSeconds(d.RetryAfter), 1)
}

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

func writeProblem(w http.ResponseWriter, r *http.Request, d Decision) {
	problem.Write(w, r, problem.TooManyRequests(
		fmt.Sprintf("Too many requests; retry in %d s.", RetryAfterSeconds(d))))
}

// isAuthPath reports whether p, or its cleaned form, is under prefix.
func isAuthPath(p, prefix string) bool {
	if strings.HasPrefix(p, prefix) {
		return true
	}
	c := path.Clean("/" + p)
	// Cleaning drops the trailing slash: "/auth/" becomes "/auth".
	return strings.HasPrefix(c, prefix) || strings.HasPrefix(c+"/", prefix)
}

// remoteHost returns the host of r.RemoteAddr, normalised like the
// request-id middleware does (IPv4-mapped IPv6 unmapped).
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return addr.Unmap().String()
	}
	return host
}

// throttledWarn logs limiter failures at Warn, at most once per every.
type throttledWarn struct {
	logger     *slog.Logger
	every      time.Duration
	last       atomic.Int64 // unix nanos of the last record
	suppressed atomic.Uint64
}

func (t *throttledWarn) log(ctx context.Context, err error, lim Limit) {
	now := time.Now().UnixNano()
	last := t.last.Load()
	if last != 0 && now-last < int64(t.every) || !t.last.CompareAndSwap(last, now) {
		t.suppressed.Add(1)
		return
	}
	t.logger.LogAttrs(ctx, slog.LevelWarn, "rate limiter failed; request allowed (fail open)",
		slog.String("error", err.Error()),
		slog.String("limit", lim.String()),
		slog.Uint64("suppressed", t.suppressed.Swap(0)),
	)
}
