package config_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/worksynapse/worksynapse/internal/config"
)

// strongKey is long, random-looking and not a placeholder.
const strongKey = "9f2c1e8a7b6d5c4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e"

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// writeConfig writes content to a temporary YAML file and returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// envFrom returns a Getenv backed by m, so tests never touch the process
// environment and can run in parallel.
func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// load runs Load hermetically: an explicit (possibly empty) file, a fake
// environment and optional flags.
func load(t *testing.T, file string, env map[string]string, flags *pflag.FlagSet) (*config.Config, []string, error) {
	t.Helper()
	return config.Load(config.LoadOptions{
		ConfigFile: writeConfig(t, file),
		Flags:      flags,
		Getenv:     envFrom(env),
	})
}

func mustLoad(t *testing.T, file string, env map[string]string, flags *pflag.FlagSet) *config.Config {
	t.Helper()
	cfg, _, err := load(t, file, env, flags)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	cfg, warnings, err := load(t, "", nil, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !hex64.MatchString(cfg.SecretKey) {
		t.Errorf("SecretKey = %d chars, want a 64-char hex ephemeral key", len(cfg.SecretKey))
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "WORKSYNAPSE_SECRET_KEY") {
		t.Errorf("warnings = %q, want exactly one about WORKSYNAPSE_SECRET_KEY", warnings)
	}

	want := config.Config{
		Environment: "development",
		SecretKey:   cfg.SecretKey, // random, checked above
		HTTP: config.HTTPConfig{
			Addr:              "127.0.0.1:8080",
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			RequestTimeout:    30 * time.Second,
			ShutdownTimeout:   20 * time.Second,
			MaxBodyBytes:      1 << 20,
		},
		Database: config.DatabaseConfig{
			SQLitePath:         "./data/worksynapse.db",
			MaxOpenConns:       20,
			MaxIdleConns:       10,
			ConnMaxLifetime:    30 * time.Minute,
			PreparedStatements: true,
		},
		Log:       config.LogConfig{Level: "info", Format: "json"},
		RateLimit: config.RateLimitConfig{PerIPPerMinute: 600, AuthPerIPPerMinute: 30, PerUserPerMinute: 1200},
		Auth: config.AuthConfig{
			RegistrationEnabled: true,
			AccessTokenTTL:      15 * time.Minute,
			SessionCacheTTL:     30 * time.Second,
			RefreshTokenTTL:     720 * time.Hour,
			Issuer:              "worksynapse",
			Audience:            "worksynapse-api",
			BcryptCost:          12,
			Lockout:             config.LockoutConfig{MaxAttempts: 5, Duration: 15 * time.Minute},
		},
		Mail:    config.MailConfig{From: "WorkSynapse <no-reply@localhost>"},
		Storage: config.StorageConfig{Dir: "./data/files", MaxUploadBytes: 25 << 20},
		Audit: config.AuditConfig{
			// Derived in development; checked by TestAuditDevKey.
			SigningKey: cfg.Audit.SigningKey, SigningKeyID: cfg.Audit.SigningKeyID,
			SealDir: "./data/audit/seals", SealMinAge: 2 * time.Minute, RetentionDir: "./data/audit/retention",
		},
		WorkTracking: config.WorkTrackingConfig{ClockSkewTolerance: 5 * time.Minute},
		Jobs: config.JobsConfig{Enabled: true, Workers: 4, PollInterval: time.Second,
			SessionCleanupInterval: time.Hour, SessionRetention: 7 * 24 * time.Hour, AuditSealInterval: time.Minute,
			AuditRetentionInterval: 24 * time.Hour, ProductivityRollupInterval: time.Hour,
			BudgetReleaseInterval: time.Minute, CostRollupInterval: time.Hour, StreamPruneInterval: time.Hour,
			ApprovalExpiryInterval: time.Minute, CapturePurgeInterval: 24 * time.Hour,
			PartitionMaintenanceInterval: 6 * time.Hour},
		Chat: config.ChatConfig{MaxMessageLength: 16000, FileContentTypes: []string{
			"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "application/zip"}},
		LLM: config.LLMConfig{Timeout: 120 * time.Second, DefaultMaxTokens: 4096,
			OpenAICompatible: config.LLMProviderConfig{BaseURL: "https://api.openai.com/v1"},
			Anthropic:        config.LLMProviderConfig{BaseURL: "https://api.anthropic.com"}},
		Stream:    config.StreamConfig{Retention: 24 * time.Hour, HeartbeatInterval: 25 * time.Second, ClientBuffer: 256},
		Approvals: config.ApprovalsConfig{DefaultTTL: 15 * time.Minute, MaxWait: 25 * time.Second, MaxOutputBytes: 65536},
		Ledger:    config.LedgerConfig{UnpricedWithBudget: "deny"},
	}
	if !reflect.DeepEqual(*cfg, want) {
		t.Errorf("defaults mismatch\n got: %#v\nwant: %#v", *cfg, want)
	}
	if cfg.IsProduction() || !cfg.UsesSQLite() {
		t.Errorf("IsProduction = %v, UsesSQLite = %v; want false, true", cfg.IsProduction(), cfg.UsesSQLite())
	}
}

// TestConfigYAMLMatchesDefaults keeps the documented config.yaml from
// drifting away from the built-in defaults.
func TestConfigYAMLMatchesDefaults(t *testing.T) {
	t.Parallel()
	const shipped = "../../config.yaml"
	noEnv := envFrom(nil)

	fromFile, _, err := config.Load(config.LoadOptions{ConfigFile: shipped, Getenv: noEnv})
	if err != nil {
		t.Fatalf("Load(%s): %v", shipped, err)
	}
	defaults := mustLoad(t, "", nil, nil)
	// Both got an ephemeral random key; that difference is expected.
	fromFile.SecretKey, defaults.SecretKey = "", ""
	if !reflect.DeepEqual(fromFile, defaults) {
		t.Errorf("%s differs from built-in defaults\nfile:     %#v\ndefaults: %#v", shipped, *fromFile, *defaults)
	}

	t.Run("documents every key", func(t *testing.T) {
		v := viper.New()
		v.SetConfigFile(shipped)
		if err := v.ReadInConfig(); err != nil {
			t.Fatal(err)
		}
		got, want := v.AllKeys(), config.Keys()
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("keys in %s = %v\nwant %v", shipped, got, want)
		}
	})

	t.Run("shipped secret is unusable in production", func(t *testing.T) {
		_, _, err := config.Load(config.LoadOptions{
			ConfigFile: shipped,
			Getenv:     envFrom(map[string]string{"WORKSYNAPSE_ENVIRONMENT": "production"}),
		})
		if !errors.Is(err, config.ErrInsecureSecretKey) {
			t.Errorf("err = %v, want ErrInsecureSecretKey", err)
		}
	})
}

// TestKeysMatchStruct guarantees every Config field has a key (and thus a
// default, an env var and a flag binding) and vice versa.
func TestKeysMatchStruct(t *testing.T) {
	t.Parallel()
	var fromStruct []string
	var walk func(reflect.Type, string)
	walk = func(typ reflect.Type, prefix string) {
		for f := range typ.Fields() {
			key := prefix + f.Tag.Get("mapstructure")
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, key+".")
				continue
			}
			fromStruct = append(fromStruct, key)
		}
	}
	walk(reflect.TypeFor[config.Config](), "")

	keys := config.Keys()
	slices.Sort(fromStruct)
	slices.Sort(keys)
	if !slices.Equal(fromStruct, keys) {
		t.Errorf("struct keys = %v\nKeys() = %v", fromStruct, keys)
	}
}

