// Package config loads, validates and describes the WorkSynapse runtime
// configuration.
//
// Values are resolved from four layers, lowest precedence first:
//
//  1. built-in defaults (see Keys and the repository's config.yaml),
//  2. a YAML config file (explicit path, else ./config.yaml if present),
//  3. environment variables named WORKSYNAPSE_<SECTION>_<KEY>,
//  4. command-line flags named after the key (e.g. --http.addr).
//
// Load always validates the result, so a *Config obtained from it is safe to
// use. The secret material it holds is never rendered by String, GoString or
// LogValue.
package config

import (
	"strings"
	"time"
)

// Supported values of Config.Environment.
const (
	Development = "development"
	Production  = "production"
)

// envPrefix namespaces every environment variable so the service never
// picks up unrelated variables such as a generic DATABASE_URL by accident.
const envPrefix = "WORKSYNAPSE"

// Config is the complete runtime configuration. The mapstructure tags are the
// key names used in config.yaml; see Keys for the flattened list.
type Config struct {
	// Environment is "development" or "production"; production refuses a
	// missing, default or short secret_key and requires audit.signing_key.
	Environment string `mapstructure:"environment"`
	// SecretKey signs tokens and seals secrets, at least 32 random bytes
	// (e.g. `openssl rand -hex 32`). A secret: set it in the environment.
	// Development without one uses an ephemeral key and warns.
	SecretKey string          `mapstructure:"secret_key"`
	HTTP      HTTPConfig      `mapstructure:"http"`
	Database  DatabaseConfig  `mapstructure:"database"`
	Log       LogConfig       `mapstructure:"log"`
	Redis     RedisConfig     `mapstructure:"redis"`
	RateLimit RateLimitConfig `mapstructure:"rate_limit"`
	Auth      AuthConfig      `mapstructure:"auth"`
	Mail      MailConfig      `mapstructure:"mail"`
	Storage   StorageConfig   `mapstructure:"storage"`
	Jobs      JobsConfig      `mapstructure:"jobs"`
	Audit     AuditConfig     `mapstructure:"audit"`
	// WorkTracking configures work logs and the desktop tracker's ingestion.
	WorkTracking WorkTrackingConfig `mapstructure:"worktracking"`
	Chat         ChatConfig         `mapstructure:"chat"`
	// LLM configures the LLM gateway's providers.
	LLM   LLMConfig   `mapstructure:"llm"`
	Guard GuardConfig `mapstructure:"guard"`
	// Stream configures the real-time event stream (GET /stream).
	Stream StreamConfig `mapstructure:"stream"`
	// Approvals configures agent tool actions and their approval.
	Approvals ApprovalsConfig `mapstructure:"approvals"`
	// Ledger configures the LLM cost ledger.
	Ledger LedgerConfig `mapstructure:"ledger"`
}

// StreamConfig configures the real-time event stream.
type StreamConfig struct {
	// Retention is how long events stay resumable with Last-Event-ID;
	// older ones are pruned and a client behind them is told to resync.
	Retention time.Duration `mapstructure:"retention"`
	// HeartbeatInterval is the gap between keep-alive comments.
	HeartbeatInterval time.Duration `mapstructure:"heartbeat_interval"`
	// ClientBuffer is how many events may wait for one slow client before
	// it is disconnected (it reconnects and resumes).
	ClientBuffer int `mapstructure:"client_buffer"`
}

