// Package app is the composition root: it turns a Config into a running
// application (database, schema check, API handler, HTTP server). The CLI
// and the end-to-end tests both build the server through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"entgo.io/ent/dialect"

	"github.com/worksynapse/worksynapse/internal/api"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/jobs"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/llm"
	"github.com/worksynapse/worksynapse/internal/mail"
	"github.com/worksynapse/worksynapse/internal/metrics"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/ratelimit"
	"github.com/worksynapse/worksynapse/internal/requestmeta"
	"github.com/worksynapse/worksynapse/internal/server"
	"github.com/worksynapse/worksynapse/internal/server/middleware"
	"github.com/worksynapse/worksynapse/internal/sessioncache"
	"github.com/worksynapse/worksynapse/internal/storage"
	"github.com/worksynapse/worksynapse/internal/stream"
)

// App holds the process-wide dependencies.
type App struct {
	Config *config.Config
	Log    *slog.Logger
	DB     *database.DB
	// RateLimitStats counts rejected requests (for metrics and tests).
	RateLimitStats *ratelimit.Stats
	// Metrics is the Prometheus registry served at /metrics.
	Metrics *metrics.Metrics
	// Mailer sends account mail: SMTP when mail.smtp_addr is set, else an
	// in-memory *mail.Outbox (tests read it through this field).
	Mailer mail.Mailer
	// Jobs enqueues and runs background jobs (built by JobRunner; Server
	// builds it in the serving mode if nobody did before).
	Jobs      *jobs.Runner
	mailQueue *jobs.MailQueue

	closeRedis func() error

	// LLMLedger and LLMGuard are the LLM gateway's seams, set before
	// Server (tests inject fakes); without a ledger the gateway refuses
	// calls, since none may go unrecorded.
	LLMLedger llm.Ledger
	LLMGuard  llm.Guard
	// ledger is the cost ledger (see costLedger).
	ledger *ledger.Ledger
	// Stream is the real-time stream's hub (built by Server).
	Stream *stream.Hub
	// Sessions is this replica's session snapshot cache (built by Server
	// on PostgreSQL when auth.session_cache_ttl is set; nil otherwise).
	Sessions *sessioncache.Replica
	// DriftCheckEvery is how often /readyz re-inspects the live schema for
	// drift (DefaultDriftCheckEvery when zero; tests shorten it).
	DriftCheckEvery time.Duration
	// BcryptCost, if set before Server, replaces auth.bcrypt_cost for the
	// password hashes of this process. Test harnesses set bcrypt.MinCost;
	// it is deliberately not a configuration key, so production cannot
	// fall below the validated minimum of 10.
	BcryptCost int
}

// DefaultDriftCheckEvery bounds the cost of drift detection on readiness
// probes: one inspection of the schema per minute.
const DefaultDriftCheckEvery = time.Minute

// ErrPendingMigrations stops `serve` on a PostgreSQL database that is behind.
var ErrPendingMigrations = errors.New("the database has pending migrations: run `worksynapse migrate apply` (or set database.auto_migrate: true)")

// Open connects to the configured database.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	db, err := database.Open(ctx, database.Config{
		URL:                cfg.Database.URL,
		DirectURL:          cfg.Database.DirectURL,
		SQLitePath:         cfg.Database.SQLitePath,
		MaxOpenConns:       cfg.Database.MaxOpenConns,
		MaxIdleConns:       cfg.Database.MaxIdleConns,
		ConnMaxLifetime:    cfg.Database.ConnMaxLifetime,
		PreparedStatements: cfg.Database.PreparedStatements,
	})
	if err != nil {
		return nil, fmt.Errorf("app: open database: %w", err)
	}
	return New(cfg, log, db), nil
}

// New builds an App on an already open database (tests, embedding).
func New(cfg *config.Config, log *slog.Logger, db *database.DB) *App {
	return &App{Config: cfg, Log: log, DB: db, Mailer: newMailer(cfg, log)}
}

// newMailer picks the mailer. The config was validated, so only an
// impossible sender could fail; that falls back to the outbox, loudly.
func newMailer(cfg *config.Config, log *slog.Logger) mail.Mailer {
	m, err := mail.New(cfg.Mail, log)
	if err != nil {
		log.Error("mail disabled: messages are kept in memory", "error", err)
		return mail.NewOutbox(log)
	}
	if _, ok := m.(*mail.Outbox); ok && cfg.IsProduction() {
		log.Warn("mail.smtp_addr is not set: verification and password-reset mail is not delivered")
	}
	return m
}

// Close releases the database and the Redis connection, if any.
func (a *App) Close() error {
	if a.Stream != nil {
		a.Stream.Shutdown()
	}
	err := a.Sessions.Close()
	err = errors.Join(err, a.DB.Close())
	if a.closeRedis != nil {
		err = errors.Join(err, a.closeRedis())
	}
	return err
}

