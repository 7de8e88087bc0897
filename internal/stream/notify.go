package stream

import (
	"context"
	"log/slog"
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
func listenPostgres(url string, wake chan struct{}, log *slog.Logger) (func() error, error) {
	l := pq.NewListener(url, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil {
			log.Warn("stream: LISTEN connection", "event", int(ev), "error", err)
		}
	})
	if err := l.Listen(channelName); err != nil {
		_ = l.Close()
		return nil, err
	}
	go func() {
		for range l.Notify {
			poke(wake)
		}
	}()
	return l.Close, nil
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
