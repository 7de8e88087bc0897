package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/lib/pq"
)

// Notifications is a replica's one LISTEN connection (PostgreSQL), shared
// by everyone who needs notifications (the real-time stream, the session
// cache), so the connection budget counts one per replica. lib/pq
// reconnects it; after a reconnect, every subscriber is told (Handler's
// reconnected) since notifications sent meanwhile are lost.
type Notifications struct {
	url  string
	log  *slog.Logger
	once sync.Once
	l    *pq.Listener
	done chan struct{}

	// changing serializes LISTEN and UNLISTEN; mu guards subs and is
	// never held across a call to the server, which would block dispatch
	// (and lib/pq's reader behind it) while the server's answer waits.
	changing sync.Mutex
	mu       sync.Mutex
	subs     map[string]map[*subscription]struct{} // channel → subscribers
	closed   bool
}

// subscription is one Listen: fn receives the channel's notifications in
// the order PostgreSQL delivers them and must not block; reconnected is
// true (payload empty) after the connection was lost and re-established.
type subscription struct {
	fn func(payload string, reconnected bool)
}

func newNotifications(url string) *Notifications {
	return &Notifications{url: url, log: slog.Default(), subs: map[string]map[*subscription]struct{}{}}
}

// Notifications returns the replica's shared LISTEN connection (nil on
// SQLite). It connects to SessionURL, PostgreSQL itself when
// database.direct_url names it: LISTEN does not work through a
// transaction-mode pooler.
func (db *DB) Notifications() *Notifications { return db.listen }

// Listen subscribes fn to channel until the returned function is called
// (see subscription for what fn receives).
func (n *Notifications) Listen(channel string, fn func(payload string, reconnected bool)) (unlisten func(), err error) {
	if n == nil {
		return nil, errors.New("database: notifications need PostgreSQL")
	}
	n.changing.Lock()
	defer n.changing.Unlock()
	// Subscribed before the LISTEN, so nothing heard after it is missed.
	s := &subscription{fn: fn}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil, errors.New("database: notifications are closed")
	}
	n.once.Do(n.start)
	first := len(n.subs[channel]) == 0
	if first {
		n.subs[channel] = map[*subscription]struct{}{}
	}
	n.subs[channel][s] = struct{}{}
	n.mu.Unlock()
	if first {
		if err := n.l.Listen(channel); err != nil && !errors.Is(err, pq.ErrChannelAlreadyOpen) {
			n.mu.Lock()
			delete(n.subs, channel)
			n.mu.Unlock()
			return nil, fmt.Errorf("database: listen on %s: %w", channel, err)
		}
	}
	return func() { n.unlisten(channel, s) }, nil
}

// HearsItself reports whether a notification sent through db reaches this
// LISTEN connection before ctx ends. It does not when db is a
// transaction-mode pooler and the LISTEN went through it: LISTEN succeeds
// there and then hears nothing. err is set only when it could not ask.
func (n *Notifications) HearsItself(ctx context.Context, db *sql.DB) (bool, error) {
	probe := fmt.Sprintf("worksynapse_probe_%x", rand.Uint64())
	heard := make(chan struct{}, 1)
	unlisten, err := n.Listen(probe, func(_ string, reconnected bool) {
		if !reconnected {
			select {
			case heard <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		return false, err
	}
	defer unlisten()
	if _, err := db.ExecContext(ctx, "SELECT pg_notify($1, '')", probe); err != nil {
		return false, fmt.Errorf("database: notify the probe: %w", err)
	}
	select {
	case <-heard:
		return true, nil
	case <-ctx.Done():
		return false, nil
	}
}

func (n *Notifications) unlisten(channel string, s *subscription) {
	n.changing.Lock()
	defer n.changing.Unlock()
	n.mu.Lock()
	subs := n.subs[channel]
	delete(subs, s)
	last := subs != nil && len(subs) == 0
	if last {
		delete(n.subs, channel)
	}
	n.mu.Unlock()
	if last {
		if err := n.l.Unlisten(channel); err != nil && !errors.Is(err, pq.ErrChannelNotOpen) && !errors.Is(err, net.ErrClosed) {
			n.log.Warn("database: unlisten", "channel", channel, "error", err)
		}
	}
}

func (n *Notifications) start() {
	n.l = pq.NewListener(n.url, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil {
			n.log.Warn("database: LISTEN connection", "event", int(ev), "error", err)
		}
	})
	n.done = make(chan struct{})
	go n.dispatch()
}

// dispatch hands each notification to its channel's subscribers, and a
// reconnect to every subscriber.
func (n *Notifications) dispatch() {
	defer close(n.done)
	for note := range n.l.Notify {
		n.mu.Lock()
		var fns []func(string, bool)
		for channel, subs := range n.subs {
			if note != nil && note.Channel != channel {
				continue
			}
			for s := range subs {
				fns = append(fns, s.fn)
			}
		}
		n.mu.Unlock()
		for _, fn := range fns {
			if note == nil {
				fn("", true)
			} else {
				fn(note.Extra, false)
			}
		}
	}
}

// close ends the connection (DB.Close).
func (n *Notifications) close() error {
	if n == nil {
		return nil
	}
	n.mu.Lock()
	n.closed = true
	l, done := n.l, n.done
	n.mu.Unlock()
	if l == nil {
		return nil
	}
	err := l.Close()
	<-done
	return err
}
