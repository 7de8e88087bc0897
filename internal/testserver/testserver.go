// Package testserver runs the real HTTP stack (middleware, ogen router,
// handlers, ent, database) on a loopback httptest server for end-to-end
// tests, with the generated ogen client pointed at it.
package testserver

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ogen-go/ogen/ogenerrors"
	"golang.org/x/crypto/bcrypt"

	"github.com/worksynapse/worksynapse/internal/app"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/mail"
	"github.com/worksynapse/worksynapse/internal/oas"
)

// Server is a running test server.
type Server struct {
	URL    string
	App    *app.App
	Client *oas.Client
	Logs   *LogBuffer
	// Outbox holds the mail the server sent (nil if a test configured SMTP).
	Outbox *mail.Outbox
}

// LogBuffer collects the server's log lines. The server's goroutines (the
// job workers among them) write while the test reads, so both lock.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer for the log handler.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns what was logged so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Env are environment overrides for the test configuration.
type Env map[string]string

// Start serves db through the full stack until the test ends. configure
// runs on the App before the server is built (e.g. to inject the LLM
// gateway's fake ledger and guard).
func Start(t testing.TB, db *database.DB, env Env, configure ...func(*app.App)) *Server {
	t.Helper()
	getenv := func(k string) string { return env[k] }
	cfg, _, err := config.Load(config.LoadOptions{Getenv: getenv})
	if err != nil {
		t.Fatalf("testserver: config: %v", err)
	}
	if env["WORKSYNAPSE_JOBS_POLL_INTERVAL"] == "" {
		// Queued mail arrives within a tenth of a second. Why not less:
		// every running test server polls, and at 20 ms the polls were a
		// tenth of the API tests' CPU.
		cfg.Jobs.PollInterval = 100 * time.Millisecond
	}
	if env["WORKSYNAPSE_STORAGE_DIR"] == "" {
		cfg.Storage.Dir = t.TempDir() // never ./data/files of the package under test
	}
	// The periodic audit jobs may run during a long test: their files go to
	// temporary folders too, never into the source tree.
	if env["WORKSYNAPSE_AUDIT_SEAL_DIR"] == "" {
		cfg.Audit.SealDir = t.TempDir()
	}
	if env["WORKSYNAPSE_AUDIT_RETENTION_DIR"] == "" {
		cfg.Audit.RetentionDir = t.TempDir()
	}
	logs := &LogBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := app.New(cfg, log, db)
	// Hashing at bcrypt's minimum cost keeps registering and logging in
	// cheap; a test-only App field, never reachable from configuration.
	a.BcryptCost = bcrypt.MinCost
	for _, fn := range configure {
		fn(a)
	}
	srv, err := a.Server()
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	if err := a.Jobs.Start(context.Background()); err != nil {
		t.Fatalf("testserver: jobs: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Jobs.Stop(ctx); err != nil {
			t.Errorf("testserver: stop jobs: %v", err)
		}
	})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	// Runs before hs.Close (cleanups are LIFO): open event streams never
	// finish by themselves, and the hub's LISTEN connection must not
	// outlive the test database.
	t.Cleanup(a.Stream.Shutdown)
	t.Cleanup(func() { _ = a.Sessions.Close() })
	outbox, _ := a.Mailer.(*mail.Outbox)
	s := &Server{URL: hs.URL, App: a, Logs: logs, Outbox: outbox}
	s.Client = s.ClientWithToken(t, "")
	return s
}

// tokenSource supplies a fixed bearer token to the generated client.
type tokenSource string

func (t tokenSource) BearerAuth(context.Context, oas.OperationName) (oas.BearerAuth, error) {
	return oas.BearerAuth{Token: string(t)}, nil
}

// ApiKeyAuth sends no agent key: a token client is a user's.
func (t tokenSource) ApiKeyAuth(context.Context, oas.OperationName) (oas.ApiKeyAuth, error) {
	return oas.ApiKeyAuth{}, ogenerrors.ErrSkipClientSecurity
}

// ServiceKey sends no service key: a token client is a user's.
func (t tokenSource) ServiceKey(context.Context, oas.OperationName) (oas.ServiceKey, error) {
	return oas.ServiceKey{}, ogenerrors.ErrSkipClientSecurity
}

// AgentKeyBearerAuth sends no agent key: a token client is a user's.
func (t tokenSource) AgentKeyBearerAuth(context.Context, oas.OperationName) (oas.AgentKeyBearerAuth, error) {
	return oas.AgentKeyBearerAuth{}, ogenerrors.ErrSkipClientSecurity
}

// keySource supplies an agent API key (X-API-Key) and no bearer token.
type keySource string

func (k keySource) BearerAuth(context.Context, oas.OperationName) (oas.BearerAuth, error) {
	return oas.BearerAuth{}, ogenerrors.ErrSkipClientSecurity
}

func (k keySource) ApiKeyAuth(context.Context, oas.OperationName) (oas.ApiKeyAuth, error) {
	return oas.ApiKeyAuth{APIKey: string(k)}, nil
}

// ServiceKey sends no service key: the agent key takes the header.
func (k keySource) ServiceKey(context.Context, oas.OperationName) (oas.ServiceKey, error) {
	return oas.ServiceKey{}, ogenerrors.ErrSkipClientSecurity
}

// AgentKeyBearerAuth is skipped: the key travels in X-API-Key.
func (k keySource) AgentKeyBearerAuth(context.Context, oas.OperationName) (oas.AgentKeyBearerAuth, error) {
	return oas.AgentKeyBearerAuth{}, ogenerrors.ErrSkipClientSecurity
}

// ClientWithAgentKey is a typed client that acts as an agent through key.
func (s *Server) ClientWithAgentKey(t testing.TB, key string) *oas.Client {
	t.Helper()
	c, err := oas.NewClient(s.URL, keySource(key))
	if err != nil {
		t.Fatalf("testserver: client: %v", err)
	}
	return c
}

// ClientWithToken is a typed client that sends token as its bearer token.
func (s *Server) ClientWithToken(t testing.TB, token string) *oas.Client {
	t.Helper()
	c, err := oas.NewClient(s.URL, tokenSource(token))
	if err != nil {
		t.Fatalf("testserver: client: %v", err)
	}
	return c
}

// Do sends a raw request (for malformed bodies and headers the typed client
// cannot produce) and returns the response with its body read.
func (s *Server) Do(t testing.TB, method, path, contentType string, body []byte, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}