// HTTPConfig configures the HTTP server.
type HTTPConfig struct {
	// Addr is the listen address (host:port); the default accepts only
	// local connections.
	Addr string `mapstructure:"addr"`
	// ReadHeaderTimeout bounds reading request headers (slowloris).
	ReadHeaderTimeout time.Duration `mapstructure:"read_header_timeout"`
	// ReadTimeout bounds reading the whole request, body included.
	ReadTimeout time.Duration `mapstructure:"read_timeout"`
	// WriteTimeout bounds writing the response (not applied to /stream).
	WriteTimeout time.Duration `mapstructure:"write_timeout"`
	// IdleTimeout is how long an idle keep-alive connection stays open.
	IdleTimeout time.Duration `mapstructure:"idle_timeout"`
	// RequestTimeout is the deadline put on each request's context.
	RequestTimeout time.Duration `mapstructure:"request_timeout"`
	// ShutdownTimeout is the grace period of requests in flight on SIGTERM.
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
	// MaxBodyBytes is the largest request body (413 beyond); uploads have
	// storage.max_upload_bytes instead.
	MaxBodyBytes int64 `mapstructure:"max_body_bytes"`
	// CORSAllowedOrigins lists origins allowed to make cross-origin calls;
	// empty disables CORS entirely.
	CORSAllowedOrigins []string `mapstructure:"cors_allowed_origins"`
	// TLSProxy reports that a TLS-terminating proxy sits in front of the
	// server: the client IP is taken from X-Forwarded-For (rate limits,
	// logs) and responses carry HSTS headers.
	TLSProxy bool `mapstructure:"tls_proxy"`
}

// DatabaseConfig configures the SQL database.
type DatabaseConfig struct {
	// URL selects an external database; empty means the embedded SQLite
	// database at SQLitePath. A postgres:// URL may hold a password: it is
	// redacted in every rendering of the configuration.
	URL string `mapstructure:"url"`
	// DirectURL reaches PostgreSQL without a transaction-mode pooler when
	// URL points at one (PgBouncer): migrations and their advisory lock
	// and the stream's LISTEN need a session of their own. Empty: URL.
	DirectURL string `mapstructure:"direct_url"`
	// SQLitePath is the embedded database's file, used when URL is empty.
	SQLitePath string `mapstructure:"sqlite_path"`
	// AutoMigrate applies pending PostgreSQL migrations at startup; off,
	// serve refuses to start until `worksynapse migrate apply` has run.
	AutoMigrate bool `mapstructure:"auto_migrate"`
	// MaxOpenConns is the connection pool's size per process.
	MaxOpenConns int `mapstructure:"max_open_conns"`
	// MaxIdleConns is how many idle connections the pool keeps.
	MaxIdleConns int `mapstructure:"max_idle_conns"`
	// ConnMaxLifetime recycles pooled connections after this long.
	ConnMaxLifetime time.Duration `mapstructure:"conn_max_lifetime"`
	// PreparedStatements sends reads and writes outside transactions as
	// prepared statements, planned once per connection (PostgreSQL). Never
	// through a transaction-mode pooler: off when direct_url is set, and
	// on only once a LISTEN over url hears a NOTIFY sent through it.
	PreparedStatements bool `mapstructure:"prepared_statements"`
}

// LogConfig configures structured logging.
type LogConfig struct {
	// Level is the lowest level logged: debug, info, warn or error.
	Level string `mapstructure:"level"`
	// Format is json (log/slog's JSON handler) or text.
	Format string `mapstructure:"format"`
}

// RedisConfig configures the optional Redis connection.
type RedisConfig struct {
	// URL (redis://host:6379/0) shares rate limits and the stream's fan-out
	// across replicas; empty disables Redis.
	URL string `mapstructure:"url"`
}

// RateLimitConfig sets request budgets per minute; 0 disables a limit.
// With redis.url set the budgets are shared by all replicas.
type RateLimitConfig struct {
	// PerIPPerMinute is the budget of one client IP (429 with Retry-After
	// beyond).
	PerIPPerMinute int `mapstructure:"per_ip_per_minute"`
	// AuthPerIPPerMinute is the stricter budget of one client IP on /auth/*
	// (login, register, refresh).
	AuthPerIPPerMinute int `mapstructure:"auth_per_ip_per_minute"`
	// PerUserPerMinute is the budget of one signed-in user across IPs.
	PerUserPerMinute int `mapstructure:"per_user_per_minute"`
}

