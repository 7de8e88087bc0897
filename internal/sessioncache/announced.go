package sessioncache

import (
	"sync"
	"sync/atomic"
	"time"
)

// announced holds this process's announcements until every replica of the
// process has heard them. A replica that has not yet heard one of them
// serves nothing from its cache (Cache.Get): the process that made a
// change reads its own write at once, even where no request waits for the
// acknowledgements (background jobs, the CLI, test fixtures, a change
// whose request failed). An announcement whose transaction rolled back is
// never heard; it is dropped after barrierTimeout.
var announced = registry{pending: map[string]*announcement{}, replicas: map[*Replica]time.Time{}}

type registry struct {
	// size mirrors len(pending), so that the common case (nothing
	// pending) costs every cache hit one atomic load, not the lock.
	size     atomic.Int64
	mu       sync.Mutex
	pending  map[string]*announcement
	replicas map[*Replica]time.Time // the running replicas of this process, by when they began to listen
}

type announcement struct {
	at time.Time
	// database is the database it was sent in (empty until the hook's
	// statement returns): only the replicas of that database hear it (a
	// test process runs replicas of many).
	database string
	heard    map[*Replica]bool
}

// concerns reports whether a is r's to hear.
func (a *announcement) concerns(r *Replica, joined time.Time) bool {
	return !a.heard[r] && a.at.After(joined) && (a.database == "" || a.database == r.database)
}

func (g *registry) join(r *Replica) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.replicas[r] = time.Now()
}

func (g *registry) leave(r *Replica) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.replicas, r)
}

// sent records an announcement about to be sent, when this process runs
// a replica that could hear it (not the CLI, not a seed before the
// server starts: every Get would scan those until they expire).
func (g *registry) sent(nonce string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.replicas) == 0 {
		return
	}
	g.pending[nonce] = &announcement{at: time.Now(), heard: map[*Replica]bool{}}
	g.size.Store(int64(len(g.pending)))
}

// sentIn records the database announcement nonce was sent in.
func (g *registry) sentIn(nonce, database string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if a, ok := g.pending[nonce]; ok {
		a.database = database
	}
}

// forget drops an announcement known to have rolled back.
func (g *registry) forget(nonce string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.pending, nonce)
	g.size.Store(int64(len(g.pending)))
}

// heard records that r heard nonce, and drops it once every replica has.
func (g *registry) heard(r *Replica, nonce string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	a, ok := g.pending[nonce]
	if !ok {
		return
	}
	a.heard[r] = true
	for other, joined := range g.replicas {
		if a.concerns(other, joined) {
			return
		}
	}
	delete(g.pending, nonce)
	g.size.Store(int64(len(g.pending)))
}

// unheard reports whether r has yet to hear an announcement of this
// process's. Announcements sent before r began to listen do not count:
// those that commit later reach r like any other, and those that
// committed before were never r's to hear.
func (g *registry) unheard(r *Replica) bool {
	if g.size.Load() == 0 {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	joined := g.replicas[r]
	for nonce, a := range g.pending {
		if now.Sub(a.at) >= barrierTimeout {
			delete(g.pending, nonce)
			g.size.Store(int64(len(g.pending)))
			continue
		}
		if a.concerns(r, joined) {
			return true
		}
	}
	return false
}
