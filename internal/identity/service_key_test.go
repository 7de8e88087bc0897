package identity_test

import (
	"log/slog"
	"testing"

	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/identity"
)

func TestServiceKey(t *testing.T) {
	const key = "svc-0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		name, configured, presented string
		ok                          bool
		reason                      string
	}{
		{"the configured key", key, key, true, ""},
		{"another key", key, "svc-0123456789abcdef0123456789abcdeX", false, "invalid_service_key"},
		{"a prefix of the key", key, key[:10], false, "invalid_service_key"},
		{"an empty key", key, "", false, "invalid_service_key"},
		{"none configured", "", key, false, "service_key_disabled"},
		{"none configured, none presented", "", "", false, "service_key_disabled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var failures []string
			s, err := identity.New(identity.Options{SecretKey: "0123456789abcdef0123456789abcdef",
				Auth:          config.AuthConfig{ServiceAPIKey: tc.configured, Issuer: "i", Audience: "a", AccessTokenTTL: 60e9},
				Log:           slog.New(slog.DiscardHandler),
				OnAuthFailure: func(reason string) { failures = append(failures, reason) }})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.IsServiceKey(tc.presented); got != tc.ok {
				t.Errorf("IsServiceKey = %v, want %v", got, tc.ok)
			}
			v, err := s.AuthenticateService(tc.presented)
			switch {
			case tc.ok && (err != nil || !v.IsService() || v.IsSystem() || len(v.Memberships) != 0):
				t.Errorf("AuthenticateService = %+v, %v; want the bare service principal", v, err)
			case !tc.ok && err != identity.ErrInvalidServiceKey:
				t.Errorf("AuthenticateService err = %v, want ErrInvalidServiceKey", err)
			}
			if want := []string{tc.reason}; tc.ok && len(failures) != 0 || !tc.ok && (len(failures) != 1 || failures[0] != want[0]) {
				t.Errorf("failures counted %q, want %q", failures, tc.reason)
			}
		})
	}
}
