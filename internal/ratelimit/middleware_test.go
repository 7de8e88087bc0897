package ratelimit_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/ratelimit"
)

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})
}

// serve sends one request from remoteIP to path through h.
func serve(h http.Handler, path, remoteIP string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = remoteIP + ":4242"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestMiddlewareHeadersAnd429(t *testing.T) {
	clock := newFakeClock()
	rules := ratelimit.Rules{PerIP: ratelimit.Limit{Requests: 3, Window: time.Minute}}
	mw, stats := ratelimit.Middleware(ratelimit.NewMemory(clock.Now), rules, nil, nil)
	h := mw(okHandler())

	for i, want := range []struct {
		status           int
		remaining, reset string
		retryAfter       string
	}{
		{http.StatusOK, "2", "20", ""},
		{http.StatusOK, "1", "40", ""},
		{http.StatusOK, "0", "60", ""},
		{http.StatusTooManyRequests, "0", "60", "20"},
		{http.StatusTooManyRequests, "0", "60", "20"},
	} {
		rec := serve(h, "/items", "192.0.2.1")
		if rec.Code != want.status {
			t.Fatalf("request %d: status %d, want %d", i+1, rec.Code, want.status)
		}
		hdr := rec.Header()
		for name, v := range map[string]string{
			ratelimit.HeaderLimit:      "3",
			ratelimit.HeaderRemaining:  want.remaining,
			ratelimit.HeaderReset:      want.reset,
			ratelimit.HeaderPolicy:     "3;w=60",
			ratelimit.HeaderRetryAfter: want.retryAfter,
		} {
			if got := hdr.Get(name); got != v {
				t.Errorf("request %d: %s = %q, want %q", i+1, name, got, v)
			}
		}
		if want.status == http.StatusTooManyRequests {
			if ct := hdr.Get("Content-Type"); ct != problem.ContentType {
				t.Errorf("Content-Type = %q, want %q", ct, problem.ContentType)
			}
			var p problem.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatalf("decode problem %q: %v", rec.Body, err)
			}
			if p.Status != http.StatusTooManyRequests || p.Type != problem.TypeURI(problem.SlugRateLimited) || p.Instance != "/items" {
				t.Errorf("problem = %+v", p)
			}
		} else if rec.Body.String() != "ok" {
			t.Errorf("request %d: body %q, want the handler's", i+1, rec.Body)
		}
	}
	if got := stats.Rejections(); got != 2 {
		t.Errorf("Rejections = %d, want 2", got)
	}

	// Retry-After rounds up: 19.5 s left means "20", never "19".
	clock.Advance(500 * time.Millisecond)
	if got := serve(h, "/items", "192.0.2.1").Header().Get("Retry-After"); got != "20" {
		t.Errorf("Retry-After with 19.5s left = %q, want 20", got)
	}
	// Once the interval has passed the client gets one request.
	clock.Advance(20 * time.Second)
	if rec := serve(h, "/items", "192.0.2.1"); rec.Code != http.StatusOK {
		t.Errorf("after Retry-After: status %d, want 200", rec.Code)
	}
	// Other clients were never affected.
	if rec := serve(h, "/items", "192.0.2.2"); rec.Code != http.StatusOK || rec.Header().Get(ratelimit.HeaderRemaining) != "2" {
		t.Errorf("other IP: status %d, remaining %q", rec.Code, rec.Header().Get(ratelimit.HeaderRemaining))
	}
}

func TestMiddlewareAuthPrefixIsStricter(t *testing.T) {
	rules := ratelimit.Rules{
		PerIP:          ratelimit.Limit{Requests: 100, Window: time.Minute},
		AuthPerIP:      ratelimit.Limit{Requests: 2, Window: time.Minute},
		AuthPathPrefix: "/auth/",
	}
	mw, stats := ratelimit.Middleware(ratelimit.NewMemory(newFakeClock().Now), rules, nil, nil)
	h := mw(okHandler())
	const ip = "198.51.100.7"

	steps := []struct {
		path   string
		status int
		limit  string
	}{
		{"/auth/login", http.StatusOK, "2"},
		{"/items", http.StatusOK, "100"},
		{"/auth/refresh", http.StatusOK, "2"}, // same auth budget as /auth/login
		{"/auth/login", http.StatusTooManyRequests, "2"},
		{"//auth/login", http.StatusTooManyRequests, "2"},         // cleaned path still matches
		{"/items/../auth/login", http.StatusTooManyRequests, "2"}, // so does a dot-dot detour
		{"/items", http.StatusOK, "100"},                          // general budget unaffected
		{"/authors", http.StatusOK, "100"},                        // prefix is "/auth/", not "/auth"
	}
	for _, s := range steps {
		rec := serve(h, s.path, ip)
		if rec.Code != s.status {
			t.Errorf("%s: status %d, want %d", s.path, rec.Code, s.status)
		}
		if got := rec.Header().Get(ratelimit.HeaderLimit); got != s.limit {
			t.Errorf("%s: RateLimit-Limit = %q, want %q", s.path, got, s.limit)
		}
	}
	if got := stats.Rejections(); got != 3 {
		t.Errorf("Rejections = %d, want 3", got)
	}
	// Another address has its own auth budget.
	if rec := serve(h, "/auth/login", "198.51.100.8"); rec.Code != http.StatusOK {
		t.Errorf("other IP on /auth/login: status %d", rec.Code)
	}
}

