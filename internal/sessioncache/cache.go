// Package sessioncache keeps each replica's verified session snapshots (the
// viewer Authenticate builds: user state, memberships, roles, permissions)
// so an authenticated request needs no query, without giving up "a
// revoked session, a deactivated user or a changed role takes effect on
// every replica at once".
//
// How "at once" is kept (PostgreSQL only; on SQLite there is no cache):
//
//   - Every change a snapshot depends on sends, in its own transaction, a
//     notification on Channel (Register's ent hooks), so it is delivered
//     if and only if the change commits, to every replica's LISTEN
//     connection, in commit order.
//   - Each replica evicts what a notification names and answers with an
//     acknowledgement. The HTTP request that made the change does not
//     answer until every live replica has acknowledged (Barrier), so by
//     the time a client learns that a session is revoked, no replica holds
//     it.
//   - A replica uses its cache only while its LISTEN connection is shown
//     to work: every beatInterval it notifies itself, and a snapshot is
//     served only while its last heard beat was sent less than liveWindow
//     ago. A replica that stops hearing (connection down, listener stuck)
//     falls back to the query within liveWindow, which is shorter than
//     the longest a writer waits for acknowledgements (barrierTimeout):
//     a writer that gives up on a replica knows that replica has stopped
//     serving from its cache.
//   - A short TTL (auth.session_cache_ttl) bounds any entry's life as a
//     backstop.
package sessioncache

import (
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/viewer"
)

// maxEntries bounds memory: past it the cache starts over (a snapshot is
// a few hundred bytes, so this is tens of megabytes at most).
const maxEntries = 100_000

// Entry is one session's snapshot.
type Entry struct {
	// Viewer is shared by every request of the session: read-only.
	Viewer *viewer.Viewer
	// ExpiresAt is the session's expiry, checked on every hit.
	ExpiresAt time.Time
	// LastSeenAt is when the session's last_seen_at was last written.
	LastSeenAt *time.Time
	cachedAt   time.Time
}

// Cache is one replica's snapshots. The zero of *Cache (nil) is a cache
// that holds nothing, which is what SQLite and a disabled cache use.
type Cache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[uuid.UUID]Entry
	// gen counts evictions: a snapshot read from the database is stored
	// only if no eviction happened since the read began (Put), so a read
	// that raced a change cannot store what the change made stale.
	gen uint64
	// heard is when the last beat this replica heard from itself was
	// sent; zero until the first.
	heard   time.Time
	stopped bool // the replica shut down: never live again
	// unsettled reports an announcement of this process's that the
	// replica has not heard yet (see announced); nil for none.
	unsettled func() bool
}

func newCache(ttl time.Duration, now func() time.Time) *Cache {
	return &Cache{ttl: ttl, now: now, entries: map[uuid.UUID]Entry{}}
}

// Get returns the snapshot of session sid, if the cache holds a fresh one
// and this replica's invalidation channel is live.
func (c *Cache) Get(sid uuid.UUID) (Entry, bool) {
	if c == nil || (c.unsettled != nil && c.unsettled()) {
		return Entry{}, false
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[sid]
	if !ok || !c.liveLocked(now) || now.Sub(e.cachedAt) >= c.ttl || !now.Before(e.ExpiresAt) {
		return Entry{}, false
	}
	return e, true
}

// Generation is read before the database is: pass it to Put.
func (c *Cache) Generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// Put stores e for sid unless something was evicted since gen was read,
// or the channel is not live.
func (c *Cache) Put(sid uuid.UUID, e Entry, gen uint64) {
	if c == nil {
		return
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || !c.liveLocked(now) {
		return
	}
	if len(c.entries) >= maxEntries {
		clear(c.entries)
	}
	e.cachedAt = now
	c.entries[sid] = e
}

// Seen records that sid's last_seen_at was written at t.
func (c *Cache) Seen(sid uuid.UUID, t time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[sid]; ok {
		e.LastSeenAt = &t
		c.entries[sid] = e
	}
}

// Len is the number of snapshots held (metrics, tests).
func (c *Cache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Live reports whether this replica serves from its cache now.
func (c *Cache) Live() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.liveLocked(c.now())
}

func (c *Cache) liveLocked(now time.Time) bool {
	return !c.heard.IsZero() && now.Sub(c.heard) < liveWindow
}

// stop turns the cache off for good.
func (c *Cache) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped, c.heard = true, time.Time{}
	clear(c.entries)
}

// evict applies one invalidation target (see target).
func (c *Cache) evict(t target) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	switch t.kind {
	case kindSession:
		delete(c.entries, t.id)
	case kindUser:
		for sid, e := range c.entries {
			if e.Viewer.UserID == t.id {
				delete(c.entries, sid)
			}
		}
	default:
		clear(c.entries)
	}
}

// heardBeat records a beat of this replica's, sent at sent.
func (c *Cache) heardBeat(sent time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped && sent.After(c.heard) {
		c.heard = sent
	}
}
