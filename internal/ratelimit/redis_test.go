package ratelimit_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/worksynapse/worksynapse/internal/ratelimit"
)

func TestRedisRefillsOverTime(t *testing.T) {
	t.Parallel()
	lim := ratelimit.NewRedis(newRedisClient(t), testPrefix(t))
	l := ratelimit.Limit{Requests: 4, Window: 2 * time.Second} // one slot per 500ms
	interval := l.Window / 4

	for range 4 {
		mustAllow(t, lim, "k", l, true)
	}
	d := mustAllow(t, lim, "k", l, false)
	if d.RetryAfter <= 0 || d.RetryAfter > interval {
		t.Fatalf("RetryAfter = %v, want in (0, %v]", d.RetryAfter, interval)
	}

	// Waiting as told frees exactly one slot.
	time.Sleep(d.RetryAfter + 50*time.Millisecond)
	if d := mustAllow(t, lim, "k", l, true); d.Remaining != 0 {
		t.Errorf("Remaining after one refill = %d, want 0", d.Remaining)
	}
	d = mustAllow(t, lim, "k", l, false)

	// Waiting for ResetAfter restores the whole budget.
	time.Sleep(d.ResetAfter + 50*time.Millisecond)
	if d := mustAllow(t, lim, "k", l, true); d.Remaining != 3 {
		t.Errorf("Remaining after full refill = %d, want 3", d.Remaining)
	}
}

