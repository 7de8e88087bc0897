// Package ratelimit limits request rates for the API: per client IP, with a
// stricter budget on authentication endpoints, and per authenticated user.
//
// # Algorithm
//
// Both limiters implement GCRA, the generic cell rate algorithm, a
// continuous-refill ("leaky bucket as a meter") scheme. For a Limit of N
// requests per Window, one request "costs" an emission interval
// T = Window/N and a key may run at most N requests ahead of schedule. The
// only state per key is one number, the theoretical arrival time (TAT) of
// the next request, so memory is O(1) per key and the answer is exact: a
// fresh key gets exactly N requests at once, then one more every T. Unlike a
// fixed window there is no boundary at which 2N requests slip through, and
// unlike a sliding log nothing grows with the request rate.
//
// T is computed in whole clock units (nanoseconds in memory, microseconds in
// Redis) and the burst capacity is N·T rather than Window, so integer
// rounding can never let N+1 requests through nor reject the N-th; the
// sustained rate differs from N/Window by less than one unit per request.
//
// # Backends
//
//   - Memory (NewMemory) keeps state in the process: the default, correct
//     for a single replica. Idle keys are evicted lazily.
//   - Redis (NewRedis, FromURL) runs the same algorithm atomically in one Lua
//     script, so every replica pointed at the same Redis shares one budget
//     per key. The script reads the Redis server's clock (TIME), so replica
//     clock skew does not matter, and sets a PEXPIRE on each key so idle keys
//     disappear by themselves.
//
// # HTTP
//
// Middleware limits by client IP and answers 429 with Retry-After and the
// RateLimit-* headers of the IETF draft "RateLimit header fields for HTTP".
// When the limiter fails (Redis unreachable, timeout) the request is let
// through and the failure is logged at Warn: rate limiting protects
// availability, so it must not become a single point of failure that turns
// a Redis outage into an API outage. CheckUser applies a per-user budget
// after authentication.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MaxWindow is the longest accepted Limit.Window. It keeps all arithmetic
// far from overflow, in nanoseconds and in Redis's double-precision Lua
// numbers alike.
const MaxWindow = 366 * 24 * time.Hour

// ErrInvalidLimit is returned (wrapped) by Allow for a Limit that cannot be
// enforced: Requests < 1, Window <= 0 or Window > MaxWindow.
var ErrInvalidLimit = errors.New("ratelimit: invalid limit")

// Limit allows Requests requests per Window, e.g. {10, time.Minute}. The
// zero Limit is invalid for Allow; Middleware treats it as "no limit".
type Limit struct {
	Requests int
	Window   time.Duration
}

// Validate reports whether l can be enforced, wrapping ErrInvalidLimit if
// not. Call it when loading configuration to fail at start-up rather than
// on the first request.
func (l Limit) Validate() error {
	if l.Requests < 1 || l.Window <= 0 || l.Window > MaxWindow {
		return fmt.Errorf("%w: %d per %s", ErrInvalidLimit, l.Requests, l.Window)
	}
	return nil
}

// IsZero reports whether l is the zero Limit (no limit configured).
func (l Limit) IsZero() bool { return l == Limit{} }

// String formats l as "10/1m0s".
func (l Limit) String() string { return fmt.Sprintf("%d/%s", l.Requests, l.Window) }

// Decision is the outcome of one Allow call.
type Decision struct {
	// Allowed reports whether the request may proceed. A rejected request
	// consumes nothing.
	Allowed bool
	// Remaining is how many more requests the key may make right now.
	Remaining int
	// RetryAfter is, for a rejected request, how long until the next
	// request will be allowed. It is zero when Allowed.
	RetryAfter time.Duration
	// ResetAfter is how long until the key's full budget (Limit.Requests)
	// is available again. It backs the RateLimit-Reset header.
	ResetAfter time.Duration
	// Limit is the limit the decision was made against.
	Limit Limit
}

// Limiter decides whether the request identified by key may proceed under
// limit l, and records it if so. Implementations are safe for concurrent
// use. Callers must use one Limit per key: the same key checked against
// different limits shares (and confuses) one state.
type Limiter interface {
	Allow(ctx context.Context, key string, l Limit) (Decision, error)
}

// UserKeyPrefix prefixes the keys CheckUser passes to the Limiter, so user
// budgets never collide with the IP budgets of Middleware.
const UserKeyPrefix = "user:"

// CheckUser applies lim to the authenticated user userID, under the key
// "user:"+userID. Call it once per request after authentication; on a
// rejection answer 429 (SetHeaders sets Retry-After and the RateLimit-*
// headers). On an error the caller should, like Middleware, fail open.
func CheckUser(ctx context.Context, l Limiter, userID string, lim Limit) (Decision, error) {
	if userID == "" {
		return Decision{Limit: lim}, errors.New("ratelimit: empty user id")
	}
	return l.Allow(ctx, UserKeyPrefix+userID, lim)
}

// gcra holds a Limit converted into integer clock units.
type gcra struct {
	interval int64 // emission interval T = Window/N, at least 1 unit
	burst    int64 // capacity N·T: how far TAT may run ahead of now
}

func newGCRA(l Limit, unit time.Duration) gcra {
	t := int64(l.Window/unit) / int64(l.Requests)
	if t < 1 {
		t = 1
	}
	return gcra{interval: t, burst: t * int64(l.Requests)}
}

// step applies one request arriving at now to a key whose stored TAT is
// tat (tat <= now, or absent, means an idle key with its full budget). It
// returns the TAT to store (only meaningful when allowed) and the decision
// in clock units. The Lua script in redis.go is a line-by-line copy.
func (g gcra) step(tat, now int64) (newTAT int64, allowed bool, remaining, retryAfter, resetAfter int64) {
	if tat < now {
		tat = now
	}
	newTAT = tat + g.interval
	ahead := newTAT - now
	if ahead > g.burst {
		return tat, false, 0, ahead - g.burst, tat - now
	}
	return newTAT, true, (g.burst - ahead) / g.interval, 0, ahead
}
