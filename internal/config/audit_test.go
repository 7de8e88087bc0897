package config_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/config"
)

// auditSeed is a fixed test Ed25519 seed (32 bytes, base64).
var auditSeed = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

func TestAuditSigningKeyRequiredInProduction(t *testing.T) {
	t.Parallel()
	_, _, err := load(t, "", map[string]string{
		"WORKSYNAPSE_ENVIRONMENT": "production",
		"WORKSYNAPSE_SECRET_KEY":  strongKey,
	}, nil)
	if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "WORKSYNAPSE_AUDIT_SIGNING_KEY") {
		t.Fatalf("err = %v, want ErrInvalid naming WORKSYNAPSE_AUDIT_SIGNING_KEY", err)
	}
	cfg := mustLoad(t, "", map[string]string{
		"WORKSYNAPSE_ENVIRONMENT":       "production",
		"WORKSYNAPSE_SECRET_KEY":        strongKey,
		"WORKSYNAPSE_AUDIT_SIGNING_KEY": auditSeed,
	}, nil)
	key, err := config.ParseSigningKey(cfg.Audit.SigningKey)
	if err != nil {
		t.Fatal(err)
	}
	want := "ed25519-" + config.KeyFingerprint(key.Public().(ed25519.PublicKey))
	if cfg.Audit.SigningKeyID != want {
		t.Errorf("derived key id = %q, want %q", cfg.Audit.SigningKeyID, want)
	}
}

func TestAuditDevKey(t *testing.T) {
	t.Parallel()
	// Deterministic: the verifier (another process) must derive the same key.
	a := mustLoad(t, "", nil, nil)
	b := mustLoad(t, "", nil, nil)
	if a.Audit.SigningKey != b.Audit.SigningKey || !strings.HasPrefix(a.Audit.SigningKeyID, config.DevAuditKeyIDPrefix) {
		t.Errorf("dev key not deterministic or id %q lacks %q", a.Audit.SigningKeyID, config.DevAuditKeyIDPrefix)
	}
	// A usable secret_key gives a different, private key.
	c := mustLoad(t, "", map[string]string{"WORKSYNAPSE_SECRET_KEY": strongKey}, nil)
	if c.Audit.SigningKey == a.Audit.SigningKey || c.Audit.SigningKeyID == a.Audit.SigningKeyID {
		t.Error("the dev key ignores secret_key")
	}
	if strings.Contains(c.String(), c.Audit.SigningKey) {
		t.Error("String() leaks the audit signing key")
	}
}

func TestAuditKeyValidation(t *testing.T) {
	t.Parallel()
	pub := base64.StdEncoding.EncodeToString(make([]byte, ed25519.PublicKeySize))
	tests := map[string]map[string]string{
		"not base64":       {"WORKSYNAPSE_AUDIT_SIGNING_KEY": "%%%"},
		"wrong length":     {"WORKSYNAPSE_AUDIT_SIGNING_KEY": base64.StdEncoding.EncodeToString([]byte("short"))},
		"verify key no id": {"WORKSYNAPSE_AUDIT_VERIFY_KEYS": "=" + pub},
		"verify key short": {"WORKSYNAPSE_AUDIT_VERIFY_KEYS": "old=" + auditSeed[:10]},
		"bad key id":       {"WORKSYNAPSE_AUDIT_SIGNING_KEY_ID": "has space"},
	}
	for name, env := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, _, err := load(t, "", env, nil); !errors.Is(err, config.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	cfg := mustLoad(t, "", map[string]string{"WORKSYNAPSE_AUDIT_VERIFY_KEYS": "old-1=" + pub + ", old-2=" + pub}, nil)
	if len(cfg.Audit.VerifyKeys) != 2 {
		t.Errorf("verify keys = %q, want 2 entries", cfg.Audit.VerifyKeys)
	}
}
