package sessioncache

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"
)

// The timing of the protocol (see the package comment). barrierTimeout
// must exceed liveWindow: a writer that stops waiting for a replica relies
// on that replica having stopped serving from its cache.
const (
	beatInterval   = time.Second
	liveWindow     = 3 * time.Second
	barrierTimeout = liveWindow + time.Second
	// peerWindow: a replica heard from within it (before a change) is
	// waited for. A replica that serves from its cache has beaten within
	// liveWindow, and every listener heard that beat, so this covers it.
	peerWindow = liveWindow + beatInterval
	// sendTimeout bounds one beat or acknowledgement.
	sendTimeout = 2 * time.Second
)

// Listener is the replica's shared LISTEN connection
// (database.Notifications).
type Listener interface {
	Listen(channel string, fn func(payload string, reconnected bool)) (unlisten func(), err error)
}

// Options configure a Replica.
type Options struct {
	// DB sends beats and acknowledgements (the main pool; a
	// transaction-mode pooler is fine).
	DB *sql.DB
	// Listener hears Channel: a connection to PostgreSQL itself, not
	// through a transaction-mode pooler (database.direct_url).
	Listener Listener
	// TTL is the longest a snapshot is served (auth.session_cache_ttl).
	TTL time.Duration
	Log *slog.Logger
}

// Replica is this process's side of the protocol: its cache, its LISTEN
// connection, its beats, and the writers' waits for acknowledgements.
// A nil *Replica has no cache and makes writers wait for nothing.
type Replica struct {
	cache    *Cache
	id       string
	database string // current_database()
	db       *sql.DB
	log      *slog.Logger
	unlisten func()
	acks     chan string
	stop     chan struct{}
	done     sync.WaitGroup
	closed   sync.Once

	mu    sync.Mutex
	seq   uint64
	sent  map[uint64]time.Time // beat → when it was sent
	peers map[string]time.Time // replica → when its last beat was heard
	waits map[string]*wait     // own announcements → their acknowledgements
}

// wait follows one announcement of this replica's until every peer has
// acknowledged it.
type wait struct {
	since  time.Time // before the change committed
	xid    int64     // the transaction that sent it
	echoed bool      // this replica heard it (so it committed)
	echo   chan struct{}
	need   map[string]bool
	done   chan struct{}
}

// echoGrace is how long a writer waits to hear its own announcement
// before it asks PostgreSQL whether the transaction rolled back (a
// request may retry a transaction, or fail after one, and still answer
// 2xx).
const echoGrace = 50 * time.Millisecond

// Start opens the LISTEN connection and begins beating. The cache serves
// nothing until the first beat comes back.
func Start(o Options) (*Replica, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	r := &Replica{
		cache: newCache(o.TTL, time.Now), id: newNonce(), db: o.DB, log: o.Log,
		acks: make(chan string, 1024), stop: make(chan struct{}),
		sent: map[uint64]time.Time{}, peers: map[string]time.Time{}, waits: map[string]*wait{},
	}
	r.cache.unsettled = func() bool { return announced.unheard(r) }
	var err error
	ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
	defer cancel()
	if err = o.DB.QueryRowContext(ctx, "SELECT current_database()").Scan(&r.database); err != nil {
		return nil, fmt.Errorf("sessioncache: name the database: %w", err)
	}
	if r.unlisten, err = o.Listener.Listen(Channel, r.notified); err != nil {
		return nil, fmt.Errorf("sessioncache: listen: %w", err)
	}
	announced.join(r)
	r.done.Add(2)
	go r.beat()
	go r.sendAcks()
	return r, nil
}

// Cache is the replica's snapshot cache (nil for a nil Replica).
func (r *Replica) Cache() *Cache {
	if r == nil {
		return nil
	}
	return r.cache
}

// Close stops the replica: its cache serves nothing from now on, and the
// other replicas are told not to wait for it.
func (r *Replica) Close() error {
	if r == nil {
		return nil
	}
	r.closed.Do(func() {
		announced.leave(r)
		r.cache.stop()
		r.unlisten()
		close(r.stop)
		r.done.Wait()
		if err := r.notify(leave(r.id)); err != nil {
			r.log.Warn("session cache: announce shutdown", "error", err)
		}
	})
	return nil
}

// notified applies every notification in the order PostgreSQL delivers
// them (commit order). After a reconnect, what was sent meanwhile is
// lost: everything is evicted.
func (r *Replica) notified(payload string, reconnected bool) {
	if reconnected {
		r.cache.evict(target{kind: kindAll})
		return
	}
	r.handle(payload)
}

func (r *Replica) handle(payload string) {
	m, ok := parse(payload)
	if !ok {
		r.log.Warn("session cache: unreadable notification; evicting everything")
		r.cache.evict(target{kind: kindAll})
		return
	}
	switch m.op {
	case 'b':
		r.heardBeat(m)
	case 'i':
		r.cache.evict(m.target)
		announced.heard(r, m.nonce)
		if !r.echoed(m.nonce) {
			select {
			case r.acks <- ack(m.nonce, r.id):
			default: // the writer times out, which is safe
			}
		}
	case 'a':
		r.acked(m.nonce, m.replica)
	case 'l':
		r.left(m.replica)
	}
}

