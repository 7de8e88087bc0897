package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/internal/ratelimit"
)

// backend builds a fresh, empty Limiter. The behaviour tests below run
// against every backend. Windows are long (T = Window/N of seconds at
// least) so that no budget refills while a Redis test runs on real time.
type backend struct {
	name string
	new  func(t *testing.T) ratelimit.Limiter
	// exact is true when time does not move during the test (fake clock),
	// so durations can be compared exactly.
	exact bool
}

var backends = []backend{
	{name: "memory", exact: true, new: func(*testing.T) ratelimit.Limiter {
		return ratelimit.NewMemory(newFakeClock().Now)
	}},
	{name: "redis", new: func(t *testing.T) ratelimit.Limiter {
		return ratelimit.NewRedis(newRedisClient(t), testPrefix(t))
	}},
}

func TestAllowExactlyNThenReject(t *testing.T) {
	limits := []ratelimit.Limit{
		{Requests: 1, Window: time.Hour},
		{Requests: 3, Window: time.Minute},
		{Requests: 7, Window: time.Hour}, // Window/N is not a whole number of seconds
		{Requests: 10, Window: time.Minute},
		{Requests: 100, Window: 20 * time.Minute},
	}
	for _, b := range backends {
		for _, l := range limits {
			t.Run(fmt.Sprintf("%s/%s", b.name, l), func(t *testing.T) {
				lim := b.new(t)
				ctx := context.Background()
				interval := l.Window / time.Duration(l.Requests)

				for i := range l.Requests {
					d, err := lim.Allow(ctx, "k", l)
					if err != nil {
						t.Fatalf("request %d: %v", i+1, err)
					}
					if !d.Allowed {
						t.Fatalf("request %d of %d rejected: %+v", i+1, l.Requests, d)
					}
					if want := l.Requests - 1 - i; d.Remaining != want {
						t.Errorf("request %d: Remaining = %d, want %d", i+1, d.Remaining, want)
					}
					if d.RetryAfter != 0 {
						t.Errorf("request %d: RetryAfter = %v on an allowed request", i+1, d.RetryAfter)
					}
					if d.Limit != l {
						t.Errorf("request %d: Limit = %v, want %v", i+1, d.Limit, l)
					}
					// After i+1 requests the budget is full again in (i+1)·T.
					wantReset := time.Duration(i+1) * interval
					if d.ResetAfter > wantReset || d.ResetAfter < wantReset-time.Second {
						t.Errorf("request %d: ResetAfter = %v, want about %v", i+1, d.ResetAfter, wantReset)
					}
				}

				for range 3 { // rejections consume nothing and stay rejected
					d, err := lim.Allow(ctx, "k", l)
					if err != nil {
						t.Fatal(err)
					}
					if d.Allowed {
						t.Fatalf("request %d allowed: %+v", l.Requests+1, d)
					}
					if d.Remaining != 0 {
						t.Errorf("Remaining = %d on rejection, want 0", d.Remaining)
					}
					// The next slot frees one emission interval after the
					// burst: never more than T, and (on a still clock) exactly T.
					if d.RetryAfter <= 0 || d.RetryAfter > interval {
						t.Errorf("RetryAfter = %v, want in (0, %v]", d.RetryAfter, interval)
					}
					if b.exact && d.RetryAfter != interval {
						t.Errorf("RetryAfter = %v, want exactly %v", d.RetryAfter, interval)
					}
					if d.ResetAfter <= 0 || d.ResetAfter > l.Window {
						t.Errorf("ResetAfter = %v, want in (0, %v]", d.ResetAfter, l.Window)
					}
				}
			})
		}
	}
}

func TestKeysAreIndependent(t *testing.T) {
	l := ratelimit.Limit{Requests: 2, Window: time.Minute}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			lim := b.new(t)
			ctx := context.Background()
			for range 2 {
				mustAllow(t, lim, "a", l, true)
			}
			mustAllow(t, lim, "a", l, false)
			// Exhausting "a" leaves "b" and "ab" untouched.
			for _, key := range []string{"b", "ab"} {
				for i := range 2 {
					d, err := lim.Allow(ctx, key, l)
					if err != nil || !d.Allowed || d.Remaining != 1-i {
						t.Fatalf("%s request %d = %+v, %v; want allowed with Remaining %d", key, i+1, d, err, 1-i)
					}
				}
				mustAllow(t, lim, key, l, false)
			}
		})
	}
}

