package sessioncache

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/viewer"
)

// live returns a cache that has heard its own beat just now.
func live(t *testing.T) *Cache {
	t.Helper()
	c := newCache(time.Minute, time.Now)
	c.heardBeat(time.Now())
	return c
}

func entry(user uuid.UUID) Entry {
	return Entry{Viewer: &viewer.Viewer{UserID: user}, ExpiresAt: time.Now().Add(time.Hour)}
}

// TestAReadThatRacedAnEvictionIsNotStored: a snapshot read before an
// eviction may predate the change behind it, so Put drops it.
func TestAReadThatRacedAnEvictionIsNotStored(t *testing.T) {
	c := live(t)
	sid := uuid.New()
	gen := c.Generation()
	c.evict(target{kind: kindSession, id: uuid.New()}) // any eviction, even of another session
	c.Put(sid, entry(uuid.New()), gen)
	if _, ok := c.Get(sid); ok {
		t.Fatal("a snapshot read before an eviction was stored")
	}
	c.Put(sid, entry(uuid.New()), c.Generation())
	if _, ok := c.Get(sid); !ok {
		t.Fatal("a snapshot read after the eviction was not stored")
	}
}

// TestEvictionTargets: a session, every session of a user, or everything.
func TestEvictionTargets(t *testing.T) {
	c := live(t)
	alice, bob := uuid.New(), uuid.New()
	a1, a2, b1 := uuid.New(), uuid.New(), uuid.New()
	for sid, user := range map[uuid.UUID]uuid.UUID{a1: alice, a2: alice, b1: bob} {
		c.Put(sid, entry(user), c.Generation())
	}
	c.evict(target{kind: kindSession, id: a1})
	if _, ok := c.Get(a1); ok || c.Len() != 2 {
		t.Fatalf("evicting a session: %d left", c.Len())
	}
	c.evict(target{kind: kindUser, id: alice})
	if _, ok := c.Get(b1); !ok || c.Len() != 1 {
		t.Fatalf("evicting a user's sessions: %d left", c.Len())
	}
	c.evict(target{kind: kindAll})
	if c.Len() != 0 {
		t.Fatalf("evicting everything: %d left", c.Len())
	}
}

// TestACacheServesOnlyWhileItHearsItself: no beat heard within liveWindow
// (the LISTEN connection is down or stuck) means no hits, and so do an
// expired session and an entry older than the TTL.
func TestACacheServesOnlyWhileItHearsItself(t *testing.T) {
	now := time.Now()
	c := newCache(time.Minute, func() time.Time { return now })
	sid := uuid.New()
	c.heardBeat(now)
	c.Put(sid, entry(uuid.New()), c.Generation())
	if _, ok := c.Get(sid); !ok {
		t.Fatal("a live cache missed")
	}
	now = now.Add(liveWindow)
	if _, ok := c.Get(sid); ok {
		t.Fatal("a cache that has not heard itself for liveWindow served a snapshot")
	}
	c.heardBeat(now)
	if _, ok := c.Get(sid); !ok {
		t.Fatal("a cache that hears itself again missed")
	}
	now = now.Add(time.Minute)
	c.heardBeat(now)
	if _, ok := c.Get(sid); ok {
		t.Fatal("an entry older than the TTL was served")
	}
	short := entry(uuid.New())
	short.ExpiresAt = now.Add(time.Second)
	c.Put(sid, short, c.Generation())
	now = now.Add(time.Second)
	if _, ok := c.Get(sid); ok {
		t.Fatal("an expired session was served")
	}
	if barrierTimeout <= liveWindow {
		t.Fatal("a writer must wait longer than a silent replica keeps serving")
	}
}

// TestMessagesRoundTrip: what a replica sends, another parses, and
// anything else is refused (and treated as "evict everything").
func TestMessagesRoundTrip(t *testing.T) {
	id := uuid.New()
	for _, tc := range []struct {
		payload string
		want    message
	}{
		{invalidation("n1", target{kind: kindSession, id: id}), message{op: 'i', nonce: "n1", target: target{kind: kindSession, id: id}}},
		{invalidation("n2", target{kind: kindUser, id: id}), message{op: 'i', nonce: "n2", target: target{kind: kindUser, id: id}}},
		{invalidation("n3", target{kind: kindAll}), message{op: 'i', nonce: "n3", target: target{kind: kindAll}}},
		{ack("n1", "r1"), message{op: 'a', nonce: "n1", replica: "r1"}},
		{beat("r1", 42), message{op: 'b', replica: "r1", seq: 42}},
		{leave("r1"), message{op: 'l', replica: "r1"}},
	} {
		if got, ok := parse(tc.payload); !ok || got != tc.want {
			t.Errorf("parse(%q) = %+v, %v; want %+v", tc.payload, got, ok, tc.want)
		}
	}
	for _, bad := range []string{"", "i", "i n1 s not-a-uuid", "i n1 x " + id.String(), "b r1 -1", "zz a b", "l"} {
		if _, ok := parse(bad); ok {
			t.Errorf("parse(%q) accepted", bad)
		}
	}
}