func TestMiddlewareRules(t *testing.T) {
	one := ratelimit.Limit{Requests: 1, Window: time.Minute}
	tests := []struct {
		name        string
		rules       ratelimit.Rules
		path        string
		wantLimited bool // second request gets 429
		wantHeaders bool
	}{
		{"zero rules limit nothing", ratelimit.Rules{}, "/items", false, false},
		{"auth only", ratelimit.Rules{AuthPerIP: one}, "/auth/login", true, true},
		{"auth only leaves others alone", ratelimit.Rules{AuthPerIP: one}, "/items", false, false},
		{"auth prefix defaults to /auth/", ratelimit.Rules{PerIP: ratelimit.Limit{Requests: 5, Window: time.Minute}, AuthPerIP: one}, "/auth/x", true, true},
		{"no auth rule: auth paths use PerIP", ratelimit.Rules{PerIP: one}, "/auth/login", true, true},
		{"custom prefix", ratelimit.Rules{PerIP: ratelimit.Limit{Requests: 5, Window: time.Minute}, AuthPerIP: one, AuthPathPrefix: "/api/v1/auth/"}, "/api/v1/auth/login", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, _ := ratelimit.Middleware(ratelimit.NewMemory(newFakeClock().Now), tt.rules, nil, nil)
			h := mw(okHandler())
			first := serve(h, tt.path, "192.0.2.1")
			if first.Code != http.StatusOK {
				t.Fatalf("first request: status %d", first.Code)
			}
			if got := first.Header().Get(ratelimit.HeaderLimit) != ""; got != tt.wantHeaders {
				t.Errorf("RateLimit headers present = %v, want %v", got, tt.wantHeaders)
			}
			second := serve(h, tt.path, "192.0.2.1")
			if limited := second.Code == http.StatusTooManyRequests; limited != tt.wantLimited {
				t.Errorf("second request: status %d, want limited=%v", second.Code, tt.wantLimited)
			}
		})
	}
}

func TestMiddlewareRejectsInvalidRules(t *testing.T) {
	for _, rules := range []ratelimit.Rules{
		{PerIP: ratelimit.Limit{Requests: 0, Window: time.Minute}},
		{AuthPerIP: ratelimit.Limit{Requests: 5}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Middleware(%+v) did not panic", rules)
				}
			}()
			ratelimit.Middleware(ratelimit.NewMemory(nil), rules, nil, nil)
		}()
	}
}

