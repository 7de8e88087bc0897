package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

const (
	memoryShards = 32
	// sweepEvery bounds how long an idle key may outlive its budget.
	sweepEvery = time.Minute
	// minSweepSize keeps tiny shards from sweeping on every insert.
	minSweepSize = 64
)

// Memory is an in-process GCRA Limiter. It is correct for a single replica
// only: replicas each enforcing their own Memory allow N× the budget. The
// zero value is not usable; call NewMemory.
//
// Keys are spread over shards, each with its own mutex and map from key to
// TAT. Idle keys are evicted lazily, without a goroutine: a shard drops all
// keys whose budget is full again (TAT <= now, which is exactly the state
// of an absent key, so eviction never changes a decision) when a minute has
// passed since its last sweep or when it has doubled in size since then.
// Memory therefore stays proportional to the keys active within the last
// window, and sweeping is amortised O(1) per call.
type Memory struct {
	clock  func() time.Time
	base   time.Time // TATs are nanoseconds since base
	seed   maphash.Seed
	shards [memoryShards]memoryShard
}

type memoryShard struct {
	mu        sync.Mutex
	tats      map[string]int64
	lastSweep int64 // ns since base
	sweepSize int   // sweep when len(tats) reaches this
}

// NewMemory returns an in-memory Limiter reading time from clock (nil means
// time.Now). Injecting a clock makes tests deterministic. With time.Now the
// limiter measures elapsed time on the monotonic clock, so wall-clock jumps
// do not refill or drain budgets.
func NewMemory(clock func() time.Time) *Memory {
	if clock == nil {
		clock = time.Now
	}
	m := &Memory{clock: clock, base: clock(), seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].tats = make(map[string]int64)
		m.shards[i].sweepSize = minSweepSize
	}
	return m
}

// Allow implements Limiter. It never fails for a valid Limit; ctx is not
// consulted.
func (m *Memory) Allow(_ context.Context, key string, l Limit) (Decision, error) {
	if err := l.Validate(); err != nil {
		return Decision{Limit: l}, err
	}
	g := newGCRA(l, time.Nanosecond)
	now := int64(m.clock().Sub(m.base))
	s := &m.shards[maphash.String(m.seed, key)%memoryShards]

	s.mu.Lock()
	tat, ok := s.tats[key]
	if !ok {
		tat = now // absent: full budget
	}
	tat, allowed, remaining, retry, reset := g.step(tat, now)
	if allowed {
		s.tats[key] = tat
		s.maybeSweep(now)
	}
	s.mu.Unlock()

	return Decision{
		Allowed:    allowed,
		Remaining:  int(remaining),
		RetryAfter: time.Duration(retry),
		ResetAfter: time.Duration(reset),
		Limit:      l,
	}, nil
}

// maybeSweep must be called with s.mu held.
func (s *memoryShard) maybeSweep(now int64) {
	if len(s.tats) < s.sweepSize && now-s.lastSweep < int64(sweepEvery) {
		return
	}
	before := len(s.tats)
	for k, tat := range s.tats {
		if tat <= now {
			delete(s.tats, k)
		}
	}
	if n := len(s.tats); before >= 4*minSweepSize && n < before/4 {
		// Go maps never give memory back; after a spike (say a scan from
		// many addresses) copy the survivors into a right-sized map.
		fresh := make(map[string]int64, n)
		for k, tat := range s.tats {
			fresh[k] = tat
		}
		s.tats = fresh
	}
	s.lastSweep = now
	s.sweepSize = max(2*len(s.tats), minSweepSize)
}

// Len returns the number of keys currently held, including idle ones not
// yet swept. It is meant for tests and metrics.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.tats)
		s.mu.Unlock()
	}
	return n
}
