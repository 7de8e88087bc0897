package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
)

var (
	// ErrInvalid is wrapped by every validation error about an out-of-range
	// or malformed value.
	ErrInvalid = errors.New("invalid value")
	// ErrInsecureSecretKey is wrapped when production mode is refused
	// because the secret key is missing, too short or a known placeholder.
	ErrInsecureSecretKey = errors.New("insecure secret key")
)

// minSecretKeyBytes is the shortest accepted secret: 256 bits, the key size
// of HMAC-SHA256, so the key is never the weakest link of a signature.
const minSecretKeyBytes = 32

// knownPlaceholders are values that appear in examples and tutorials. They
// are public knowledge, so a key equal to one of them protects nothing.
var knownPlaceholders = []string{
	"change-me", "changeme", "change_me", "secret", "secret-key", "secret_key",
	"development-secret", "dev-secret", "test-secret", "your-secret-key", "password",
}

// placeholderMarkers catch long placeholders such as
// "change-me-to-a-32-byte-random-string" that would pass the length check.
var placeholderMarkers = []string{
	"change-me", "changeme", "change_me", "replace-me", "replaceme", "placeholder", "your-secret",
}

// checker accumulates problems so that Validate reports all of them at once
// instead of making the operator fix one per restart.
type checker struct {
	errs     []error
	warnings []string
}

// fail records an ErrInvalid for key; the message names the environment
// variable because that is how most deployments set values.
func (ch *checker) fail(key, format string, args ...any) {
	ch.errs = append(ch.errs, fmt.Errorf("config: %s (%s): %w: %s",
		key, EnvVar(key), ErrInvalid, fmt.Sprintf(format, args...)))
}

// retentionMonths checks a retention in whole months (0 keeps every
// month).
func (ch *checker) retentionMonths(key string, months int) {
	if months < 0 || months > 1200 {
		ch.fail(key, "must be between 0 (keep every month) and 1200, got %d", months)
	}
}

func (ch *checker) warn(key, format string, args ...any) {
	ch.warnings = append(ch.warnings, fmt.Sprintf("config: %s (%s): %s",
		key, EnvVar(key), fmt.Sprintf(format, args...)))
}

// Validate checks every value and reports all problems joined into one
// error. In development it also replaces a missing or weak secret key with
// an ephemeral random one (reported as a warning), which is why it needs a
// pointer receiver. Neither errors nor warnings ever contain secret values.
func (c *Config) Validate() (warnings []string, err error) {
	var ch checker
	c.checkEnvironment(&ch)
	c.checkAudit(&ch) // before checkSecretKey replaces a weak key
	c.checkSecretKey(&ch)
	c.checkServiceAPIKey(&ch)
	c.checkDurations(&ch)
	c.checkHTTP(&ch)
	c.checkDatabase(&ch)
	c.checkLog(&ch)
	c.checkRedis(&ch)
	c.checkRateLimit(&ch)
	c.checkAuth(&ch)
	c.checkMail(&ch)
	c.checkStorage(&ch)
	c.checkJobs(&ch)
	if c.WorkTracking.ClockSkewTolerance < 0 {
		ch.fail("worktracking.clock_skew_tolerance", "must not be negative, got %s", c.WorkTracking.ClockSkewTolerance)
	}
	ch.retentionMonths("worktracking.raw_retention_months", c.WorkTracking.RawRetentionMonths)
	c.checkChat(&ch)
	c.checkLLM(&ch)
	c.checkGuard(&ch)
	c.checkApprovals(&ch)
	c.checkLedger(&ch)
	return ch.warnings, errors.Join(ch.errs...)
}

// ValidateDatabase checks only what a database-only command (migrate
// status/plan/apply/lint) uses: the environment, database and logging.
// A DBA inspecting a production database needs its URL, not the server's
// signing secrets, which therefore stay out of such commands entirely.
func (c *Config) ValidateDatabase() (warnings []string, err error) {
	var ch checker
	c.checkEnvironment(&ch)
	c.checkDatabase(&ch)
	c.checkLog(&ch)
	return ch.warnings, errors.Join(ch.errs...)
}