// AuthConfig configures authentication and token issuance.
type AuthConfig struct {
	// RegistrationEnabled lets anyone sign up with POST /auth/register.
	RegistrationEnabled bool `mapstructure:"registration_enabled"`
	// AccessTokenTTL is the lifetime of access tokens (HS256 JWTs).
	AccessTokenTTL time.Duration `mapstructure:"access_token_ttl"`
	// RefreshTokenTTL is the lifetime of refresh tokens (rotated on use).
	RefreshTokenTTL time.Duration `mapstructure:"refresh_token_ttl"`
	// SessionCacheTTL is the longest a replica serves a verified session
	// (user state, memberships, roles) from memory; changes reach every
	// replica at once regardless, this only bounds an entry's life. 0
	// queries the database on every request. PostgreSQL only.
	SessionCacheTTL time.Duration `mapstructure:"session_cache_ttl"`
	// Issuer is the tokens' "iss" claim, checked on every request.
	Issuer string `mapstructure:"issuer"`
	// Audience is the tokens' "aud" claim, checked on every request.
	Audience string `mapstructure:"audience"`
	// BcryptCost is the work factor of password hashes, 10 to 14.
	BcryptCost int `mapstructure:"bcrypt_cost"`
	// Lockout locks an account for a while after repeated failed logins.
	Lockout LockoutConfig `mapstructure:"lockout"`
	// ServiceAPIKey authenticates machine-to-machine calls (X-API-Key on
	// operations listing the serviceKey scheme); empty disables service
	// authentication. A secret, at least 32 bytes in production.
	ServiceAPIKey string `mapstructure:"service_api_key"`
}

// LockoutConfig configures temporary account lockout after failed logins.
type LockoutConfig struct {
	// MaxAttempts is how many failed logins lock the account.
	MaxAttempts int `mapstructure:"max_attempts"`
	// Duration is how long a locked account stays locked.
	Duration time.Duration `mapstructure:"duration"`
}

// MailConfig configures outgoing email (verification, password reset).
type MailConfig struct {
	// SMTPAddr is the relay's host:port; empty keeps messages in memory
	// (development) instead of sending them.
	SMTPAddr string `mapstructure:"smtp_addr"`
	// From is the sender, e.g. "WorkSynapse <no-reply@example.com>".
	From string `mapstructure:"from"`
	// Username authenticates to the relay (AUTH PLAIN, only over TLS);
	// empty disables authentication.
	Username string `mapstructure:"username"`
	// Password goes with Username. A secret: set it in the environment.
	Password string `mapstructure:"password"`
	// OutboxFile, development only, appends every message kept in memory
	// as a JSON line to this file so a browser or end-to-end test can read
	// the verification and reset tokens. Refused in production.
	OutboxFile string `mapstructure:"outbox_file"`
}

// StorageConfig configures where uploaded files (task attachments) live.
type StorageConfig struct {
	// Dir is the local directory holding uploaded files (task attachments,
	// chat files) under random keys.
	Dir string `mapstructure:"dir"`
	// MaxUploadBytes caps one uploaded file; the upload routes get a body
	// limit this large (plus multipart overhead) instead of http.max_body_bytes.
	MaxUploadBytes int64 `mapstructure:"max_upload_bytes"`
}

