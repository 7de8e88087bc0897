package e2e

import (
	"context"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

// requireRedis returns the URL of the machine's Redis after clearing the
// rate-limit keys earlier runs left; it fails in CI and skips elsewhere
// when Redis is down.
func requireRedis(t *testing.T) string {
	t.Helper()
	url := "redis://127.0.0.1:6379/2" // a database of its own: packages run in parallel
	opts, _ := redis.ParseURL(url)
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
