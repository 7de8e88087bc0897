package loadgen

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"time"

	"github.com/worksynapse/worksynapse/internal/app"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/seed"
)

// stack is the real server (app.App behind an httptest loopback server)
// over a temporary, fully migrated PostgreSQL database.
type stack struct {
	URL   string
	DB    *database.DB
	app   *app.App
	http  *httptest.Server
	drop  func()
	close func()
}

// startStack creates a database on the server of adminURL, applies the
// migrations exactly as `migrate apply` does, seeds roles and serves the
// API on loopback with the default configuration, except that rate limits
// are off (one client IP sends every request) and logs are discarded
// (still formatted, so their cost is measured).
func startStack(ctx context.Context, adminURL string, noSessionCache, unprepared bool) (*stack, error) {
	devURL, drop, err := dbmigrate.TempDevDatabase(ctx, adminURL)
	if err != nil {
		return nil, err
	}
	s := &stack{drop: drop}
	if err := migrate(ctx, devURL); err != nil {
		s.Close()
		return nil, err
	}
	cfg, _, err := config.Load(config.LoadOptions{Getenv: func(string) string { return "" }})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("loadgen: config: %w", err)
	}
	cfg.RateLimit = config.RateLimitConfig{}
	if noSessionCache {
		cfg.Auth.SessionCacheTTL = 0
	}
	if cfg.Storage.Dir, err = os.MkdirTemp("", "worksynapse-loadgen-"); err != nil {
		s.Close()
		return nil, err
	}
	storageDir := cfg.Storage.Dir
	s.DB, err = database.Open(ctx, database.Config{URL: devURL, MaxOpenConns: cfg.Database.MaxOpenConns,
		MaxIdleConns: cfg.Database.MaxIdleConns, ConnMaxLifetime: cfg.Database.ConnMaxLifetime, PreparedStatements: !unprepared})
	if err != nil {
		s.Close()
		return nil, err
	}
	if _, err := seed.Run(ctx, s.DB.Ent); err != nil {
		s.Close()
		return nil, fmt.Errorf("loadgen: seed roles: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s.app = app.New(cfg, log, s.DB)
	srv, err := s.app.Server()
	if err != nil {
		s.Close()
		return nil, err
	}
	if err := s.app.Jobs.Start(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("loadgen: jobs: %w", err)
	}
	s.http = httptest.NewServer(srv.Handler())
	s.URL = s.http.URL
	s.close = func() { os.RemoveAll(storageDir) }
	return s, nil
}

func migrate(ctx context.Context, url string) error {
	db, err := sql.Open("postgres", url)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := dbmigrate.Apply(ctx, db, nil); err != nil {
		return fmt.Errorf("loadgen: migrate: %w", err)
	}
	return nil
}

// Close stops the server and drops the database.
func (s *stack) Close() {
	if s.http != nil {
		s.http.Close()
	}
	if s.app != nil && s.app.Jobs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = s.app.Jobs.Stop(ctx)
		cancel()
	}
	if s.DB != nil {
		s.DB.Close()
	}
	if s.close != nil {
		s.close()
	}
	s.drop()
}