// limiter is shared by all replicas through Redis when redis.url is set,
// and per process otherwise.
func (a *App) limiter() (ratelimit.Limiter, error) {
	if a.Config.Redis.URL == "" {
		return ratelimit.NewMemory(nil), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, closeFn, err := ratelimit.FromURL(ctx, a.Config.Redis.URL)
	if err != nil {
		return nil, fmt.Errorf("app: redis rate limiter: %w", err)
	}
	a.closeRedis = closeFn
	return r, nil
}

// perMinute turns a configured budget into a limit; 0 disables it.
func perMinute(n int) ratelimit.Limit {
	if n <= 0 {
		return ratelimit.Limit{}
	}
	return ratelimit.Limit{Requests: n, Window: time.Minute}
}

// PrepareSchema makes the schema current before serving: SQLite (the
// zero-setup default) is created automatically; PostgreSQL is migrated only
// by the versioned directory, and only when auto_migrate allows it.
func (a *App) PrepareSchema(ctx context.Context) error {
	if a.DB.Dialect != dialect.Postgres {
		return database.EnsureSQLiteSchema(ctx, a.DB)
	}
	st, err := dbmigrate.Status(ctx, a.DB.Session)
	if err != nil {
		return fmt.Errorf("app: migration status: %w", err)
	}
	if len(st.Pending) == 0 {
		// Apply creates them too: a server started months after its last
		// migration must not find this month without a partition. A
		// failure does not stop the server (the partitions.maintain job
		// retries, /readyz tells how far the partitions reach).
		if _, err := partition.EnsureAll(ctx, a.DB.SQL, time.Now()); err != nil {
			a.Log.WarnContext(ctx, "creating the coming months' partitions failed", "error", err)
		}
		return nil
	}
	if !a.Config.Database.AutoMigrate {
		return fmt.Errorf("%w (%d pending)", ErrPendingMigrations, len(st.Pending))
	}
	n, err := dbmigrate.Apply(ctx, a.DB.Session, a.Log)
	if err != nil {
		return fmt.Errorf("app: auto-migrate: %w", err)
	}
	a.Log.Info("applied migrations", "count", n)
	return nil
}

// Server builds the HTTP server around the API handler.
func (a *App) Server() (*server.Server, error) {
	a.Metrics = metrics.New(a.DB.SQL)
	a.Metrics.JobStates(func(ctx context.Context) (map[string]int, error) { return jobs.CountByState(ctx, a.DB.SQL) })
	if _, err := a.JobRunner(a.serveJobsMode()); err != nil {
		return nil, err
	}
	var err error
	if a.Stream, err = stream.NewHub(context.Background(), stream.Options{DB: a.DB, Log: a.Log,
		RedisURL: a.Config.Redis.URL, Retention: a.Config.Stream.Retention,
		HeartbeatInterval: a.Config.Stream.HeartbeatInterval, ClientBuffer: a.Config.Stream.ClientBuffer}); err != nil {
		return nil, err
	}
	if a.DB.Dialect == dialect.Postgres && a.Config.Auth.SessionCacheTTL > 0 {
		if a.Sessions, err = sessioncache.Start(sessioncache.Options{DB: a.DB.SQL, Listener: a.DB.Notifications(),
			TTL: a.Config.Auth.SessionCacheTTL, Log: a.Log}); err != nil {
			return nil, err
		}
	}
	ids, err := identity.New(identity.Options{
		Client: a.DB.Ent, SecretKey: a.Config.SecretKey, Auth: a.Config.Auth, Log: a.Log, Mail: a.mailQueue,
		Sessions:      a.Sessions.Cache(),
		OnAuthFailure: func(reason string) { a.Metrics.AuthFailures.WithLabelValues(reason).Inc() },
		Events:        a.Stream.Publisher(),
		BcryptCost:    a.BcryptCost,
	})
	if err != nil {
		return nil, err
	}
	limiter, err := a.limiter()
	if err != nil {
		return nil, err
	}
	files, err := storage.NewLocal(a.Config.Storage.Dir)
	if err != nil {
		return nil, err
	}
	h := api.NewHandler(api.Deps{Client: a.DB.Ent, Identity: ids, Log: a.Log, Probes: a.probes(), Approvals: a.Config.Approvals,
		Files: files, MaxUploadBytes: a.Config.Storage.MaxUploadBytes, Dialect: a.DB.Dialect, Jobs: a.Jobs,
		WorkTracking: a.Config.WorkTracking, Chat: a.Config.Chat, Events: a.Stream.Publisher(), Ledger: a.costLedger()})
	sec := api.Security{Identity: ids, Limiter: limiter, PerUser: perMinute(a.Config.RateLimit.PerUserPerMinute),
		Client: a.DB.Ent, Log: a.Log}
	ipLimits, stats := ratelimit.Middleware(limiter, ratelimit.Rules{
		PerIP:          perMinute(a.Config.RateLimit.PerIPPerMinute),
		AuthPerIP:      perMinute(a.Config.RateLimit.AuthPerIPPerMinute),
		AuthPathPrefix: "/auth/",
	}, nil, a.Log, ratelimit.WithClientIP(func(r *http.Request) string {
		return requestmeta.FromContext(r.Context()).ClientIP
	}))
	a.RateLimitStats = stats
	a.Metrics.CounterFunc("rate_limit_rejections_total", "Requests rejected by the per-IP rate limits.",
		func() float64 { return float64(stats.Rejections()) })
	return server.New(server.Options{HTTP: a.Config.HTTP, Handler: h, Security: sec, Log: a.Log,
		Metrics: a.Metrics, Limits: []middleware.Middleware{ipLimits},
		BodyLimits: uploadBodyLimit(a.Config.Storage.MaxUploadBytes), LLM: a.llmGateway(sec), Stream: a.Stream,
		MarkServiceKey: sec.MarkServiceKey, SessionBarrier: a.Sessions.Barrier})
}

// uploadRoute matches the multipart upload operations (task attachments,
// message files).
var uploadRoute = regexp.MustCompile(`^/(tasks/[^/]+/attachments|messages/[^/]+/files)$`)

// uploadBodyLimit lets upload routes take a file of maxFile bytes plus the
// multipart framing (boundaries, part headers); the handler enforces the
// exact file limit. Every other route keeps http.max_body_bytes.
func uploadBodyLimit(maxFile int64) func(r *http.Request) (int64, bool) {
	const multipartOverhead = 64 << 10
	return func(r *http.Request) (int64, bool) {
		if r.Method == http.MethodPost && uploadRoute.MatchString(r.URL.Path) {
			return maxFile + multipartOverhead, true
		}
		return 0, false
	}
}

// probes are the readiness checks. Their errors are shown by /readyz, so
// they say what is wrong without internal details (hosts, SQL).
func (a *App) probes() []api.Probe {
	probes := []api.Probe{{Name: "database", Check: func(ctx context.Context) error {
		if err := a.DB.SQL.PingContext(ctx); err != nil {
			a.Log.Warn("database ping failed", "error", err)
			return errors.New("unreachable")
		}
		return nil
	}}}
	if a.DB.Dialect == dialect.Postgres {
		every := a.DriftCheckEvery
		if every <= 0 {
			every = DefaultDriftCheckEvery
		}
		drift := &dbmigrate.DriftWatch{DB: a.DB.SQL, Every: every}
		probes = append(probes, api.Probe{Name: "migrations", Check: func(ctx context.Context) error {
			st, err := dbmigrate.Status(ctx, a.DB.SQL)
			if err != nil {
				a.Log.Warn("migration status failed", "error", err)
				return errors.New("status unknown")
			}
			if len(st.Pending) > 0 {
				return fmt.Errorf("%d pending", len(st.Pending))
			}
			if err := st.ServingErr(); err != nil {
				return err
			}
			if err := drift.Err(ctx, st); err != nil {
				if !errors.Is(err, dbmigrate.ErrDrift) {
					a.Log.Warn("drift check failed", "error", err)
					return errors.New("drift unknown")
				}
				return err
			}
			return nil
		}})
	}
	return append(probes, a.jobsProbe(), a.partitionsProbe())
}

// partitionsProbe reports, without failing readiness, a partitioned table
// with less than a month of partitions ahead: the partitions.maintain job
// has not run for a while, and once the current month ends without its
// successor, writes to that table fail.
func (a *App) partitionsProbe() api.Probe {
	return api.Probe{Name: "partitions", Informational: true, Check: func(ctx context.Context) error {
		if a.DB.Dialect != dialect.Postgres {
			return nil
		}
		now := time.Now()
		for _, table := range partition.Tables {
			until, ok, err := partition.CoveredUntil(ctx, a.DB.SQL, table, now)
			if err != nil {
				a.Log.WarnContext(ctx, "partition check failed", "table", table, "error", err)
				return errors.New("partition state unknown")
			}
			if ok && until.IsZero() {
				return fmt.Errorf("%s has no partition for this month: writes to it fail; run the partitions.maintain job", table)
			}
			if ok && until.Before(now.AddDate(0, 1, 0)) {
				return fmt.Errorf("%s has partitions only until %s: run the partitions.maintain job", table, until.Format(time.DateOnly))
			}
		}
		ids, ok, err := partition.BlocksAheadOf(ctx, a.DB.SQL)
		if err != nil {
			a.Log.WarnContext(ctx, "partition check failed", "table", partition.BlockTable, "error", err)
			return errors.New("partition state unknown")
		}
		if ok && ids < partition.BlocksAhead/2*partition.BlockSize {
			return fmt.Errorf("%s has partitions for only %d more events: run the partitions.maintain job", partition.BlockTable, ids)
		}
		return nil
	}}
}