// JobsConfig configures the background job system (River) and the
// intervals of the periodic jobs; an interval of 0 disables that job.
type JobsConfig struct {
	// Enabled runs job workers in this process. Replicas that only serve
	// HTTP may turn it off; jobs are still enqueued.
	Enabled bool `mapstructure:"enabled"`
	// Workers is how many jobs this process runs at once.
	Workers int `mapstructure:"workers"`
	// PollInterval is how often idle workers look for new jobs.
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// SessionCleanupInterval schedules the removal of expired sessions
	// and one-time tokens (job session.cleanup).
	SessionCleanupInterval time.Duration `mapstructure:"session_cleanup_interval"`
	// SessionRetention is how long an expired or revoked session stays
	// listed before it is removed.
	SessionRetention time.Duration `mapstructure:"session_retention"`
	// AuditSealInterval schedules audit sealing (job audit.seal).
	AuditSealInterval time.Duration `mapstructure:"audit_seal_interval"`
	// AuditRetentionInterval schedules the export and removal of audit rows
	// past their organization's retention (job audit.retention).
	AuditRetentionInterval time.Duration `mapstructure:"audit_retention_interval"`
	// ProductivityRollupInterval schedules the recomputation of today's
	// and yesterday's productivity summaries.
	ProductivityRollupInterval time.Duration `mapstructure:"productivity_rollup_interval"`
	// BudgetReleaseInterval schedules the release of LLM budget
	// reservations whose call never settled (job budget.release_expired).
	BudgetReleaseInterval time.Duration `mapstructure:"budget_release_interval"`
	// CostRollupInterval schedules the AgentCostLog rollup of yesterday,
	// today and days that received late reports (job cost.rollup).
	CostRollupInterval time.Duration `mapstructure:"cost_rollup_interval"`
	// StreamPruneInterval schedules the removal of stream events past
	// stream.retention (job stream.prune).
	StreamPruneInterval time.Duration `mapstructure:"stream_prune_interval"`
	// ApprovalExpiryInterval schedules the rejection of tool actions whose
	// approval timed out (job approvals.expire; also applied on read).
	ApprovalExpiryInterval time.Duration `mapstructure:"approval_expiry_interval"`
	// PartitionMaintenanceInterval schedules the creation of the coming
	// months' partitions and the drop of months past retention (job
	// partitions.maintain; PostgreSQL only).
	PartitionMaintenanceInterval time.Duration `mapstructure:"partition_maintenance_interval"`
	// CapturePurgeInterval schedules the removal of captured LLM prompts
	// and responses past each organization's llm_capture_retention_days.
	CapturePurgeInterval time.Duration `mapstructure:"capture_purge_interval"`
}

// AuditConfig configures tamper evidence (seals) and retention of the
// audit tables; see internal/audit.
type AuditConfig struct {
	// SigningKey is the base64 Ed25519 seed (32 bytes) or private key (64
	// bytes) that signs seals. Required in production; development derives
	// one from secret_key (see checkAudit).
	SigningKey string `mapstructure:"signing_key"`
	// SigningKeyID names SigningKey in each seal; empty derives one from
	// the public key, so rotating keys rotates ids.
	SigningKeyID string `mapstructure:"signing_key_id"`
	// VerifyKeys are older public keys still trusted for verification, as
	// "KEY_ID=BASE64_PUBLIC_KEY" entries.
	VerifyKeys []string `mapstructure:"verify_keys"`
	// SealDir receives a JSON copy of every seal, with per-row hashes, for
	// external storage; empty disables the files (verify then detects but
	// cannot name a changed row).
	SealDir string `mapstructure:"seal_dir"`
	// SealMinAge is how old a row must be before it is sealed, so
	// transactions still in flight have committed their rows.
	SealMinAge time.Duration `mapstructure:"seal_min_age"`
	// RetentionDir receives the JSONL exports of rows past retention.
	RetentionDir string `mapstructure:"retention_dir"`
	// ActivityLogRetentionMonths drops whole months of activity_logs
	// (PostgreSQL partitions; sealed, then exported to retention_dir) once
	// older than the current month and this many full months before it;
	// 0 keeps every month. An organization's shorter audit_retention_days
	// still applies, row by row.
	ActivityLogRetentionMonths int `mapstructure:"activity_log_retention_months"`
	// SecurityLogRetentionMonths is ActivityLogRetentionMonths for
	// security_audit_logs.
	SecurityLogRetentionMonths int `mapstructure:"security_log_retention_months"`
}

// WorkTrackingConfig configures work logs and tracker ingestion.
type WorkTrackingConfig struct {
	// AllowOverlaps lets one user's work logs overlap in time (e.g. when
	// several tasks are billed in parallel); off, an overlap is a 409.
	AllowOverlaps bool `mapstructure:"allow_overlaps"`
	// ClockSkewTolerance is how far in the future a tracker record may
	// end (it is clamped to the server's clock); beyond, it is rejected.
	ClockSkewTolerance time.Duration `mapstructure:"clock_skew_tolerance"`
	// RawRetentionMonths drops whole months of the tracker's raw records
	// (app_usages, idle_periods: PostgreSQL partitions, by when each was
	// stored) once older than the current month and this many full months
	// before it; 0 keeps every month. Productivity summaries stay.
	RawRetentionMonths int `mapstructure:"raw_retention_months"`
}