func (c *Config) checkEnvironment(ch *checker) {
	if c.Environment != Development && c.Environment != Production {
		ch.fail("environment", "must be %q or %q, got %q", Development, Production, c.Environment)
	}
}

// checkSecretKey refuses to run production with a guessable key, but keeps
// development friction-free by minting a throwaway key instead.
func (c *Config) checkSecretKey(ch *checker) {
	problem := secretProblem(c.SecretKey)
	if problem == "" {
		return
	}
	if c.IsProduction() {
		ch.errs = append(ch.errs, fmt.Errorf(
			"config: secret_key (%s): %w: %s; production requires at least %d random bytes, e.g. `openssl rand -hex 32`",
			EnvVar("secret_key"), ErrInsecureSecretKey, problem, minSecretKeyBytes))
		return
	}
	c.SecretKey = ephemeralKey()
	ch.warn("secret_key", "%s; using an ephemeral random key, so sessions and tokens will not survive a restart", problem)
}

// checkServiceAPIKey applies the secret rules to the optional service key:
// empty disables it, but a weak one would be a backdoor.
func (c *Config) checkServiceAPIKey(ch *checker) {
	if c.Auth.ServiceAPIKey == "" {
		return
	}
	problem := secretProblem(c.Auth.ServiceAPIKey)
	switch {
	case problem == "":
	case c.IsProduction():
		ch.fail("auth.service_api_key", "%s; production requires at least %d random bytes", problem, minSecretKeyBytes)
	default:
		ch.warn("auth.service_api_key", "%s; this would be refused in production", problem)
	}
}

// secretProblem describes why a secret is unacceptable, or returns "". The
// description deliberately never quotes the value.
func secretProblem(secret string) string {
	switch {
	case secret == "":
		return "is not set"
	case isPlaceholder(secret):
		return "is a known placeholder value"
	case len(secret) < minSecretKeyBytes:
		return fmt.Sprintf("is shorter than %d bytes", minSecretKeyBytes)
	}
	return ""
}

func isPlaceholder(secret string) bool {
	s := strings.ToLower(strings.TrimSpace(secret))
	if slices.Contains(knownPlaceholders, s) {
		return true
	}
	return slices.ContainsFunc(placeholderMarkers, func(m string) bool { return strings.Contains(s, m) })
}

// ephemeralKey returns 32 random bytes, hex encoded. crypto/rand.Read
// cannot fail since Go 1.24 (it aborts the process instead), so there is no
// error to handle.
func ephemeralKey() string {
	b := make([]byte, minSecretKeyBytes)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// checkDurations rejects zero and negative durations: for timeouts they
// would mean "no limit" (or immediate failure) and for TTLs they would mint
// already-expired tokens; neither is ever intended.
func (c *Config) checkDurations(ch *checker) {
	durations := []struct {
		key string
		val time.Duration
	}{
		{"http.read_header_timeout", c.HTTP.ReadHeaderTimeout},
		{"http.read_timeout", c.HTTP.ReadTimeout},
		{"http.write_timeout", c.HTTP.WriteTimeout},
		{"http.idle_timeout", c.HTTP.IdleTimeout},
		{"http.request_timeout", c.HTTP.RequestTimeout},
		{"http.shutdown_timeout", c.HTTP.ShutdownTimeout},
		{"database.conn_max_lifetime", c.Database.ConnMaxLifetime},
		{"auth.access_token_ttl", c.Auth.AccessTokenTTL},
		{"auth.refresh_token_ttl", c.Auth.RefreshTokenTTL},
		{"auth.lockout.duration", c.Auth.Lockout.Duration},
	}
	for _, d := range durations {
		if d.val <= 0 {
			ch.fail(d.key, "must be a positive duration such as \"30s\", got %s", d.val)
		}
	}
}

func (c *Config) checkHTTP(ch *checker) {
	if blank(c.HTTP.Addr) {
		ch.fail("http.addr", "must not be empty")
	}
	if c.HTTP.MaxBodyBytes <= 0 {
		ch.fail("http.max_body_bytes", "must be greater than zero, got %d", c.HTTP.MaxBodyBytes)
	}
	for _, origin := range c.HTTP.CORSAllowedOrigins {
		c.checkOrigin(ch, origin)
	}
}

// checkOrigin accepts "*" or a bare scheme://host[:port] origin, which is
// what browsers send in the Origin header; anything else never matches.
func (c *Config) checkOrigin(ch *checker, origin string) {
	const key = "http.cors_allowed_origins"
	if origin == "*" {
		if c.IsProduction() {
			ch.warn(key, "\"*\" lets any website call the API from a browser")
		}
		return
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		ch.fail(key, "%q is not an origin such as https://app.example.com", origin)
	}
}

// checkDatabase never quotes the URL: it may embed a password.
func (c *Config) checkDatabase(ch *checker) {
	db := c.Database
	switch {
	case db.URL == "" && blank(db.SQLitePath):
		ch.fail("database.sqlite_path", "must not be empty when database.url is unset")
	case !c.UsesSQLite():
		if u, err := url.Parse(db.URL); err != nil || u.Scheme == "" {
			ch.fail("database.url", "must be a URL such as postgres://user:password@host:5432/dbname")
		}
	}
	if db.DirectURL != "" {
		if u, err := url.Parse(db.DirectURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			ch.fail("database.direct_url", "must be a postgres:// URL such as postgres://user:password@db-host:5432/dbname")
		} else if c.UsesSQLite() {
			ch.fail("database.direct_url", "is for PostgreSQL behind a pooler: set database.url too")
		}
	}
	if db.MaxOpenConns < 1 {
		ch.fail("database.max_open_conns", "must be at least 1, got %d", db.MaxOpenConns)
	}
	if db.MaxIdleConns < 0 {
		ch.fail("database.max_idle_conns", "must not be negative, got %d", db.MaxIdleConns)
	}
}

func (c *Config) checkLog(ch *checker) {
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		ch.fail("log.level", "must be one of debug, info, warn, error, got %q", c.Log.Level)
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		ch.fail("log.format", "must be json or text, got %q", c.Log.Format)
	}
}