func TestEnvVar(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"secret_key":                "WORKSYNAPSE_SECRET_KEY",
		"database.url":              "WORKSYNAPSE_DATABASE_URL",
		"database.direct_url":       "WORKSYNAPSE_DATABASE_DIRECT_URL",
		"http.addr":                 "WORKSYNAPSE_HTTP_ADDR",
		"auth.lockout.max_attempts": "WORKSYNAPSE_AUTH_LOCKOUT_MAX_ATTEMPTS",
	}
	for key, want := range tests {
		if got := config.EnvVar(key); got != want {
			t.Errorf("EnvVar(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	const file = `
http:
  addr: "file:1"
  cors_allowed_origins: ["https://file.example"]
database:
  url: "postgres://file-host/db"
auth:
  lockout:
    max_attempts: 7
  access_token_ttl: 5m
`
	tests := []struct {
		name  string
		file  string
		env   map[string]string
		args  []string // flags to parse; see newFlags
		field func(*config.Config) any
		want  any
	}{
		{
			name:  "file overrides default",
			file:  file,
			field: func(c *config.Config) any { return c.HTTP.Addr },
			want:  "file:1",
		},
		{
			name:  "nested file key",
			file:  file,
			field: func(c *config.Config) any { return c.Auth.Lockout.MaxAttempts },
			want:  7,
		},
		{
			name:  "file leaves other keys at default",
			file:  file,
			field: func(c *config.Config) any { return c.HTTP.ReadTimeout },
			want:  30 * time.Second,
		},
		{
			name:  "env overrides file",
			file:  file,
			env:   map[string]string{"WORKSYNAPSE_HTTP_ADDR": "env:2"},
			field: func(c *config.Config) any { return c.HTTP.Addr },
			want:  "env:2",
		},
		{
			name:  "env overrides default",
			env:   map[string]string{"WORKSYNAPSE_DATABASE_URL": "postgres://env-host/db"},
			field: func(c *config.Config) any { return c.Database.URL },
			want:  "postgres://env-host/db",
		},
		{
			name:  "nested env int",
			file:  file,
			env:   map[string]string{"WORKSYNAPSE_AUTH_LOCKOUT_MAX_ATTEMPTS": "3"},
			field: func(c *config.Config) any { return c.Auth.Lockout.MaxAttempts },
			want:  3,
		},
		{
			name:  "env duration",
			env:   map[string]string{"WORKSYNAPSE_AUTH_ACCESS_TOKEN_TTL": "90s"},
			field: func(c *config.Config) any { return c.Auth.AccessTokenTTL },
			want:  90 * time.Second,
		},
		{
			name:  "env bool",
			env:   map[string]string{"WORKSYNAPSE_AUTH_REGISTRATION_ENABLED": "false"},
			field: func(c *config.Config) any { return c.Auth.RegistrationEnabled },
			want:  false,
		},
		{
			name:  "env list is comma separated and trimmed",
			file:  file,
			env:   map[string]string{"WORKSYNAPSE_HTTP_CORS_ALLOWED_ORIGINS": "https://a.example, https://b.example,"},
			field: func(c *config.Config) any { return c.HTTP.CORSAllowedOrigins },
			want:  []string{"https://a.example", "https://b.example"},
		},
		{
			name:  "empty env value is ignored",
			file:  file,
			env:   map[string]string{"WORKSYNAPSE_HTTP_ADDR": ""},
			field: func(c *config.Config) any { return c.HTTP.Addr },
			want:  "file:1",
		},
		{
			name:  "flag overrides env",
			file:  file,
			env:   map[string]string{"WORKSYNAPSE_HTTP_ADDR": "env:2"},
			args:  []string{"--http.addr=flag:3"},
			field: func(c *config.Config) any { return c.HTTP.Addr },
			want:  "flag:3",
		},
		{
			name:  "unset flag does not override env",
			env:   map[string]string{"WORKSYNAPSE_HTTP_ADDR": "env:2"},
			args:  []string{"--database.url=postgres://flag-host/db"},
			field: func(c *config.Config) any { return c.HTTP.Addr },
			want:  "env:2",
		},
		{
			name:  "unset flag does not override built-in default",
			field: func(c *config.Config) any { return c.HTTP.Addr },
			args:  []string{},
			want:  "127.0.0.1:8080",
		},
		{
			name:  "typed duration flag",
			file:  file,
			args:  []string{"--auth.access_token_ttl=2m"},
			field: func(c *config.Config) any { return c.Auth.AccessTokenTTL },
			want:  2 * time.Minute,
		},
		{
			name:  "typed int flag",
			env:   map[string]string{"WORKSYNAPSE_AUTH_LOCKOUT_MAX_ATTEMPTS": "3"},
			args:  []string{"--auth.lockout.max_attempts=9"},
			field: func(c *config.Config) any { return c.Auth.Lockout.MaxAttempts },
			want:  9,
		},
		{
			name:  "string slice flag",
			file:  file,
			args:  []string{"--http.cors_allowed_origins=https://x.example,https://y.example"},
			field: func(c *config.Config) any { return c.HTTP.CORSAllowedOrigins },
			want:  []string{"https://x.example", "https://y.example"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var flags *pflag.FlagSet
			if tt.args != nil {
				flags = newFlags(t, tt.args)
			}
			cfg := mustLoad(t, tt.file, tt.env, flags)
			if got := tt.field(cfg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// newFlags declares flags the way a cobra command would, with flag
// defaults that differ from the config defaults to prove they are ignored
// unless set.
func newFlags(t *testing.T, args []string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.String("http.addr", "flag-default:0", "")
	fs.String("database.url", "", "")
	fs.Duration("auth.access_token_ttl", time.Hour, "")
	fs.Int("auth.lockout.max_attempts", 100, "")
	fs.StringSlice("http.cors_allowed_origins", nil, "")
	fs.Bool("unrelated", false, "") // not a config key: must be ignored
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

// The tests below change the working directory, so they cannot run in
// parallel with each other; they do not call t.Parallel.

func TestConfigFileLookup(t *testing.T) {
	t.Run("missing explicit file is an error", func(t *testing.T) {
		_, _, err := config.Load(config.LoadOptions{
			ConfigFile: filepath.Join(t.TempDir(), "nope.yaml"),
			Getenv:     envFrom(nil),
		})
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("err = %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("missing default file is fine", func(t *testing.T) {
		t.Chdir(t.TempDir())
		cfg, _, err := config.Load(config.LoadOptions{Getenv: envFrom(nil)})
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if cfg.HTTP.Addr != "127.0.0.1:8080" {
			t.Errorf("Addr = %q, want default", cfg.HTTP.Addr)
		}
	})
	t.Run("default file in working directory is read", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("http:\n  addr: cwd:1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Chdir(dir)
		cfg, _, err := config.Load(config.LoadOptions{Getenv: envFrom(nil)})
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if cfg.HTTP.Addr != "cwd:1" {
			t.Errorf("Addr = %q, want cwd:1", cfg.HTTP.Addr)
		}
	})
	t.Run("malformed file is an error", func(t *testing.T) {
		_, _, err := load(t, "http: [unclosed", nil, nil)
		if err == nil || !strings.HasPrefix(err.Error(), "config: reading ") {
			t.Errorf("err = %v, want a config: reading error", err)
		}
	})
}

func TestProductionSecretKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		key     string
		wantErr bool
	}{
		{"missing", "", true},
		{"short", "s3cr3t-but-short", true},
		{"31 bytes", strings.Repeat("k", 31), true},
		{"placeholder change-me", "change-me", true},
		{"placeholder changeme", "changeme", true},
		{"placeholder secret", "secret", true},
		{"placeholder development-secret", "development-secret", true},
		{"long placeholder", "change-me-to-a-long-random-string-please", true},
		{"placeholder in caps", "  CHANGEME-CHANGEME-CHANGEME-CHANGEME  ", true},
		{"strong", strongKey, false},
		{"exactly 32 bytes", "a8Kq2vL9xR4tW7zN1cF6hJ3mP5sD0gB2", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, warnings, err := load(t, "", map[string]string{
				"WORKSYNAPSE_ENVIRONMENT":       "production",
				"WORKSYNAPSE_SECRET_KEY":        tt.key,
				"WORKSYNAPSE_AUDIT_SIGNING_KEY": auditSeed,
			}, nil)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if cfg.SecretKey != tt.key || !cfg.IsProduction() {
					t.Errorf("key replaced or not production: IsProduction=%v", cfg.IsProduction())
				}
				return
			}
			if !errors.Is(err, config.ErrInsecureSecretKey) {
				t.Fatalf("err = %v, want ErrInsecureSecretKey", err)
			}
			if !strings.Contains(err.Error(), "WORKSYNAPSE_SECRET_KEY") {
				t.Errorf("error %q does not name WORKSYNAPSE_SECRET_KEY", err)
			}
			assertNoLeak(t, tt.key, err.Error(), strings.Join(warnings, "\n"))
		})
	}
}

func TestDevelopmentSecretKey(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"", "short-dev-secret", "change-me"} {
		t.Run(fmt.Sprintf("weak %q", key), func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"WORKSYNAPSE_SECRET_KEY": key}
			cfg, warnings, err := load(t, "", env, nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !hex64.MatchString(cfg.SecretKey) {
				t.Errorf("SecretKey is %d chars, want 64 hex chars", len(cfg.SecretKey))
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], "WORKSYNAPSE_SECRET_KEY") ||
				!strings.Contains(warnings[0], "ephemeral") {
				t.Errorf("warnings = %q, want one about an ephemeral WORKSYNAPSE_SECRET_KEY", warnings)
			}
			assertNoLeak(t, key, strings.Join(warnings, "\n"))

			again := mustLoad(t, "", env, nil)
			if again.SecretKey == cfg.SecretKey {
				t.Error("two loads produced the same ephemeral key; it must be random")
			}
		})
	}
	t.Run("strong key is kept", func(t *testing.T) {
		t.Parallel()
		cfg, warnings, err := load(t, "", map[string]string{"WORKSYNAPSE_SECRET_KEY": strongKey}, nil)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if cfg.SecretKey != strongKey || len(warnings) != 0 {
			t.Errorf("key replaced=%v, warnings=%q; want kept and no warnings", cfg.SecretKey != strongKey, warnings)
		}
	})
}

func TestServiceAPIKey(t *testing.T) {
	t.Parallel()
	const weak = "svc-weak"
	_, _, err := load(t, "", map[string]string{
		"WORKSYNAPSE_ENVIRONMENT":          "production",
		"WORKSYNAPSE_SECRET_KEY":           strongKey,
		"WORKSYNAPSE_AUTH_SERVICE_API_KEY": weak,
	}, nil)
	if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "WORKSYNAPSE_AUTH_SERVICE_API_KEY") {
		t.Errorf("production err = %v, want ErrInvalid naming WORKSYNAPSE_AUTH_SERVICE_API_KEY", err)
	}
	_, warnings, err := load(t, "", map[string]string{
		"WORKSYNAPSE_SECRET_KEY":           strongKey,
		"WORKSYNAPSE_AUTH_SERVICE_API_KEY": weak,
	}, nil)
	if err != nil || len(warnings) != 1 {
		t.Errorf("development: err = %v, warnings = %q; want nil and one warning", err, warnings)
	}
	assertNoLeak(t, weak, fmt.Sprint(err), strings.Join(warnings, "\n"))
}

func TestRedaction(t *testing.T) {
	t.Parallel()
	secrets := []string{strongKey, "dbpass-123", "qpass-456", "directpass-321", "redispass-789", "svc-api-key-0123456789abcdef0123456789", "smtp-pass-4242",
		"sk-openai-secret-1234", "sk-ant-secret-5678"}
	cfg := mustLoad(t, "", map[string]string{
		"WORKSYNAPSE_LLM_OPENAI_COMPATIBLE_API_KEY": "sk-openai-secret-1234",
		"WORKSYNAPSE_LLM_ANTHROPIC_API_KEY":         "sk-ant-secret-5678",
		"WORKSYNAPSE_SECRET_KEY":                    strongKey,
		"WORKSYNAPSE_DATABASE_URL":                  "postgres://app:dbpass-123@db.internal:5432/ws?sslmode=require&password=qpass-456",
		"WORKSYNAPSE_DATABASE_DIRECT_URL":           "postgres://app:directpass-321@db-direct.internal:5432/ws",
		"WORKSYNAPSE_REDIS_URL":                     "redis://:redispass-789@cache:6379/0",
		"WORKSYNAPSE_AUTH_SERVICE_API_KEY":          "svc-api-key-0123456789abcdef0123456789",
		"WORKSYNAPSE_MAIL_SMTP_ADDR":                "smtp.example.com:587",
		"WORKSYNAPSE_MAIL_USERNAME":                 "mailer",
		"WORKSYNAPSE_MAIL_PASSWORD":                 "smtp-pass-4242",
	}, nil)

	var jsonOut, textOut bytes.Buffer
	slog.New(slog.NewJSONHandler(&jsonOut, nil)).Info("config", "config", cfg)
	slog.New(slog.NewTextHandler(&textOut, nil)).Info("config", "config", *cfg)
	renderings := map[string]string{
		"json":   jsonOut.String(),
		"text":   textOut.String(),
		"%v":     fmt.Sprintf("%v", cfg),
		"%+v":    fmt.Sprintf("%+v", *cfg),
		"%#v":    fmt.Sprintf("%#v", *cfg),
		"%s":     fmt.Sprintf("%s", cfg),
		"String": cfg.String(),
	}
	for name, out := range renderings {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s rendering leaks %q:\n%s", name, s, out)
			}
		}
		// Redaction must keep the useful, non-secret parts.
		for _, keep := range []string{"db.internal:5432", "db-direct.internal:5432", "sslmode=require", "cache:6379", "smtp.example.com:587", "REDACTED"} {
			if !strings.Contains(out, keep) {
				t.Errorf("%s rendering lost %q:\n%s", name, keep, out)
			}
		}
	}
}

func TestRedactionOfNonURLDSN(t *testing.T) {
	t.Parallel()
	cfg := config.Config{Database: config.DatabaseConfig{URL: "host=db user=app password=kv-secret"}}
	if out := cfg.String(); strings.Contains(out, "kv-secret") {
		t.Errorf("key=value DSN leaked its password: %s", out)
	}
}

func TestInvalidValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		key  string // config key the error must name
	}{
		{"unknown environment", map[string]string{"WORKSYNAPSE_ENVIRONMENT": "staging"}, "environment"},
		{"bcrypt too low", map[string]string{"WORKSYNAPSE_AUTH_BCRYPT_COST": "9"}, "auth.bcrypt_cost"},
		{"bcrypt too high", map[string]string{"WORKSYNAPSE_AUTH_BCRYPT_COST": "15"}, "auth.bcrypt_cost"},
		{"zero timeout", map[string]string{"WORKSYNAPSE_HTTP_READ_TIMEOUT": "0s"}, "http.read_timeout"},
		{"negative ttl", map[string]string{"WORKSYNAPSE_AUTH_ACCESS_TOKEN_TTL": "-1m"}, "auth.access_token_ttl"},
		{"zero lockout", map[string]string{"WORKSYNAPSE_AUTH_LOCKOUT_DURATION": "0"}, "auth.lockout.duration"},
		{"zero body", map[string]string{"WORKSYNAPSE_HTTP_MAX_BODY_BYTES": "0"}, "http.max_body_bytes"},
		{"bad log level", map[string]string{"WORKSYNAPSE_LOG_LEVEL": "verbose"}, "log.level"},
		{"bad log format", map[string]string{"WORKSYNAPSE_LOG_FORMAT": "xml"}, "log.format"},
		{"no lockout attempts", map[string]string{"WORKSYNAPSE_AUTH_LOCKOUT_MAX_ATTEMPTS": "0"}, "auth.lockout.max_attempts"},
		{"no connections", map[string]string{"WORKSYNAPSE_DATABASE_MAX_OPEN_CONNS": "0"}, "database.max_open_conns"},
		{"negative idle", map[string]string{"WORKSYNAPSE_DATABASE_MAX_IDLE_CONNS": "-1"}, "database.max_idle_conns"},
		{"empty addr", map[string]string{"WORKSYNAPSE_HTTP_ADDR": " "}, "http.addr"},
		{"database url without scheme", map[string]string{"WORKSYNAPSE_DATABASE_URL": "db.internal/ws"}, "database.url"},
		{"direct url not postgres", map[string]string{"WORKSYNAPSE_DATABASE_URL": "postgres://pooler/ws", "WORKSYNAPSE_DATABASE_DIRECT_URL": "mysql://db/ws"}, "database.direct_url"},
		{"direct url without url", map[string]string{"WORKSYNAPSE_DATABASE_DIRECT_URL": "postgres://db/ws"}, "database.direct_url"},
		{"bad redis scheme", map[string]string{"WORKSYNAPSE_REDIS_URL": "http://cache:6379"}, "redis.url"},
		{"cors origin with path", map[string]string{"WORKSYNAPSE_HTTP_CORS_ALLOWED_ORIGINS": "https://a.example/app"}, "http.cors_allowed_origins"},
		{"cors origin without scheme", map[string]string{"WORKSYNAPSE_HTTP_CORS_ALLOWED_ORIGINS": "a.example"}, "http.cors_allowed_origins"},
		{"refresh shorter than access", map[string]string{"WORKSYNAPSE_AUTH_REFRESH_TOKEN_TTL": "10m"}, "auth.refresh_token_ttl"},
		{"empty issuer", map[string]string{"WORKSYNAPSE_AUTH_ISSUER": " "}, "auth.issuer"},
		{"bad mail sender", map[string]string{"WORKSYNAPSE_MAIL_FROM": "not an address"}, "mail.from"},
		{"smtp addr without port", map[string]string{"WORKSYNAPSE_MAIL_SMTP_ADDR": "smtp.example.com"}, "mail.smtp_addr"},
		{"smtp password without username", map[string]string{"WORKSYNAPSE_MAIL_PASSWORD": "x"}, "mail.password"},
		{"negative clock skew", map[string]string{"WORKSYNAPSE_WORKTRACKING_CLOCK_SKEW_TOLERANCE": "-1s"}, "worktracking.clock_skew_tolerance"},
		{"negative activity retention", map[string]string{"WORKSYNAPSE_AUDIT_ACTIVITY_LOG_RETENTION_MONTHS": "-1"}, "audit.activity_log_retention_months"},
		{"huge security retention", map[string]string{"WORKSYNAPSE_AUDIT_SECURITY_LOG_RETENTION_MONTHS": "1201"}, "audit.security_log_retention_months"},
		{"negative call retention", map[string]string{"WORKSYNAPSE_LEDGER_CALL_RETENTION_MONTHS": "-3"}, "ledger.call_retention_months"},
		{"negative raw retention", map[string]string{"WORKSYNAPSE_WORKTRACKING_RAW_RETENTION_MONTHS": "-1"}, "worktracking.raw_retention_months"},
		{"sub-second partition maintenance", map[string]string{"WORKSYNAPSE_JOBS_PARTITION_MAINTENANCE_INTERVAL": "10ms"}, "jobs.partition_maintenance_interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := load(t, "", tt.env, nil)
			if !errors.Is(err, config.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.key+" ("+config.EnvVar(tt.key)+")") {
				t.Errorf("error %q does not name %s and its env var", err, tt.key)
			}
		})
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, "", nil, nil)
	cfg.Auth.BcryptCost = 4
	cfg.Log.Level = "loud"
	cfg.HTTP.MaxBodyBytes = -1
	_, err := cfg.Validate()
	for _, key := range []string{"auth.bcrypt_cost", "log.level", "http.max_body_bytes"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("err = %v, want it to mention %s", err, key)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"WORKSYNAPSE_AUTH_ACCESS_TOKEN_TTL": "soon",
		"WORKSYNAPSE_AUTH_BCRYPT_COST":      "twelve",
		"WORKSYNAPSE_HTTP_TLS_PROXY":        "maybe",
	}
	for name, val := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, _, err := load(t, "", map[string]string{name: val}, nil)
			if err == nil || !strings.HasPrefix(err.Error(), "config: decoding") {
				t.Errorf("err = %v, want a config: decoding error", err)
			}
		})
	}
}

func TestUnknownKeysWarn(t *testing.T) {
	t.Parallel()
	_, warnings, err := load(t, "http:\n  adr: typo\nsecret_key: "+strongKey+"\n", nil, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `"http.adr"`) {
		t.Errorf("warnings = %q, want one about http.adr", warnings)
	}
}

func TestProductionWildcardCORSWarns(t *testing.T) {
	t.Parallel()
	_, warnings, err := load(t, "", map[string]string{
		"WORKSYNAPSE_ENVIRONMENT":               "production",
		"WORKSYNAPSE_SECRET_KEY":                strongKey,
		"WORKSYNAPSE_AUDIT_SIGNING_KEY":         auditSeed,
		"WORKSYNAPSE_HTTP_CORS_ALLOWED_ORIGINS": "*",
	}, nil)
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "http.cors_allowed_origins") {
		t.Errorf("err = %v, warnings = %q; want nil and one CORS warning", err, warnings)
	}
}

func TestUsesSQLite(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"":                              true,
		"sqlite:///tmp/x.db":            true,
		"file:./data/x.db?cache=shared": true,
		"FILE:./x.db":                   true,
		"postgres://u:p@db/ws":          false,
		"postgresql://db/ws":            false,
	}
	for url, want := range tests {
		cfg := config.Config{Database: config.DatabaseConfig{URL: url}}
		if got := cfg.UsesSQLite(); got != want {
			t.Errorf("UsesSQLite(%q) = %v, want %v", url, got, want)
		}
	}
}

// assertNoLeak fails if secret (when non-trivial) appears in any output.
func assertNoLeak(t *testing.T, secret string, outputs ...string) {
	t.Helper()
	if len(secret) < 10 {
		return // short values such as "secret" are ordinary words in messages
	}
	for _, out := range outputs {
		if strings.Contains(out, secret) {
			t.Errorf("output leaks the secret value: %s", out)
		}
	}
}
