package ratelimit_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvRedisURL points the Redis tests at a server. When unset they use
// 127.0.0.1:6379 if it answers, and skip otherwise, except in CI (CI=true)
// where a missing Redis is a failure.
const EnvRedisURL = "REDIS_TEST_URL"

const localRedisURL = "redis://127.0.0.1:6379/0"

// probeRedis finds and pings the test Redis once per test binary, so that
// an absent server costs one probe rather than one per test.
var probeRedis = sync.OnceValues(func() (probeResult, error) {
	url, explicit := os.Getenv(EnvRedisURL), true
	if url == "" {
		url, explicit = localRedisURL, false
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return probeResult{explicit: explicit}, fmt.Errorf("parse %s: %w", EnvRedisURL, err)
	}
	probe := *opts
	probe.MaxRetries, probe.DialerRetries = -1, 1
	c := redis.NewClient(&probe)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return probeResult{opts: opts, explicit: explicit}, c.Ping(ctx).Err()
})

type probeResult struct {
	opts     *redis.Options
	explicit bool // from EnvRedisURL rather than the local default
}

// redisOptions returns options for the test Redis. It skips the test when
// no Redis was configured and the local one does not answer, but fails
// instead if REDIS_TEST_URL is set or CI=true.
func redisOptions(t *testing.T) *redis.Options {
	t.Helper()
	res, err := probeRedis()
	if err != nil {
		switch {
		case res.explicit:
			t.Fatalf("Redis from %s does not answer: %v", EnvRedisURL, err)
		case os.Getenv("CI") == "true":
			t.Fatalf("Redis tests cannot run in CI: %s is unset and %s does not answer: %v", EnvRedisURL, localRedisURL, err)
		default:
			t.Skipf("Redis tests skipped: %s is unset and %s does not answer (%v)", EnvRedisURL, localRedisURL, err)
		}
	}
	opts := *res.opts // a copy per caller: clients must not share one Options
	return &opts
}

// newRedisClient returns a client to the test Redis, closed at cleanup.
func newRedisClient(t *testing.T) *redis.Client {
	t.Helper()
	c := redis.NewClient(redisOptions(t))
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// testPrefix returns a key prefix unique to this test run and deletes every
// key under it when the test ends.
func testPrefix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := "worksynapse-test:ratelimit:" + hex.EncodeToString(b) + ":"
	opts := redisOptions(t)
	t.Cleanup(func() {
		c := redis.NewClient(opts)
		defer c.Close()
		ctx := context.Background()
		var keys []string
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("scan test keys: %v", err)
			return
		}
		if len(keys) > 0 {
			if err := c.Del(ctx, keys...).Err(); err != nil {
				t.Errorf("delete test keys: %v", err)
			}
		}
	})
	return prefix
}

// fakeClock is a manually advanced clock, safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records decodes the JSON log records written so far.
func (b *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(b.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("decode log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}