// checkRedis never quotes the URL: it may embed a password.
func (c *Config) checkRedis(ch *checker) {
	if c.Redis.URL == "" {
		return
	}
	u, err := url.Parse(c.Redis.URL)
	if err != nil || !slices.Contains([]string{"redis", "rediss", "unix"}, u.Scheme) {
		ch.fail("redis.url", "must be a URL such as redis://host:6379/0 (schemes redis, rediss, unix)")
	}
}

func (c *Config) checkAuth(ch *checker) {
	a := c.Auth
	// Below 10, leaked hashes are cheap to brute-force; each step doubles
	// the work, and above 14 a single login burns around a second of CPU,
	// which turns the login endpoint into a denial-of-service vector.
	if a.BcryptCost < 10 || a.BcryptCost > 14 {
		ch.fail("auth.bcrypt_cost", "must be between 10 and 14, got %d", a.BcryptCost)
	}
	if blank(a.Issuer) {
		ch.fail("auth.issuer", "must not be empty")
	}
	if blank(a.Audience) {
		ch.fail("auth.audience", "must not be empty")
	}
	if a.Lockout.MaxAttempts < 1 {
		ch.fail("auth.lockout.max_attempts", "must be at least 1, got %d", a.Lockout.MaxAttempts)
	}
	if a.SessionCacheTTL < 0 || a.SessionCacheTTL > 5*time.Minute {
		ch.fail("auth.session_cache_ttl", "must be between 0 (no cache) and 5m, got %s", a.SessionCacheTTL)
	}
	if a.AccessTokenTTL > 0 && a.RefreshTokenTTL > 0 && a.RefreshTokenTTL <= a.AccessTokenTTL {
		ch.fail("auth.refresh_token_ttl", "must be longer than auth.access_token_ttl (%s), got %s",
			a.AccessTokenTTL, a.RefreshTokenTTL)
	}
}

