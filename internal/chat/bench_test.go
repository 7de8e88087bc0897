package chat_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/channel"
	"github.com/worksynapse/worksynapse/internal/chat"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// benchEnv is a PostgreSQL database with one organization whose admin
// owns the channels the benchmarks fill.
type benchEnv struct {
	db  *database.DB
	svc *chat.Service
	ctx context.Context
	org *ent.Organization
	me  *ent.User
}

func newBench(b *testing.B) *benchEnv {
	b.Helper()
	if testing.Short() {
		b.Skip("bulk data: skipped with -short")
	}
	db := testdb.NewPostgres(b)
	org := testfix.Org(b, db.Ent, "Bench")
	u := testfix.User(b, db.Ent, "bench")
	ctx := testfix.AsRole(b, db.Ent, u, org, seed.RoleAdmin)
	return &benchEnv{db: db, svc: chat.New(db.Ent, db.Dialect, chat.Options{}), ctx: ctx, org: org, me: u}
}

func (e *benchEnv) channel(b *testing.B, name string) *ent.Channel {
	b.Helper()
	ch, err := e.svc.CreateChannel(e.ctx, e.org.ID, chat.ChannelInput{Type: channel.TypePublic, Name: &name})
	if err != nil {
		b.Fatal(err)
	}
	return ch
}

// fill inserts n messages into channel ch in one INSERT ... SELECT
// generate_series. Ids are time-ordered like UUIDv7 (the series number in
// the low bits, the channel's index above it), authored by someone else.
func (e *benchEnv) fill(b *testing.B, ch *ent.Channel, index, n int) {
	b.Helper()
	_, err := e.db.SQL.Exec(`INSERT INTO messages (id, created_at, updated_at, body, organization_id, channel_id)
		SELECT ('01900000-' || lpad(to_hex($1::int), 4, '0') || '-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
		       now(), now(), 'message ' || g, $2, $3
		FROM generate_series(1, $4::int) g`, index, e.org.ID, ch.ID, n)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.db.SQL.Exec("ANALYZE messages"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkScrollback is the newest page of 50 in a channel of 10,000 and
// of 1,000,000 messages: keyset on (channel_id, id), so the two should be
// within a small factor of each other.
func BenchmarkScrollback(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
			e := newBench(b)
			ch := e.channel(b, "scroll")
			e.fill(b, ch, 1, n)
			for b.Loop() {
				w, err := e.svc.Scrollback(e.ctx, ch.ID, chat.Position{Limit: 50})
				if err != nil || len(w.Items) != 50 {
					b.Fatalf("scrollback: %v", err)
				}
			}
		})
	}
}

// BenchmarkUnreadCounts is GET /me/channels' query for a member of 200
// channels holding 1,000,000 messages in total (5,000 each): with nothing
// read (every message counted), and with the read pointer 20 messages
// behind the newest in each channel (the usual case).
func BenchmarkUnreadCounts(b *testing.B) {
	e := newBench(b)
	const channels, total, per = 200, 1_000_000, 1_000_000 / 200
	for i := range channels {
		e.fill(b, e.channel(b, fmt.Sprintf("c%03d", i)), i+1, per)
	}
	run := func(b *testing.B, unread int64) {
		for b.Loop() {
			cs, err := e.svc.MyChannels(e.ctx, &e.org.ID)
			if err != nil || len(cs) != channels || cs[0].Unread != unread {
				b.Fatalf("my channels: %d %v", len(cs), err)
			}
		}
	}
	b.Run("unread=all", func(b *testing.B) { run(b, per) })
	// The pointer of channel i is its message number per-20 (see fill's ids).
	_, err := e.db.SQL.Exec(`INSERT INTO read_receipts (id, created_at, updated_at, organization_id, channel_id, user_id, last_read_message_id, last_read_at)
		SELECT gen_random_uuid(), now(), now(), c.organization_id, c.id, $1,
		       ('01900000-' || lpad(to_hex(c.n::int), 4, '0') || '-7000-8000-' || lpad(to_hex($2::int), 12, '0'))::uuid, now()
		FROM (SELECT id, organization_id, row_number() OVER (ORDER BY name) AS n FROM channels WHERE organization_id = $3) c`,
		e.me.ID, per-20, e.org.ID)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("unread=20-per-channel", func(b *testing.B) { run(b, 20) })
}
