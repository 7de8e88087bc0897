package ratelimit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/internal/ratelimit"
)

func TestMemoryRefillsOverTime(t *testing.T) {
	limits := []ratelimit.Limit{
		{Requests: 1, Window: time.Second},
		{Requests: 5, Window: time.Minute},
		{Requests: 7, Window: time.Hour},
		{Requests: 1000, Window: time.Second},
	}
	for _, l := range limits {
		t.Run(l.String(), func(t *testing.T) {
			clock := newFakeClock()
			m := ratelimit.NewMemory(clock.Now)
			interval := l.Window / time.Duration(l.Requests)
			exhaust := func() {
				t.Helper()
				for range l.Requests {
					mustAllow(t, m, "k", l, true)
				}
				mustAllow(t, m, "k", l, false)
			}
			exhaust()

			// One nanosecond before the next slot: still rejected, and the
			// limiter says exactly how long is left.
			clock.Advance(interval - time.Nanosecond)
			if d := mustAllow(t, m, "k", l, false); d.RetryAfter != time.Nanosecond {
				t.Errorf("RetryAfter = %v, want 1ns", d.RetryAfter)
			}
			// The slot frees: exactly one request, then rejected again
			// with a full interval to wait.
			clock.Advance(time.Nanosecond)
			if d := mustAllow(t, m, "k", l, true); d.Remaining != 0 {
				t.Errorf("Remaining = %d after one refill, want 0", d.Remaining)
			}
			if d := mustAllow(t, m, "k", l, false); d.RetryAfter != interval {
				t.Errorf("RetryAfter = %v, want %v", d.RetryAfter, interval)
			}

			// Partial refill: 2.5 intervals give 2 requests (when N >= 2).
			if l.Requests >= 2 {
				clock.Advance(interval*5/2 + 1)
				mustAllow(t, m, "k", l, true)
				mustAllow(t, m, "k", l, true)
				if d := mustAllow(t, m, "k", l, false); d.RetryAfter <= 0 || d.RetryAfter > interval {
					t.Errorf("RetryAfter = %v, want in (0, %v]", d.RetryAfter, interval)
				}
			}

			// A full window idle restores the full budget, no more.
			clock.Advance(l.Window)
			if d := mustAllow(t, m, "k", l, true); d.Remaining != l.Requests-1 {
				t.Errorf("Remaining after idle window = %d, want %d", d.Remaining, l.Requests-1)
			}
			for range l.Requests - 1 {
				mustAllow(t, m, "k", l, true)
			}
			mustAllow(t, m, "k", l, false)
		})
	}
}

// Over a long run a client retrying as soon as allowed gets the burst plus
// one request per interval: the sustained rate is N per Window.
func TestMemorySustainedRate(t *testing.T) {
	clock := newFakeClock()
	m := ratelimit.NewMemory(clock.Now)
	l := ratelimit.Limit{Requests: 10, Window: time.Minute}
	allowed := 0
	for range 100_000 {
		d := mustAllowAny(t, m, "k", l)
		if d.Allowed {
			allowed++
		}
		clock.Advance(100 * time.Millisecond)
	}
	// 10 000 s elapsed at 10/min = 1666.6 refills, plus the burst of 10.
	if want := 10 + 1666; allowed != want && allowed != want+1 {
		t.Errorf("allowed %d over 10 000 s, want %d", allowed, want)
	}
}

func TestMemoryClockGoingBackwards(t *testing.T) {
	clock := newFakeClock()
	m := ratelimit.NewMemory(clock.Now)
	l := ratelimit.Limit{Requests: 2, Window: time.Minute}
	mustAllow(t, m, "k", l, true)
	mustAllow(t, m, "k", l, true)
	clock.Advance(-time.Hour)
	// Going back in time must not refill a budget.
	if d := mustAllow(t, m, "k", l, false); d.RetryAfter <= 0 {
		t.Errorf("RetryAfter = %v, want > 0", d.RetryAfter)
	}
	// A key first seen "before" construction still gets its full budget.
	mustAllow(t, m, "new", l, true)
	mustAllow(t, m, "new", l, true)
	mustAllow(t, m, "new", l, false)
}

func TestMemoryNilClockUsesTimeNow(t *testing.T) {
	m := ratelimit.NewMemory(nil)
	l := ratelimit.Limit{Requests: 2, Window: time.Hour}
	mustAllow(t, m, "k", l, true)
	mustAllow(t, m, "k", l, true)
	mustAllow(t, m, "k", l, false)
}

func TestMemoryEvictsIdleKeys(t *testing.T) {
	t.Run("after a minute", func(t *testing.T) {
		clock := newFakeClock()
		m := ratelimit.NewMemory(clock.Now)
		l := ratelimit.Limit{Requests: 5, Window: time.Second}
		for i := range 1000 {
			mustAllow(t, m, fmt.Sprint("old-", i), l, true)
		}
		if n := m.Len(); n != 1000 {
			t.Fatalf("Len = %d, want 1000", n)
		}
		// Long after their window, the next traffic sweeps the old keys.
		clock.Advance(2 * time.Minute)
		for i := range 1000 {
			mustAllow(t, m, fmt.Sprint("new-", i), l, true)
		}
		if n := m.Len(); n != 1000 {
			t.Errorf("Len = %d after sweep, want 1000 (only the new keys)", n)
		}
	})

	t.Run("bounded under churn", func(t *testing.T) {
		// 200 000 distinct keys, each idle a millisecond later: the map
		// must stay small without waiting for the one-minute sweep.
		clock := newFakeClock()
		m := ratelimit.NewMemory(clock.Now)
		l := ratelimit.Limit{Requests: 1, Window: time.Millisecond}
		peak := 0
		for i := range 200_000 {
			mustAllow(t, m, fmt.Sprint("k", i), l, true)
			clock.Advance(time.Millisecond)
			if i%1000 == 0 {
				peak = max(peak, m.Len())
			}
		}
		// 32 shards sweep at 64 keys each when (almost) all are idle.
		if peak > 32*64 {
			t.Errorf("peak Len = %d, want <= %d", peak, 32*64)
		}
	})

	t.Run("eviction keeps live state", func(t *testing.T) {
		clock := newFakeClock()
		m := ratelimit.NewMemory(clock.Now)
		l := ratelimit.Limit{Requests: 2, Window: time.Hour}
		mustAllow(t, m, "busy", l, true)
		mustAllow(t, m, "busy", l, true)
		clock.Advance(2 * time.Minute) // triggers sweeps; "busy" is still live
		for i := range 5000 {
			mustAllow(t, m, fmt.Sprint("other-", i), l, true)
		}
		mustAllow(t, m, "busy", l, false)
	})
}

func mustAllowAny(t *testing.T, lim ratelimit.Limiter, key string, l ratelimit.Limit) ratelimit.Decision {
	t.Helper()
	d, err := lim.Allow(context.Background(), key, l)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
