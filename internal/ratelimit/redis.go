package ratelimit

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultPrefix namespaces the Redis keys of a limiter created with an
// empty prefix, and of FromURL.
const DefaultPrefix = "worksynapse:ratelimit:"

// gcraScript is gcra.step executed atomically in Redis, in microseconds.
//
//	KEYS[1]  the key
//	ARGV[1]  emission interval T (µs, integer >= 1)
//	ARGV[2]  burst capacity N·T (µs)
//
// It returns {allowed (0|1), remaining, retry_after_us, reset_after_us}.
//
// Time comes from the server (TIME), never from the caller, so replicas
// with skewed clocks still share one consistent schedule. Redis 7 replicates
// scripts by effects, so the non-deterministic TIME is allowed before a
// write. Numbers stay below 2^53 (now is ~1.8e15 µs, MaxWindow ~3.2e13 µs),
// so Lua's doubles hold them exactly; the TAT is written with %.0f so it is
// stored as an exact integer whatever the server's own number formatting
// (Lua's tostring keeps only 14 significant digits).
// The key expires when its budget is full again: an absent key and one
// whose TAT has passed behave identically, so expiry never changes a
// decision.
var gcraScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])

local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then
  tat = now
end
local new_tat = tat + interval
local ahead = new_tat - now
if ahead > burst then
  return {0, 0, ahead - burst, tat - now}
end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat))
redis.call('PEXPIRE', KEYS[1], math.ceil(ahead / 1000))
return {1, math.floor((burst - ahead) / interval), 0, ahead}
`)

// Redis is a GCRA Limiter whose state lives in Redis, so that all replicas
// using the same Redis (and prefix) share one budget per key. Each Allow is
// one round trip: EVALSHA of a cached script, falling back to EVAL (which
// also loads it) when the server's script cache is empty. Every call
// touches a single key, so it works with Redis Cluster as well.
type Redis struct {
	client redis.UniversalClient
	prefix string
}

// NewRedis returns a Limiter storing its keys in client under prefix (an
// empty prefix means DefaultPrefix). The caller keeps ownership of client.
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Redis{client: client, prefix: prefix}
}

// FromURL connects to the Redis at url (redis://[user:pass@]host:port/db or
// rediss:// for TLS, as accepted by redis.ParseURL), pings it and returns a
// limiter using DefaultPrefix together with a function that closes the
// connection pool. ctx bounds the ping.
func FromURL(ctx context.Context, url string) (*Redis, func() error, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		// A *url.Error quotes the whole URL, password included: keep only
		// its cause.
		if ue, ok := errors.AsType[*neturl.Error](err); ok {
			err = ue.Err
		}
		return nil, nil, fmt.Errorf("ratelimit: invalid redis url: %w", err)
	}
	client := redis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, nil, fmt.Errorf("ratelimit: ping redis at %s: %w", opts.Addr, err)
	}
	return NewRedis(client, DefaultPrefix), client.Close, nil
}

// Allow implements Limiter. It fails if Redis does not answer; Middleware
// then lets the request through.
func (r *Redis) Allow(ctx context.Context, key string, l Limit) (Decision, error) {
	if err := l.Validate(); err != nil {
		return Decision{Limit: l}, err
	}
	g := newGCRA(l, time.Microsecond)
	res, err := gcraScript.Run(ctx, r.client, []string{r.prefix + key}, g.interval, g.burst).Int64Slice()
	if err != nil {
		return Decision{Limit: l}, fmt.Errorf("ratelimit: redis: %w", err)
	}
	if len(res) != 4 {
		return Decision{Limit: l}, fmt.Errorf("ratelimit: redis: unexpected script result %v", res)
	}
	return Decision{
		Allowed:    res[0] == 1,
		Remaining:  int(res[1]),
		RetryAfter: time.Duration(res[2]) * time.Microsecond,
		ResetAfter: time.Duration(res[3]) * time.Microsecond,
		Limit:      l,
	}, nil
}
