package config

import (
	"log/slog"
	"net/url"
	"strings"
)

// redacted replaces secret material in every rendering of a Config.
const redacted = "REDACTED"

// sensitiveParams are substrings of URL query parameter names whose values
// must be hidden (e.g. postgres://host/db?password=...).
var sensitiveParams = []string{"pass", "secret", "token", "key"}

// LogValue implements slog.LogValuer so that logging a Config never leaks
// the secret key, the service API key or passwords embedded in URLs.
//
// It (like String and GoString) has a value receiver on purpose: that way
// both Config and *Config are covered, and no way of printing one bypasses
// the redaction.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("environment", c.Environment),
		slog.String("secret_key", redact(c.SecretKey)),
		slog.Group("http",
			slog.String("addr", c.HTTP.Addr),
			slog.Duration("read_header_timeout", c.HTTP.ReadHeaderTimeout),
			slog.Duration("read_timeout", c.HTTP.ReadTimeout),
			slog.Duration("write_timeout", c.HTTP.WriteTimeout),
			slog.Duration("idle_timeout", c.HTTP.IdleTimeout),
			slog.Duration("request_timeout", c.HTTP.RequestTimeout),
			slog.Duration("shutdown_timeout", c.HTTP.ShutdownTimeout),
			slog.Int64("max_body_bytes", c.HTTP.MaxBodyBytes),
			slog.Any("cors_allowed_origins", c.HTTP.CORSAllowedOrigins),
			slog.Bool("tls_proxy", c.HTTP.TLSProxy),
		),
		slog.Group("database",
			slog.String("url", redactURL(c.Database.URL)),
			slog.String("direct_url", redactURL(c.Database.DirectURL)),
			slog.String("sqlite_path", c.Database.SQLitePath),
			slog.Bool("auto_migrate", c.Database.AutoMigrate),
			slog.Int("max_open_conns", c.Database.MaxOpenConns),
			slog.Int("max_idle_conns", c.Database.MaxIdleConns),
			slog.Duration("conn_max_lifetime", c.Database.ConnMaxLifetime),
			slog.Bool("prepared_statements", c.Database.PreparedStatements),
		),
		slog.Group("log",
			slog.String("level", c.Log.Level),
			slog.String("format", c.Log.Format),
		),
		slog.Group("rate_limit",
			slog.Int("per_ip_per_minute", c.RateLimit.PerIPPerMinute),
			slog.Int("auth_per_ip_per_minute", c.RateLimit.AuthPerIPPerMinute),
			slog.Int("per_user_per_minute", c.RateLimit.PerUserPerMinute),
		),
		slog.Group("redis",
			slog.String("url", redactURL(c.Redis.URL)),
		),
		slog.Group("auth",
			slog.Bool("registration_enabled", c.Auth.RegistrationEnabled),
			slog.Duration("access_token_ttl", c.Auth.AccessTokenTTL),
			slog.Duration("refresh_token_ttl", c.Auth.RefreshTokenTTL),
			slog.Duration("session_cache_ttl", c.Auth.SessionCacheTTL),
			slog.String("issuer", c.Auth.Issuer),
			slog.String("audience", c.Auth.Audience),
			slog.Int("bcrypt_cost", c.Auth.BcryptCost),
			slog.Group("lockout",
				slog.Int("max_attempts", c.Auth.Lockout.MaxAttempts),
				slog.Duration("duration", c.Auth.Lockout.Duration),
			),
			slog.String("service_api_key", redact(c.Auth.ServiceAPIKey)),
		),
		slog.Group("mail",
			slog.String("smtp_addr", c.Mail.SMTPAddr),
			slog.String("from", c.Mail.From),
			slog.String("username", c.Mail.Username),
			slog.String("password", redact(c.Mail.Password)),
		),
		slog.Group("audit",
			slog.String("signing_key", redact(c.Audit.SigningKey)),
			slog.String("signing_key_id", c.Audit.SigningKeyID),
			slog.Any("verify_keys", c.Audit.VerifyKeys),
			slog.String("seal_dir", c.Audit.SealDir),
			slog.Duration("seal_min_age", c.Audit.SealMinAge),
			slog.String("retention_dir", c.Audit.RetentionDir),
		),
		slog.Group("llm",
			slog.Duration("timeout", c.LLM.Timeout),
			slog.Int("default_max_tokens", c.LLM.DefaultMaxTokens),
			slog.Group("openai_compatible",
				slog.String("base_url", redactURL(c.LLM.OpenAICompatible.BaseURL)),
				slog.String("api_key", redact(c.LLM.OpenAICompatible.APIKey)),
			),
			slog.Group("anthropic",
				slog.String("base_url", redactURL(c.LLM.Anthropic.BaseURL)),
				slog.String("api_key", redact(c.LLM.Anthropic.APIKey)),
			),
		),
	)
}

// String renders the redacted configuration, so fmt's %v and %s are safe.
func (c Config) String() string {
	return c.LogValue().String()
}

// GoString makes %#v safe too; without it fmt would dump raw fields.
func (c Config) GoString() string {
	return "config.Config" + c.String()
}

// redact hides a secret but keeps "is it set?" visible, which is usually
// the question when debugging a deployment.
func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return redacted
}

// redactURL hides the password and sensitive query parameters of a URL
// while keeping host and database name readable.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		// Not a URL (e.g. a "host=... password=..." DSN): there is no
		// reliable way to find the password, so hide everything.
		return redacted
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), redacted)
	}
	u.RawQuery = redactQuery(u.Query())
	return u.String()
}

func redactQuery(q url.Values) string {
	for name := range q {
		lower := strings.ToLower(name)
		for _, s := range sensitiveParams {
			if strings.Contains(lower, s) {
				q.Set(name, redacted)
				break
			}
		}
	}
	return q.Encode()
}
