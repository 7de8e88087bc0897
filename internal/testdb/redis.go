package testdb

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

// RequireRedis returns the URL of Redis database db on the machine's Redis
// (127.0.0.1:6379) after clearing the rate-limit keys earlier runs left.
// Each test package passes its own db number because packages run in
// parallel. In CI (CI set) a missing Redis fails the test; elsewhere it skips.
func RequireRedis(t testing.TB, db int) string {
	t.Helper()
	url := fmt.Sprintf("redis://127.0.0.1:6379/%d", db)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	defer c.Close()
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Redis is required in CI: %v", err)
		}
		t.Skipf("Redis tests skipped: %v", err)
	}
	if keys, _ := c.Keys(ctx, "worksynapse:ratelimit:*").Result(); len(keys) > 0 {
		c.Del(ctx, keys...)
	}
	return url
}