// ChatConfig configures chat messages and their files.
type ChatConfig struct {
	// MaxMessageLength caps a message body in characters (422 beyond); at
	// most MaxChatMessageLength (65536).
	MaxMessageLength int `mapstructure:"max_message_length"`
	// FileContentTypes lists the media types (as sniffed from the bytes,
	// without parameters) a message file may have; others are refused
	// with 422. The size limit is storage.max_upload_bytes.
	FileContentTypes []string `mapstructure:"file_content_types"`
}

// LLMConfig configures the LLM gateway (POST /llm/v1/chat/completions).
type LLMConfig struct {
	// Timeout bounds one provider call, streamed or not (504 beyond).
	Timeout time.Duration `mapstructure:"timeout"`
	// DefaultMaxTokens is sent and reserved for when neither the request
	// nor the agent's parameters set max_tokens.
	DefaultMaxTokens int `mapstructure:"default_max_tokens"`
	// OpenAICompatible serves agents with provider openai_compatible
	// (OpenAI, Azure, vLLM, Ollama ...).
	OpenAICompatible LLMProviderConfig `mapstructure:"openai_compatible"`
	// Anthropic serves agents with provider anthropic (Messages API).
	Anthropic LLMProviderConfig `mapstructure:"anthropic"`
}

// LLMProviderConfig is how to reach one provider. APIKey is a secret: set
// it through the environment; it is never returned or logged.
type LLMProviderConfig struct {
	// BaseURL is the provider's API root, version prefix included.
	BaseURL string `mapstructure:"base_url"`
	// APIKey is a secret: set it in the environment; it is never returned,
	// logged or shown in configuration dumps.
	APIKey string `mapstructure:"api_key"`
}

// MaxChatMessageLength is the highest chat.max_message_length accepted
// (the database column's bound).
const MaxChatMessageLength = 65536

// setting is one configuration key with its built-in default.
type setting struct {
	key   string
	value any
}

