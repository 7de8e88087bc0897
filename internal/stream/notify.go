package stream

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/lib/pq"
	"github.com/redis/go-redis/v9"
)

// The notifiers only wake the hub: a notification carries an event id,
// but the hub reads every row after its cursor, so lost, duplicated or
// reordered notifications change nothing (the periodic poll covers loss).

// broadcaster wakes the hubs of this process (SQLite: one replica).
type broadcaster struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

var local = &broadcaster{subs: map[chan struct{}]struct{}{}}

func (b *broadcaster) subscribe(wake chan struct{}) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs[wake] = struct{}{}
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, wake)
	}
}

func (b *broadcaster) publish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for w := range b.subs {
		poke(w)
	}
}

// poke wakes a hub without blocking; one pending wake-up is enough.
func poke(wake chan struct{}) {
	select {
	case wake <- struct{}{}:
	default:
	}
}

// listenPostgres holds a LISTEN connection (lib/pq reconnects it; a
// reconnect sends a nil notification, which wakes the hub to catch up).
// It then checks that notifications arrive (checkListen).
func listenPostgres(url string, db *sql.DB, wake chan struct{}, log *slog.Logger) (func() error, error) {
	l := pq.NewListener(url, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil {
			log.Warn("stream: LISTEN connection", "event", int(ev), "error", err)
		}
	})
	probe := fmt.Sprintf("%s_probe_%x", channelName, rand.Uint64())
	for _, ch := range []string{channelName, probe} {
		if err := l.Listen(ch); err != nil {
			_ = l.Close()
			return nil, err
		}
	}
	probed, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		var once sync.Once
		for n := range l.Notify {
			if n != nil && n.Channel == probe {
				once.Do(func() { close(probed) })
				continue
			}
			poke(wake)
		}
	}()
	go checkListen(db, l, probe, probed, ended, log)
	return l.Close, nil
}

// listenProbeWait is how long checkListen waits for its own notification.
const listenProbeWait = 5 * time.Second

// checkListen notifies the probe channel through the main pool and warns
// when the LISTEN connection does not hear it: behind a transaction-mode
// pooler without database.direct_url, LISTEN succeeds and then hears
// nothing, and the streams silently fall back to the periodic poll.
func checkListen(db *sql.DB, l *pq.Listener, probe string, probed, ended <-chan struct{}, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), listenProbeWait)
	defer cancel()
	if _, err := db.ExecContext(ctx, "SELECT pg_notify($1, '')", probe); err != nil {
		log.Warn("stream: could not check LISTEN", "error", err)
		return
	}
	select {
	case <-probed:
		_ = l.Unlisten(probe)
	case <-ended: // the hub shut down first
	case <-ctx.Done():
		log.Warn("stream: the LISTEN connection receives no notifications; streams on this replica " +
			"fall back to polling. If database.url points at a transaction-mode pooler (PgBouncer), " +
			"set database.direct_url to PostgreSQL itself")
	}
}

// listenRedis subscribes to the Redis channel.
func listenRedis(ctx context.Context, rdb *redis.Client, wake chan struct{}) (func() error, error) {
	sub := rdb.Subscribe(ctx, channelName)
	if _, err := sub.Receive(ctx); err != nil {
		_ = sub.Close()
		return nil, err
	}
	go func() {
		for range sub.Channel() {
			poke(wake)
		}
	}()
	return sub.Close, nil
}