// checkMail never quotes the password.
func (c *Config) checkMail(ch *checker) {
	m := c.Mail
	if _, err := mail.ParseAddress(m.From); err != nil {
		ch.fail("mail.from", "must be an address such as \"WorkSynapse <no-reply@example.com>\"")
	}
	if m.SMTPAddr != "" {
		if host, port, err := net.SplitHostPort(m.SMTPAddr); err != nil || host == "" || port == "" {
			ch.fail("mail.smtp_addr", "must be host:port such as smtp.example.com:587, got %q", m.SMTPAddr)
		}
	}
	if m.Password != "" && m.Username == "" {
		ch.fail("mail.password", "is set but mail.username is empty")
	}
	if m.OutboxFile != "" && c.IsProduction() {
		ch.fail("mail.outbox_file", "is for development only: it writes live verification and reset tokens to disk")
	}
}

func (c *Config) checkStorage(ch *checker) {
	if blank(c.Storage.Dir) {
		ch.fail("storage.dir", "must not be empty")
	}
	if c.Storage.MaxUploadBytes < 1 {
		ch.fail("storage.max_upload_bytes", "must be at least 1, got %d", c.Storage.MaxUploadBytes)
	}
}

func (c *Config) checkJobs(ch *checker) {
	j := c.Jobs
	if j.Workers < 1 || j.Workers > 1000 {
		ch.fail("jobs.workers", "must be between 1 and 1000, got %d", j.Workers)
	}
	if j.PollInterval < 10*time.Millisecond {
		ch.fail("jobs.poll_interval", "must be at least 10ms, got %s", j.PollInterval)
	}
	for key, d := range map[string]time.Duration{
		"jobs.session_cleanup_interval":       j.SessionCleanupInterval,
		"jobs.session_retention":              j.SessionRetention,
		"jobs.audit_seal_interval":            j.AuditSealInterval,
		"jobs.audit_retention_interval":       j.AuditRetentionInterval,
		"jobs.productivity_rollup_interval":   j.ProductivityRollupInterval,
		"jobs.budget_release_interval":        j.BudgetReleaseInterval,
		"jobs.cost_rollup_interval":           j.CostRollupInterval,
		"jobs.stream_prune_interval":          j.StreamPruneInterval,
		"jobs.approval_expiry_interval":       j.ApprovalExpiryInterval,
		"jobs.capture_purge_interval":         j.CapturePurgeInterval,
		"jobs.partition_maintenance_interval": j.PartitionMaintenanceInterval,
	} {
		if d < 0 || (d > 0 && d < time.Second) {
			ch.fail(key, "must be 0 (disabled) or at least 1s, got %s", d)
		}
	}
}

func (c *Config) checkChat(ch *checker) {
	if n := c.Chat.MaxMessageLength; n < 1 || n > MaxChatMessageLength {
		ch.fail("chat.max_message_length", "must be between 1 and %d, got %d", MaxChatMessageLength, n)
	}
	for _, t := range c.Chat.FileContentTypes {
		if blank(t) || strings.ContainsAny(t, "; ") {
			ch.fail("chat.file_content_types", "must list media types without parameters, got %q", t)
		}
	}
}

func (c *Config) checkLLM(ch *checker) {
	if c.LLM.Timeout <= 0 {
		ch.fail("llm.timeout", "must be positive, got %s", c.LLM.Timeout)
	}
	if c.LLM.DefaultMaxTokens < 1 {
		ch.fail("llm.default_max_tokens", "must be positive, got %d", c.LLM.DefaultMaxTokens)
	}
	for key, raw := range map[string]string{
		"llm.openai_compatible.base_url": c.LLM.OpenAICompatible.BaseURL,
		"llm.anthropic.base_url":         c.LLM.Anthropic.BaseURL,
	} {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ch.fail(key, "must be an http(s) URL")
		}
	}
}

// blank reports a missing required value; whitespace-only counts as
// missing because it usually comes from a stray "KEY= " in an env file.
func blank(s string) bool {
	return strings.TrimSpace(s) == ""
}

func (c *Config) checkRateLimit(ch *checker) {
	for key, v := range map[string]int{
		"rate_limit.per_ip_per_minute":      c.RateLimit.PerIPPerMinute,
		"rate_limit.auth_per_ip_per_minute": c.RateLimit.AuthPerIPPerMinute,
		"rate_limit.per_user_per_minute":    c.RateLimit.PerUserPerMinute,
	} {
		if v < 0 {
			ch.fail(key, "must be 0 (disabled) or positive, got %d", v)
		}
	}
}