// defaults is the single source of truth for the key list and the built-in
// values. Every key must appear here: besides providing the default, it is
// what lets the environment and flag layers know which keys exist.
// config.yaml mirrors this table and a test keeps the two in sync.
var defaults = []setting{
	{"environment", Development},
	{"secret_key", ""},

	{"http.addr", "127.0.0.1:8080"},
	{"http.read_header_timeout", 10 * time.Second},
	{"http.read_timeout", 30 * time.Second},
	{"http.write_timeout", 60 * time.Second},
	{"http.idle_timeout", 120 * time.Second},
	{"http.request_timeout", 30 * time.Second},
	{"http.shutdown_timeout", 20 * time.Second},
	{"http.max_body_bytes", int64(1 << 20)},
	{"http.cors_allowed_origins", []string{}},
	{"http.tls_proxy", false},

	{"database.url", ""},
	{"database.direct_url", ""},
	{"database.sqlite_path", "./data/worksynapse.db"},
	{"database.auto_migrate", false},
	{"database.max_open_conns", 20},
	{"database.max_idle_conns", 10},
	{"database.conn_max_lifetime", 30 * time.Minute},
	{"database.prepared_statements", true},

	{"log.level", "info"},
	{"log.format", "json"},

	{"redis.url", ""},

	{"rate_limit.per_ip_per_minute", 600},
	{"rate_limit.auth_per_ip_per_minute", 30},
	{"rate_limit.per_user_per_minute", 1200},

	{"auth.registration_enabled", true},
	{"auth.access_token_ttl", 15 * time.Minute},
	{"auth.session_cache_ttl", 30 * time.Second},
	{"auth.refresh_token_ttl", 720 * time.Hour},
	{"auth.issuer", "worksynapse"},
	{"auth.audience", "worksynapse-api"},
	{"auth.bcrypt_cost", 12},
	{"auth.lockout.max_attempts", 5},
	{"auth.lockout.duration", 15 * time.Minute},
	{"auth.service_api_key", ""},

	{"mail.smtp_addr", ""},
	{"mail.from", "WorkSynapse <no-reply@localhost>"},
	{"mail.username", ""},
	{"mail.password", ""},
	{"mail.outbox_file", ""},

	{"storage.dir", "./data/files"},
	{"storage.max_upload_bytes", int64(25 << 20)},

	{"jobs.enabled", true},
	{"jobs.workers", 4},
	{"jobs.poll_interval", time.Second},
	{"jobs.session_cleanup_interval", time.Hour},
	{"jobs.session_retention", 7 * 24 * time.Hour},
	{"jobs.audit_seal_interval", time.Minute},
	{"jobs.audit_retention_interval", 24 * time.Hour},
	{"jobs.productivity_rollup_interval", time.Hour},
	{"jobs.budget_release_interval", time.Minute},
	{"jobs.cost_rollup_interval", time.Hour},
	{"jobs.stream_prune_interval", time.Hour},
	{"jobs.approval_expiry_interval", time.Minute},
	{"jobs.capture_purge_interval", 24 * time.Hour},
	{"jobs.partition_maintenance_interval", 6 * time.Hour},

	{"audit.signing_key", ""},
	{"audit.signing_key_id", ""},
	{"audit.verify_keys", []string{}},
	{"audit.seal_dir", "./data/audit/seals"},
	{"audit.seal_min_age", 2 * time.Minute},
	{"audit.retention_dir", "./data/audit/retention"},
	{"audit.activity_log_retention_months", 0},
	{"audit.security_log_retention_months", 0},

	{"worktracking.allow_overlaps", false},
	{"worktracking.clock_skew_tolerance", 5 * time.Minute},
	{"worktracking.raw_retention_months", 0},

	{"chat.max_message_length", 16000},
	{"chat.file_content_types", []string{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "application/zip"}},

	{"llm.timeout", 120 * time.Second},
	{"llm.default_max_tokens", 4096},
	{"llm.openai_compatible.base_url", "https://api.openai.com/v1"},
	{"llm.openai_compatible.api_key", ""},
	{"llm.anthropic.base_url", "https://api.anthropic.com"},
	{"llm.anthropic.api_key", ""},

	{"guard.extra_patterns", []string{}},

	{"stream.retention", 24 * time.Hour},
	{"stream.heartbeat_interval", 25 * time.Second},
	{"stream.client_buffer", 256},

	{"approvals.default_ttl", 15 * time.Minute},
	{"approvals.max_wait", 25 * time.Second},
	{"approvals.max_output_bytes", 65536},

	{"ledger.unpriced_with_budget", "deny"},
	{"ledger.call_retention_months", 0},
}

// Keys returns every configuration key in dotted form (e.g. "http.addr"),
// in documentation order. The slice is a fresh copy.
func Keys() []string {
	keys := make([]string, len(defaults))
	for i, s := range defaults {
		keys[i] = s.key
	}
	return keys
}

// EnvVar returns the environment variable that overrides key, e.g.
// "auth.lockout.max_attempts" -> "WORKSYNAPSE_AUTH_LOCKOUT_MAX_ATTEMPTS".
func EnvVar(key string) string {
	return envPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// IsProduction reports whether the service runs in production mode.
func (c *Config) IsProduction() bool {
	return c.Environment == Production
}

// SessionURL is the URL for work that needs a database session of its own
// (migrations, LISTEN): database.direct_url, else database.url.
func (d DatabaseConfig) SessionURL() string {
	if d.DirectURL != "" {
		return d.DirectURL
	}
	return d.URL
}

// UsesSQLite reports whether the embedded SQLite database is selected: either
// no database URL is configured or the URL itself points at SQLite.
func (c *Config) UsesSQLite() bool {
	u := strings.ToLower(c.Database.URL)
	return u == "" || strings.HasPrefix(u, "sqlite:") || strings.HasPrefix(u, "file:")
}