func TestConcurrentCallersNeverExceedLimit(t *testing.T) {
	const (
		goroutines = 50
		attempts   = 4
	)
	l := ratelimit.Limit{Requests: 37, Window: time.Hour}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			lim := b.new(t)
			var (
				mu        sync.Mutex
				remaining = map[int]int{} // Remaining value -> times seen
				allowed   int
				wg        sync.WaitGroup
			)
			start := make(chan struct{})
			for range goroutines {
				wg.Go(func() {
					<-start
					for range attempts {
						d, err := lim.Allow(context.Background(), "shared", l)
						if err != nil {
							t.Error(err)
							return
						}
						if d.Allowed {
							mu.Lock()
							allowed++
							remaining[d.Remaining]++
							mu.Unlock()
						}
					}
				})
			}
			close(start)
			wg.Wait()

			if allowed != l.Requests {
				t.Fatalf("allowed %d of %d attempts, want exactly %d", allowed, goroutines*attempts, l.Requests)
			}
			// Atomic decisions hand out each Remaining value exactly once.
			for r := range l.Requests {
				if remaining[r] != 1 {
					t.Errorf("Remaining=%d seen %d times, want once", r, remaining[r])
				}
			}
		})
	}
}

func TestInvalidLimit(t *testing.T) {
	invalid := []ratelimit.Limit{
		{},
		{Requests: 0, Window: time.Minute},
		{Requests: -1, Window: time.Minute},
		{Requests: 1, Window: 0},
		{Requests: 1, Window: -time.Second},
		{Requests: 1, Window: ratelimit.MaxWindow + 1},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			lim := b.new(t)
			for _, l := range invalid {
				if err := l.Validate(); !errors.Is(err, ratelimit.ErrInvalidLimit) {
					t.Errorf("%v.Validate() = %v, want ErrInvalidLimit", l, err)
				}
				d, err := lim.Allow(context.Background(), "k", l)
				if !errors.Is(err, ratelimit.ErrInvalidLimit) {
					t.Errorf("Allow(%v) error = %v, want ErrInvalidLimit", l, err)
				}
				if d.Allowed {
					t.Errorf("Allow(%v) allowed", l)
				}
			}
			for _, l := range []ratelimit.Limit{{Requests: 1, Window: time.Nanosecond}, {Requests: 1, Window: ratelimit.MaxWindow}} {
				if err := l.Validate(); err != nil {
					t.Errorf("%v.Validate() = %v, want nil", l, err)
				}
			}
		})
	}
}

func TestCheckUser(t *testing.T) {
	ctx := context.Background()
	lim := ratelimit.NewMemory(newFakeClock().Now)
	l := ratelimit.Limit{Requests: 2, Window: time.Minute}

	rec := &recordingLimiter{next: lim}
	for i := range 2 {
		d, err := ratelimit.CheckUser(ctx, rec, "42", l)
		if err != nil || !d.Allowed {
			t.Fatalf("request %d = %+v, %v; want allowed", i+1, d, err)
		}
	}
	d, err := ratelimit.CheckUser(ctx, rec, "42", l)
	if err != nil || d.Allowed {
		t.Fatalf("request 3 = %+v, %v; want rejected", d, err)
	}
	if got := rec.keys(); len(got) != 3 || got[0] != "user:42" {
		t.Errorf("keys = %q, want user:42", got)
	}
	// A user budget is not an IP budget, even for a colliding string.
	mustAllow(t, lim, "ip:42", l, true)
	// Another user is independent.
	if d, err := ratelimit.CheckUser(ctx, rec, "43", l); err != nil || !d.Allowed {
		t.Errorf("user 43 = %+v, %v; want allowed", d, err)
	}
	if _, err := ratelimit.CheckUser(ctx, rec, "", l); err == nil {
		t.Error("empty user id: want an error")
	}
}

// mustAllow asserts the allowed-ness of one request.
func mustAllow(t *testing.T, lim ratelimit.Limiter, key string, l ratelimit.Limit, want bool) ratelimit.Decision {
	t.Helper()
	d, err := lim.Allow(context.Background(), key, l)
	if err != nil {
		t.Fatalf("Allow(%q): %v", key, err)
	}
	if d.Allowed != want {
		t.Fatalf("Allow(%q).Allowed = %v, want %v (%+v)", key, d.Allowed, want, d)
	}
	return d
}

// recordingLimiter records the keys it is asked about.
type recordingLimiter struct {
	next ratelimit.Limiter
	mu   sync.Mutex
	seen []string
}

func (r *recordingLimiter) Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Decision, error) {
	r.mu.Lock()
	r.seen = append(r.seen, key)
	r.mu.Unlock()
	return r.next.Allow(ctx, key, l)
}

func (r *recordingLimiter) keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}
