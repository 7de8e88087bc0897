package stream

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/worksynapse/worksynapse/internal/database"
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

// listenPostgres subscribes to the replica's shared LISTEN connection (a
// reconnect wakes the hub to catch up), then checks that notifications
// arrive (checkListen).
func listenPostgres(n *database.Notifications, db *sql.DB, wake chan struct{}, log *slog.Logger) (func() error, error) {
	unlisten, err := n.Listen(channelName, func(string, bool) { poke(wake) })
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	go checkListen(ctx, n, db, log)
	return func() error {
		cancel()
		unlisten()
		return nil
	}, nil
}

// listenProbeWait is how long checkListen waits for its own notification.
const listenProbeWait = 5 * time.Second

// checkListen warns when the LISTEN connection does not hear a
// notification sent through the main pool: behind a transaction-mode
// pooler without database.direct_url, LISTEN succeeds and then hears
// nothing, and the streams silently fall back to the periodic poll. ctx
// ends when the hub shuts down.
func checkListen(ctx context.Context, n *database.Notifications, db *sql.DB, log *slog.Logger) {
	probe, cancel := context.WithTimeout(ctx, listenProbeWait)
	defer cancel()
	heard, err := n.HearsItself(probe, db)
	switch {
	case err != nil:
		log.Warn("stream: could not check LISTEN", "error", err)
	case !heard && ctx.Err() == nil:
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
