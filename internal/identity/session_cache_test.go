package identity_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/role"
	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/sessioncache"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// replica is one simulated server process: its session cache and its
// identity service over a shared database.
type replica struct {
	sessions *sessioncache.Replica
	identity *identity.Service
}

func startReplica(t *testing.T, db *database.DB) replica {
	t.Helper()
	cfg, _, err := config.Load(config.LoadOptions{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	r, err := sessioncache.Start(sessioncache.Options{DB: db.SQL, Listener: db.Notifications(), TTL: time.Minute,
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	// One secret for both replicas, as in production.
	s, err := identity.New(identity.Options{Client: db.Ent, SecretKey: "session-cache-test-secret-0123456789abcdef", Auth: cfg.Auth,
		Log: slog.New(slog.DiscardHandler), Sessions: r.Cache(), BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !r.Cache().Live() {
		if time.Now().After(deadline) {
			t.Fatal("the replica never heard its own beat")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return replica{sessions: r, identity: s}
}

// throughBarrier runs change as a request to r would: its answer comes
// back only once every replica has dropped what the change made stale.
func throughBarrier(t *testing.T, r replica, change func(ctx context.Context) error) {
	t.Helper()
	srv := httptest.NewServer(r.sessions.Barrier(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if err := change(req.Context()); err != nil {
			t.Error(err)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	defer srv.Close()
	res, err := http.Post(srv.URL, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
}

// login registers name and opens a session; it returns the access token
// and the viewer of the session.
func login(t *testing.T, s *identity.Service, name string) (string, *viewer.Viewer) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Register(ctx, identity.RegisterInput{Email: name + "@example.com", Username: name, Password: "correct horse battery staple"}); err != nil {
		t.Fatal(err)
	}
	pair, err := s.Login(ctx, identity.LoginInput{Identifier: name, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.Authenticate(ctx, pair.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	return pair.AccessToken, v
}

// TestSessionCacheServesWithoutAQuery: once a replica holds a session, an
// authenticated request costs no statement at all.
func TestSessionCacheServesWithoutAQuery(t *testing.T) {
	raw := testdb.NewPostgres(t)
	db, counter := testdb.CountQueries(raw, nil)
	r := startReplica(t, db)
	token, _ := login(t, r.identity, "cached")
	counter.Reset()
	for range 3 {
		if _, err := r.identity.Authenticate(context.Background(), token); err != nil {
			t.Fatal(err)
		}
	}
	if stmts := counter.Statements(); len(stmts) != 0 {
		t.Errorf("a cached session issued %d statements, want 0:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
}

// TestChangesReachTheOtherReplicaAtOnce is the guarantee the cache must
// keep: when the request that revokes a session, deactivates a user or
// takes a role away has answered on replica A, replica B — which served
// the session from its cache a moment before — refuses or re-reads it on
// the very next request. Each case runs several times, without waiting
// between the answer and the check.
func TestChangesReachTheOtherReplicaAtOnce(t *testing.T) {
	db := testdb.NewPostgres(t)
	a, b := startReplica(t, db), startReplica(t, db)
	sys := testfix.System()
	ctx := context.Background()
	// warm authenticates on B until B holds the session (a fixture's
	// change still on its way to B may evict it once more).
	warm := func(token string) *viewer.Viewer {
		t.Helper()
		for range 100 {
			v, err := b.identity.Authenticate(ctx, token)
			if err != nil {
				t.Fatalf("B before the change: %v", err)
			}
			if _, ok := b.sessions.Cache().Get(v.SessionID); ok {
				return v
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatal("B never held the session it authenticated")
		return nil
	}
	refused := func(what, token string) {
		t.Helper()
		if _, err := b.identity.Authenticate(ctx, token); !errors.Is(err, identity.ErrInvalidToken) {
			t.Fatalf("%s on A; B's next request: %v, want ErrInvalidToken", what, err)
		}
	}

	for i := range 5 {
		token, _ := login(t, a.identity, fmt.Sprintf("revoked%d", i))
		v := warm(token)
		throughBarrier(t, a, func(ctx context.Context) error { return a.identity.Logout(ctx, v) })
		refused("logout", token)
	}

	for i := range 5 {
		token, _ := login(t, a.identity, fmt.Sprintf("suspended%d", i))
		v := warm(token)
		throughBarrier(t, a, func(ctx context.Context) error {
			return database.WithTx(ctx, db.Ent, func(tx *ent.Tx) error {
				// Why a system context: the test acts as an administrator would.
				return tx.User.UpdateOneID(v.UserID).SetStatus(user.StatusSuspended).Exec(viewer.NewSystemContext(ctx, "test"))
			})
		})
		refused("suspending the user", token)
	}

	token, v := login(t, a.identity, "demoted")
	u := db.Ent.User.GetX(sys, v.UserID)
	org := testfix.Org(t, db.Ent, "Demotion")
	testfix.Member(t, db.Ent, org, u)
	admin := db.Ent.Role.Query().Where(role.Name(seed.RoleAdmin), role.OrganizationID(uuid.Nil)).OnlyX(sys)
	// Roles are given and taken away through A; B must follow each change
	// on its next request.
	roles := func(ctx context.Context, tx *ent.Tx, grant bool) error {
		if grant {
			return tx.UserRole.Create().SetOrganizationID(org.ID).SetUserID(u.ID).SetRoleID(admin.ID).Exec(ctx)
		}
		_, err := tx.UserRole.Delete().Exec(ctx)
		return err
	}
	for _, grant := range []bool{true, false, true, false, true, false} {
		warm(token)
		throughBarrier(t, a, func(ctx context.Context) error {
			return database.WithTx(ctx, db.Ent, func(tx *ent.Tx) error {
				// Why a system context: the test acts as an administrator would.
				return roles(viewer.NewSystemContext(ctx, "test"), tx, grant)
			})
		})
		v, err := b.identity.Authenticate(ctx, token)
		if err != nil || v.HasRole(org.ID, seed.RoleAdmin) != grant {
			t.Fatalf("B after the role was given (%v) or taken away on A: %v, holds ADMIN: %v", grant, err, v.HasRole(org.ID, seed.RoleAdmin))
		}
	}
}

// TestAStoppedReplicaServesNothingAndIsNotWaitedFor: a replica whose
// invalidation channel is gone stops serving from its cache, and the
// others do not wait for its acknowledgements.
func TestAStoppedReplicaServesNothingAndIsNotWaitedFor(t *testing.T) {
	db := testdb.NewPostgres(t)
	a, b := startReplica(t, db), startReplica(t, db)
	token, v := login(t, b.identity, "stopped")
	if err := b.sessions.Close(); err != nil {
		t.Fatal(err)
	}
	if b.sessions.Cache().Live() {
		t.Fatal("a closed replica still serves from its cache")
	}
	if _, ok := b.sessions.Cache().Get(v.SessionID); ok {
		t.Fatal("a closed replica still returns a snapshot")
	}
	time.Sleep(100 * time.Millisecond) // A hears B leave
	start := time.Now()
	throughBarrier(t, a, func(ctx context.Context) error { return a.identity.Logout(ctx, v) })
	if took := time.Since(start); took > time.Second {
		t.Errorf("A waited %s for a replica that had left", took)
	}
	if _, err := b.identity.Authenticate(context.Background(), token); !errors.Is(err, identity.ErrInvalidToken) {
		t.Fatalf("B without its cache must read the revocation: %v", err)
	}
}

// TestARolledBackChangeIsNotWaitedFor: a request whose transaction
// announced a change and then rolled back (a retried transaction, say)
// still answers 2xx, and must not wait for acknowledgements that will
// never come.
func TestARolledBackChangeIsNotWaitedFor(t *testing.T) {
	db := testdb.NewPostgres(t)
	a, b := startReplica(t, db), startReplica(t, db)
	token, v := login(t, a.identity, "retried")
	errRetry := errors.New("rolled back on purpose")
	start := time.Now()
	throughBarrier(t, a, func(ctx context.Context) error {
		err := database.WithTx(ctx, db.Ent, func(tx *ent.Tx) error {
			// Why a system context: the test acts as an administrator would.
			if err := tx.Session.UpdateOneID(v.SessionID).SetRevokedAt(time.Now()).Exec(viewer.NewSystemContext(ctx, "test")); err != nil {
				return err
			}
			return errRetry
		})
		if !errors.Is(err, errRetry) {
			return err
		}
		return nil
	})
	if took := time.Since(start); took > time.Second {
		t.Errorf("the answer waited %s for a change that rolled back", took)
	}
	if _, err := b.identity.Authenticate(context.Background(), token); err != nil {
		t.Fatalf("the session must still work: %v", err)
	}
}
