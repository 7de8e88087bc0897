package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/streamevent"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Options configure a Hub (config section stream).
type Options struct {
	DB  *database.DB
	Log *slog.Logger
	// RedisURL, when set, makes Redis pub/sub carry the announcements
	// instead of LISTEN/NOTIFY (redis.url).
	RedisURL string
	// Retention, HeartbeatInterval, ClientBuffer: see config.StreamConfig.
	Retention         time.Duration
	HeartbeatInterval time.Duration
	ClientBuffer      int
	// PollInterval is the safety net for lost notifications (default 2 s).
	PollInterval time.Duration
}

// batch is how many rows one read takes.
const batch = 500

// errClosed answers streams opened while the server shuts down.
var errClosed = errors.New("stream: shutting down")

// Hub is one replica's fan-out: it reads new events once and hands each to
// the streams of users in the event's organization.
type Hub struct {
	opts   Options
	client *ent.Client
	redis  *redis.Client
	wake   chan struct{}
	stop   chan struct{}
	closer []func() error
	done   sync.WaitGroup

	mu     sync.Mutex
	conns  map[*conn]struct{}
	cursor int64 // highest id handed out
	closed bool
}

// NewHub starts the replica's hub: it listens for announcements and
// dispatches from the newest existing event on.
func NewHub(ctx context.Context, o Options) (*Hub, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.ClientBuffer <= 0 {
		o.ClientBuffer = 256
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = 25 * time.Second
	}
	if o.Retention <= 0 {
		o.Retention = 24 * time.Hour
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	h := &Hub{opts: o, client: o.DB.Ent, wake: make(chan struct{}, 1), stop: make(chan struct{}), conns: map[*conn]struct{}{}}
	cur, err := h.maxID(ctx)
	if err != nil {
		return nil, err
	}
	h.cursor = cur
	if o.RedisURL != "" {
		ro, err := redis.ParseURL(o.RedisURL)
		if err != nil {
			return nil, errors.New("stream: invalid redis url") // the URL may hold a password: not quoted
		}
		h.redis = redis.NewClient(ro)
		h.closer = append(h.closer, h.redis.Close)
	}
	if err := h.listen(ctx); err != nil {
		h.closeAll()
		return nil, err
	}
	h.done.Add(1)
	go h.run()
	return h, nil
}

// Publisher is the matching publisher for chat.
func (h *Hub) Publisher() *Publisher { return NewPublisher(h.opts.DB.Dialect, h.redis) }

func (h *Hub) listen(ctx context.Context) error {
	switch {
	case h.redis != nil:
		c, err := listenRedis(ctx, h.redis, h.wake)
		if err != nil {
			return fmt.Errorf("stream: redis subscribe: %w", err)
		}
		h.closer = append(h.closer, c)
	case h.opts.DB.Dialect == dialect.Postgres && h.opts.DB.Notifications() != nil:
		c, err := listenPostgres(h.opts.DB.Notifications(), h.opts.DB.SQL, h.wake, h.opts.Log)
		if err != nil {
			return fmt.Errorf("stream: listen: %w", err)
		}
		h.closer = append(h.closer, c)
	default:
		// SQLite is one replica: publishers in this process wake the hub.
		unsub := local.subscribe(h.wake)
		h.closer = append(h.closer, func() error { unsub(); return nil })
	}
	return nil
}

// sys is the context of the hub's own reads: the outbox is system data,
// and each recipient's right to an event is checked per stream
// (conn.allowed).
func sys(ctx context.Context, why string) context.Context {
	return viewer.NewSystemContext(ctx, "stream: "+why)
}

func (h *Hub) maxID(ctx context.Context) (int64, error) {
	ids, err := h.client.StreamEvent.Query().Order(ent.Desc(streamevent.FieldID)).Limit(1).IDs(sys(ctx, "newest event id"))
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

func (h *Hub) run() {
	defer h.done.Done()
	poll := time.NewTicker(h.opts.PollInterval)
	defer poll.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-h.wake:
		case <-poll.C:
		}
		if err := h.pump(); err != nil {
			h.opts.Log.Warn("stream: read events", "error", err)
		}
	}
}

// pump hands every event after the cursor to the interested streams.
func (h *Hub) pump() error {
	ctx := context.Background()
	for {
		h.mu.Lock()
		from := h.cursor
		h.mu.Unlock()
		rows, err := h.client.StreamEvent.Query().Where(streamevent.IDGT(from)).
			Order(ent.Asc(streamevent.FieldID)).Limit(batch).All(sys(ctx, "poll new events for every stream"))
		if err != nil {
			return err
		}
		h.mu.Lock()
		for _, r := range rows {
			h.dispatch(fromRow(r))
		}
		h.mu.Unlock()
		if len(rows) < batch {
			return nil
		}
	}
}

// dispatch (h.mu held) queues ev for each stream in its organization; a
// stream whose queue is full is disconnected, never waited for.
func (h *Hub) dispatch(ev Event) {
	h.cursor = ev.ID
	for c := range h.conns {
		if !c.orgs[ev.OrganizationID] {
			continue
		}
		select {
		case c.events <- ev:
		default:
			h.dropLocked(c, "slow consumer")
		}
	}
}

// add registers a stream; from now on it receives every dispatched event.
func (h *Hub) add(c *conn) (cursor int64, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return 0, errClosed
	}
	h.conns[c] = struct{}{}
	return h.cursor, nil
}

func (h *Hub) remove(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, c)
}

func (h *Hub) dropLocked(c *conn, reason string) {
	delete(h.conns, c)
	c.end(reason)
}

// Conns is the number of open streams on this replica.
func (h *Hub) Conns() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// Shutdown ends every stream (each handler returns at once, so the HTTP
// server's graceful shutdown is not held up by them) and stops the hub.
// It is safe to call more than once.
func (h *Hub) Shutdown() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	for c := range h.conns {
		h.dropLocked(c, "shutdown")
	}
	h.mu.Unlock()
	close(h.stop)
	h.done.Wait()
	h.closeAll()
}

// closeAll closes the notifiers, last opened first.
func (h *Hub) closeAll() {
	for i := len(h.closer) - 1; i >= 0; i-- {
		if err := h.closer[i](); err != nil {
			h.opts.Log.Warn("stream: close notifier", "error", err)
		}
	}
}

// conn is one open stream's state shared with the hub.
type conn struct {
	userID uuid.UUID
	orgs   map[uuid.UUID]bool
	events chan Event
	gone   chan struct{}
	once   sync.Once
	reason string
}

func newConn(v *viewer.Viewer, buffer int) *conn {
	c := &conn{userID: v.UserID, orgs: map[uuid.UUID]bool{}, events: make(chan Event, buffer), gone: make(chan struct{})}
	for _, id := range v.OrganizationIDs() {
		c.orgs[id] = true
	}
	return c
}

// setOrgs replaces the organizations c receives events of. Only c's own
// sender calls it (and reads c.orgs without the lock); dispatch reads
// c.orgs under h.mu.
func (h *Hub) setOrgs(c *conn, orgs []uuid.UUID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c.orgs = make(map[uuid.UUID]bool, len(orgs))
	for _, id := range orgs {
		c.orgs[id] = true
	}
}

func (c *conn) end(reason string) {
	c.once.Do(func() { c.reason = reason; close(c.gone) })
}