func (r *Replica) heardBeat(m message) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.replica != r.id {
		r.peers[m.replica] = now
		return
	}
	sent, ok := r.sent[m.seq]
	for seq := range r.sent {
		if seq <= m.seq {
			delete(r.sent, seq)
		}
	}
	if ok {
		r.cache.heardBeat(sent)
	}
}

// echoed marks an announcement of this replica's as heard (committed) and
// fixes the peers to wait for; it reports whether nonce was this
// replica's.
func (r *Replica) echoed(nonce string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	w, ok := r.waits[nonce]
	if !ok {
		return false
	}
	if !w.echoed {
		w.echoed = true
		close(w.echo)
	}
	for peer, heard := range r.peers {
		if heard.After(w.since.Add(-peerWindow)) {
			if _, acked := w.need[peer]; !acked {
				w.need[peer] = true // true: still to hear from
			}
		}
	}
	r.finishLocked(w)
	return true
}

func (r *Replica) acked(nonce, peer string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.waits[nonce]; ok {
		w.need[peer] = false
		r.finishLocked(w)
	}
}

// left forgets a replica that shut down (its cache is off): no writer
// waits for it any longer.
func (r *Replica) left(peer string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.peers, peer)
	for _, w := range r.waits {
		if _, ok := w.need[peer]; ok {
			w.need[peer] = false
			r.finishLocked(w)
		}
	}
}

func (r *Replica) finishLocked(w *wait) {
	if !w.echoed {
		return
	}
	for _, missing := range w.need {
		if missing {
			return
		}
	}
	select {
	case <-w.done:
	default:
		close(w.done)
	}
}

// beat notifies this replica (and tells the others it exists) every
// beatInterval.
func (r *Replica) beat() {
	defer r.done.Done()
	t := time.NewTicker(beatInterval)
	defer t.Stop()
	for {
		r.sendBeat()
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
	}
}

func (r *Replica) sendBeat() {
	now := time.Now()
	r.mu.Lock()
	r.seq++
	seq := r.seq
	r.sent[seq] = now
	for peer, heard := range r.peers {
		if now.Sub(heard) > time.Minute {
			delete(r.peers, peer)
		}
	}
	r.mu.Unlock()
	if err := r.notify(beat(r.id, seq)); err != nil {
		r.log.Warn("session cache: beat", "error", err)
	}
}

func (r *Replica) sendAcks() {
	defer r.done.Done()
	for {
		select {
		case <-r.stop:
			return
		case payload := <-r.acks:
			if err := r.notify(payload); err != nil {
				r.log.Warn("session cache: acknowledge", "error", err)
			}
		}
	}
}

func (r *Replica) notify(payload string) error {
	ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
	defer cancel()
	_, err := r.db.ExecContext(ctx, "SELECT pg_notify($1, $2)", Channel, payload)
	return err
}

// expect registers an announcement about to be sent by this replica.
func (r *Replica) expect(nonce string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits[nonce] = &wait{since: time.Now(), need: map[string]bool{}, echo: make(chan struct{}), done: make(chan struct{})}
}

func (r *Replica) transaction(nonce string, xid int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.waits[nonce]; ok {
		w.xid = xid
	}
}

// await waits until every announcement in nonces is acknowledged by every
// peer, or barrierTimeout has passed, or ctx ends; it reports whether all
// were acknowledged. An announcement whose transaction rolled back is not
// waited for.
func (r *Replica) await(ctx context.Context, nonces []string) bool {
	timer := time.NewTimer(barrierTimeout)
	defer timer.Stop()
	for _, nonce := range nonces {
		r.mu.Lock()
		w, ok := r.waits[nonce]
		r.mu.Unlock()
		if !ok || r.rolledBack(ctx, nonce, w) {
			continue
		}
		select {
		case <-w.done:
		case <-timer.C:
			r.log.Warn("session cache: replicas did not acknowledge a change in time; they stop serving from their caches",
				"waited", barrierTimeout, "missing", r.missing(nonce))
			return false
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// rolledBack reports whether announcement nonce will never be heard
// because its transaction rolled back: asked only when it is not heard
// within echoGrace. Anything but a clear "aborted" counts as committed.
func (r *Replica) rolledBack(ctx context.Context, nonce string, w *wait) bool {
	select {
	case <-w.echo:
		return false
	case <-time.After(echoGrace):
	}
	r.mu.Lock()
	xid := w.xid
	r.mu.Unlock()
	var status sql.NullString
	if err := r.db.QueryRowContext(ctx, "SELECT txid_status($1)", xid).Scan(&status); err != nil || status.String != "aborted" {
		return false
	}
	announced.forget(nonce)
	return true
}

func (r *Replica) missing(nonce string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	if w, ok := r.waits[nonce]; ok {
		for m := range maps.Values(w.need) {
			if m {
				n++
			}
		}
	}
	return n
}

func (r *Replica) forget(nonces []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range nonces {
		delete(r.waits, n)
	}
}