func TestMiddlewareClientIPOption(t *testing.T) {
	rules := ratelimit.Rules{PerIP: ratelimit.Limit{Requests: 1, Window: time.Minute}}
	rec := &recordingLimiter{next: ratelimit.NewMemory(newFakeClock().Now)}
	mw, _ := ratelimit.Middleware(rec, rules, nil, nil, ratelimit.WithClientIP(func(r *http.Request) string {
		return r.Header.Get("X-Test-Client")
	}))
	h := mw(okHandler())

	send := func(client, remote string) int {
		req := httptest.NewRequest(http.MethodGet, "/items", nil)
		req.RemoteAddr = remote
		if client != "" {
			req.Header.Set("X-Test-Client", client)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	// Same proxy address, different resolved clients: separate budgets.
	if send("203.0.113.1", "10.0.0.1:1") != http.StatusOK || send("203.0.113.2", "10.0.0.1:1") != http.StatusOK {
		t.Fatal("distinct clients behind one proxy must not share a budget")
	}
	if send("203.0.113.1", "10.0.0.9:1") != http.StatusTooManyRequests {
		t.Error("same client from another peer address must share its budget")
	}
	// An empty answer falls back to RemoteAddr, normalised.
	send("", "[::ffff:10.1.2.3]:5")
	want := []string{"ip:203.0.113.1", "ip:203.0.113.2", "ip:203.0.113.1", "ip:10.1.2.3"}
	got := rec.keys()
	if len(got) != len(want) {
		t.Fatalf("keys = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("key %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestMiddlewareCustomOnReject(t *testing.T) {
	rules := ratelimit.Rules{PerIP: ratelimit.Limit{Requests: 1, Window: 90 * time.Second}}
	var got ratelimit.Decision
	onReject := func(w http.ResponseWriter, r *http.Request, d ratelimit.Decision) {
		got = d
		if w.Header().Get("Retry-After") == "" {
			t.Error("Retry-After must be set before onReject runs")
		}
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("slow down"))
	}
	mw, stats := ratelimit.Middleware(ratelimit.NewMemory(newFakeClock().Now), rules, onReject, nil)
	h := mw(okHandler())
	serve(h, "/", "192.0.2.1")
	rec := serve(h, "/", "192.0.2.1")
	if rec.Code != http.StatusTooManyRequests || rec.Body.String() != "slow down" {
		t.Errorf("got %d %q", rec.Code, rec.Body)
	}
	if got.Allowed || got.RetryAfter != 90*time.Second || got.Limit != rules.PerIP {
		t.Errorf("onReject decision = %+v", got)
	}
	if rec.Header().Get("Retry-After") != "90" {
		t.Errorf("Retry-After = %q, want 90", rec.Header().Get("Retry-After"))
	}
	if stats.Rejections() != 1 {
		t.Errorf("Rejections = %d, want 1", stats.Rejections())
	}
}

// With Redis unreachable the API must keep serving: requests pass without
// rate-limit headers and the failure is logged at Warn, throttled.
func TestMiddlewareFailsOpen(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	lim := ratelimit.NewRedis(deadRedisClient(t), "x:")
	rules := ratelimit.Rules{
		PerIP:     ratelimit.Limit{Requests: 1, Window: time.Minute},
		AuthPerIP: ratelimit.Limit{Requests: 1, Window: time.Minute},
	}
	mw, stats := ratelimit.Middleware(lim, rules, nil, log)
	h := mw(okHandler())

	for _, path := range []string{"/items", "/items", "/auth/login", "/auth/login"} {
		rec := serve(h, path, "192.0.2.1")
		if rec.Code != http.StatusOK || rec.Body.String() != "ok" {
			t.Errorf("%s: got %d %q, want the handler's 200", path, rec.Code, rec.Body)
		}
		if v := rec.Header().Get(ratelimit.HeaderLimit); v != "" {
			t.Errorf("%s: RateLimit-Limit = %q on a fail-open response", path, v)
		}
	}
	if got := stats.FailOpens(); got != 4 {
		t.Errorf("FailOpens = %d, want 4", got)
	}
	if got := stats.Rejections(); got != 0 {
		t.Errorf("Rejections = %d, want 0", got)
	}
	recs := logs.records(t)
	if len(recs) != 1 {
		t.Fatalf("got %d log records, want 1 (throttled): %v", len(recs), recs)
	}
	if recs[0]["level"] != "WARN" || recs[0]["error"] == "" || recs[0]["error"] == nil ||
		!strings.Contains(recs[0]["msg"].(string), "fail open") {
		t.Errorf("log record = %v, want a WARN with the error", recs[0])
	}
}

func TestMiddlewareTimeout(t *testing.T) {
	slow := limiterFunc(func(ctx context.Context, _ string, l ratelimit.Limit) (ratelimit.Decision, error) {
		<-ctx.Done()
		return ratelimit.Decision{Limit: l}, ctx.Err()
	})
	rules := ratelimit.Rules{PerIP: ratelimit.Limit{Requests: 1, Window: time.Minute}}
	for _, tt := range []struct {
		name string
		opts []ratelimit.Option
		max  time.Duration
	}{
		{"explicit", []ratelimit.Option{ratelimit.WithTimeout(20 * time.Millisecond)}, time.Second},
		{"default", nil, ratelimit.DefaultTimeout + time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mw, stats := ratelimit.Middleware(slow, rules, nil, nil, tt.opts...)
			start := time.Now()
			rec := serve(mw(okHandler()), "/", "192.0.2.1")
			if rec.Code != http.StatusOK {
				t.Errorf("status %d, want 200 (fail open)", rec.Code)
			}
			if d := time.Since(start); d > tt.max {
				t.Errorf("request took %v, want <= %v", d, tt.max)
			}
			if stats.FailOpens() != 1 {
				t.Errorf("FailOpens = %d, want 1", stats.FailOpens())
			}
		})
	}

	t.Run("disabled", func(t *testing.T) {
		noDeadline := limiterFunc(func(ctx context.Context, _ string, l ratelimit.Limit) (ratelimit.Decision, error) {
			if _, ok := ctx.Deadline(); ok {
				t.Error("WithTimeout(0) must not add a deadline")
			}
			return ratelimit.Decision{Allowed: true, Limit: l}, nil
		})
		mw, _ := ratelimit.Middleware(noDeadline, rules, nil, nil, ratelimit.WithTimeout(0))
		if rec := serve(mw(okHandler()), "/", "192.0.2.1"); rec.Code != http.StatusOK {
			t.Errorf("status %d", rec.Code)
		}
	})
}

// A client that disconnected cancels the request context; that is not a
// limiter failure and must not be logged or counted as one.
func TestMiddlewareClientGone(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	ctxErr := limiterFunc(func(ctx context.Context, _ string, l ratelimit.Limit) (ratelimit.Decision, error) {
		return ratelimit.Decision{Limit: l}, ctx.Err()
	})
	mw, stats := ratelimit.Middleware(ctxErr, ratelimit.Rules{PerIP: ratelimit.Limit{Requests: 1, Window: time.Minute}}, nil, log)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	mw(okHandler()).ServeHTTP(httptest.NewRecorder(), req)
	if stats.FailOpens() != 0 || len(logs.records(t)) != 0 {
		t.Errorf("FailOpens = %d, logs = %v; want neither", stats.FailOpens(), logs.records(t))
	}
}

// Two replicas, each with its own middleware and Redis connection pool,
// enforce one budget per client.
func TestMiddlewareReplicasShareBudgetViaRedis(t *testing.T) {
	prefix := testPrefix(t)
	rules := ratelimit.Rules{PerIP: ratelimit.Limit{Requests: 5, Window: time.Hour}}
	var handlers []http.Handler
	var allStats []*ratelimit.Stats
	for range 2 {
		mw, stats := ratelimit.Middleware(ratelimit.NewRedis(newRedisClient(t), prefix), rules, nil, nil)
		handlers = append(handlers, mw(okHandler()))
		allStats = append(allStats, stats)
	}
	ok := 0
	for i := range 12 {
		rec := serve(handlers[i%2], "/items", "192.0.2.1")
		switch rec.Code {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			ra, err := strconv.Atoi(rec.Header().Get("Retry-After"))
			if err != nil || ra < 1 || ra > 720 {
				t.Errorf("Retry-After = %q, want 1..720", rec.Header().Get("Retry-After"))
			}
		default:
			t.Fatalf("status %d", rec.Code)
		}
	}
	if ok != 5 {
		t.Errorf("%d requests allowed across two replicas, want 5", ok)
	}
	if n := allStats[0].Rejections() + allStats[1].Rejections(); n != 7 {
		t.Errorf("rejections = %d, want 7", n)
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for _, tt := range []struct {
		in   time.Duration
		want int64
	}{
		{0, 1},
		{-time.Second, 1},
		{time.Nanosecond, 1},
		{time.Second, 1},
		{time.Second + time.Nanosecond, 2},
		{59*time.Second + 200*time.Millisecond, 60},
		{time.Hour, 3600},
	} {
		if got := ratelimit.RetryAfterSeconds(ratelimit.Decision{RetryAfter: tt.in}); got != tt.want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestSetHeaders(t *testing.T) {
	l := ratelimit.Limit{Requests: 10, Window: time.Minute}
	tests := []struct {
		name string
		d    ratelimit.Decision
		want map[string]string
	}{
		{
			"allowed",
			ratelimit.Decision{Allowed: true, Remaining: 7, ResetAfter: 17500 * time.Millisecond, Limit: l},
			map[string]string{"RateLimit-Limit": "10", "RateLimit-Remaining": "7", "RateLimit-Reset": "18", "RateLimit-Policy": "10;w=60", "Retry-After": ""},
		},
		{
			"rejected",
			ratelimit.Decision{RetryAfter: 100 * time.Millisecond, ResetAfter: 59 * time.Second, Limit: l},
			map[string]string{"RateLimit-Limit": "10", "RateLimit-Remaining": "0", "RateLimit-Reset": "59", "Retry-After": "1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			ratelimit.SetHeaders(h, tt.d)
			for k, v := range tt.want {
				if got := h.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

type limiterFunc func(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Decision, error)

func (f limiterFunc) Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Decision, error) {
	return f(ctx, key, l)
}