// Two limiters with their own connection pools stand for two API replicas:
// together they must hand out one budget, not one each.
func TestRedisReplicasShareOneBudget(t *testing.T) {
	t.Parallel()
	prefix := testPrefix(t)
	replicas := []*ratelimit.Redis{
		ratelimit.NewRedis(newRedisClient(t), prefix),
		ratelimit.NewRedis(newRedisClient(t), prefix),
	}
	l := ratelimit.Limit{Requests: 25, Window: time.Hour}

	var (
		mu        sync.Mutex
		allowed   int
		perReplic = make([]int, len(replicas))
		wg        sync.WaitGroup
	)
	start := make(chan struct{})
	for g := range 50 {
		wg.Go(func() {
			<-start
			r := g % len(replicas)
			for range 3 {
				d, err := replicas[r].Allow(context.Background(), "shared", l)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed {
					mu.Lock()
					allowed++
					perReplic[r]++
					mu.Unlock()
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if allowed != l.Requests {
		t.Fatalf("allowed %d across replicas (per replica %v), want exactly %d", allowed, perReplic, l.Requests)
	}

	// Sequentially too: what one replica spends, the other cannot.
	mustAllow(t, replicas[0], "seq", ratelimit.Limit{Requests: 1, Window: time.Hour}, true)
	mustAllow(t, replicas[1], "seq", ratelimit.Limit{Requests: 1, Window: time.Hour}, false)
}

func TestRedisKeysExpire(t *testing.T) {
	t.Parallel()
	client := newRedisClient(t)
	prefix := testPrefix(t)
	lim := ratelimit.NewRedis(client, prefix)
	ctx := context.Background()
	l := ratelimit.Limit{Requests: 3, Window: time.Minute} // T = 20s

	for i := range 3 {
		mustAllow(t, lim, "k", l, true)
		// The key lives exactly as long as its budget is not full: (i+1)·T.
		ttl, err := client.PTTL(ctx, prefix+"k").Result()
		if err != nil {
			t.Fatal(err)
		}
		// The TAT is stored as an integer count of server microseconds.
		raw, err := client.Get(ctx, prefix+"k").Result()
		if err != nil {
			t.Fatal(err)
		}
		if tat, err := strconv.ParseInt(raw, 10, 64); err != nil || tat < 1_600_000_000_000_000 {
			t.Errorf("stored TAT = %q, want integer microseconds since the epoch", raw)
		}
		want := time.Duration(i+1) * 20 * time.Second
		if ttl <= want-5*time.Second || ttl > want {
			t.Errorf("after %d requests PTTL = %v, want about %v", i+1, ttl, want)
		}
	}

	// A short limit's key disappears by itself.
	short := ratelimit.Limit{Requests: 1, Window: 100 * time.Millisecond}
	mustAllow(t, lim, "short", short, true)
	deadline := time.Now().Add(2 * time.Second)
	for {
		n, err := client.Exists(ctx, prefix+"short").Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("key still present 2s after a 100ms window")
		}
		time.Sleep(20 * time.Millisecond)
	}
	mustAllow(t, lim, "short", short, true)
}

// With an empty script cache (restart, SCRIPT FLUSH) EVALSHA fails with
// NOSCRIPT and the limiter must fall back to EVAL transparently.
func TestRedisScriptCacheFlushed(t *testing.T) {
	t.Parallel()
	client := newRedisClient(t)
	lim := ratelimit.NewRedis(client, testPrefix(t))
	l := ratelimit.Limit{Requests: 2, Window: time.Hour}
	ctx := context.Background()

	if err := client.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	mustAllow(t, lim, "k", l, true)
	if err := client.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	mustAllow(t, lim, "k", l, true)
	mustAllow(t, lim, "k", l, false)
}

func TestRedisEmptyPrefixUsesDefault(t *testing.T) {
	t.Parallel()
	client := newRedisClient(t)
	ctx := context.Background()
	key := fmt.Sprintf("test-default-prefix-%d", time.Now().UnixNano())
	t.Cleanup(func() { client.Del(context.Background(), ratelimit.DefaultPrefix+key) })

	mustAllow(t, ratelimit.NewRedis(client, ""), key, ratelimit.Limit{Requests: 1, Window: time.Minute}, true)
	if n, err := client.Exists(ctx, ratelimit.DefaultPrefix+key).Result(); err != nil || n != 1 {
		t.Errorf("EXISTS %s%s = %d, %v; want 1", ratelimit.DefaultPrefix, key, n, err)
	}
}

func TestRedisUnreachable(t *testing.T) {
	t.Parallel()
	lim := ratelimit.NewRedis(deadRedisClient(t), "x:")
	d, err := lim.Allow(context.Background(), "k", ratelimit.Limit{Requests: 1, Window: time.Minute})
	if err == nil {
		t.Fatalf("Allow against a dead Redis = %+v, want an error", d)
	}
	if d.Allowed {
		t.Error("a failed Allow must not report Allowed; failing open is the caller's decision")
	}
}

func TestFromURL(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	t.Run("ok", func(t *testing.T) {
		opts := redisOptions(t)
		url := fmt.Sprintf("redis://%s/%d", opts.Addr, opts.DB)
		if opts.Password != "" {
			url = fmt.Sprintf("redis://%s:%s@%s/%d", opts.Username, opts.Password, opts.Addr, opts.DB)
		}
		lim, closeFn, err := ratelimit.FromURL(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("test-fromurl-%d", time.Now().UnixNano())
		t.Cleanup(func() {
			c := redis.NewClient(opts)
			defer c.Close()
			c.Del(context.Background(), ratelimit.DefaultPrefix+key)
		})
		mustAllow(t, lim, key, ratelimit.Limit{Requests: 1, Window: time.Minute}, true)
		mustAllow(t, lim, key, ratelimit.Limit{Requests: 1, Window: time.Minute}, false)
		if err := closeFn(); err != nil {
			t.Errorf("close: %v", err)
		}
		if _, err := lim.Allow(ctx, key, ratelimit.Limit{Requests: 1, Window: time.Minute}); err == nil {
			t.Error("Allow after close: want an error")
		}
	})

	for _, tc := range []struct{ name, url string }{
		{"bad scheme", "http://127.0.0.1:6379"},
		{"bad db", "redis://127.0.0.1:6379/notanumber"},
		{"unreachable", "redis://127.0.0.1:1/0?dial_timeout=200ms&max_retries=-1"},
		{"unparseable with password", "redis://user:s3cret@[::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lim, closeFn, err := ratelimit.FromURL(ctx, tc.url)
			if err == nil {
				_ = closeFn()
				t.Fatalf("FromURL(%q) = %v, nil; want an error", tc.url, lim)
			}
			if lim != nil || closeFn != nil {
				t.Error("on error FromURL must return nil limiter and close func")
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

// deadRedisClient points at a port where nothing listens, without retries
// so failures are immediate.
func deadRedisClient(t *testing.T) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:        "127.0.0.1:1",
		DialTimeout: 200 * time.Millisecond,
		MaxRetries:  -1,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}
