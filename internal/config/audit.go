package config

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// keyIDRE is the AuditSeal.key_id column's pattern.
var keyIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// DevAuditKeyIDPrefix starts the id of a signing key that development
// derived instead of reading it from audit.signing_key; internal/audit
// warns when it signs with one.
const DevAuditKeyIDPrefix = "dev-"

// devAuditKeyLabel separates the derived signing seed from every other use
// of secret_key (HMAC domain separation).
const devAuditKeyLabel = "worksynapse audit seal signing key v1"

// checkAudit parses the seal keys and, in development without one, derives
// a deterministic signing key: from secret_key when it is usable, else from
// a fixed public value. Deterministic matters: `worksynapse audit verify`
// runs in another process than the sealer and must know the same key, which
// an ephemeral random key (like the dev secret_key) would defeat.
func (c *Config) checkAudit(ch *checker) {
	a := &c.Audit
	if a.SigningKey == "" && c.IsProduction() {
		ch.fail("audit.signing_key", "production requires an Ed25519 key, e.g. `openssl rand -base64 32`")
	}
	if a.SigningKey == "" && !c.IsProduction() {
		material := devAuditKeyLabel // public: only for a dev database
		if secretProblem(c.SecretKey) == "" {
			material = c.SecretKey
		}
		mac := hmac.New(sha256.New, []byte(material))
		mac.Write([]byte(devAuditKeyLabel))
		a.SigningKey = base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if a.SigningKeyID == "" {
			key, _ := ParseSigningKey(a.SigningKey)
			a.SigningKeyID = DevAuditKeyIDPrefix + KeyFingerprint(key.Public().(ed25519.PublicKey))
		}
	}
	if a.SigningKey != "" {
		key, err := ParseSigningKey(a.SigningKey)
		switch {
		case err != nil:
			ch.fail("audit.signing_key", "%v", err)
		case a.SigningKeyID == "":
			a.SigningKeyID = "ed25519-" + KeyFingerprint(key.Public().(ed25519.PublicKey))
		}
	}
	if a.SigningKeyID != "" && !keyIDRE.MatchString(a.SigningKeyID) {
		ch.fail("audit.signing_key_id", "must match %s", keyIDRE)
	}
	for _, entry := range a.VerifyKeys {
		if _, _, err := ParseVerifyKey(entry); err != nil {
			ch.fail("audit.verify_keys", "%v", err)
		}
	}
	if a.SealMinAge < 0 {
		ch.fail("audit.seal_min_age", "must not be negative, got %s", a.SealMinAge)
	}
	ch.retentionMonths("audit.activity_log_retention_months", a.ActivityLogRetentionMonths)
	ch.retentionMonths("audit.security_log_retention_months", a.SecurityLogRetentionMonths)
	if blank(a.RetentionDir) {
		ch.fail("audit.retention_dir", "must not be empty: retention exports rows there before deleting them")
	}
}

// ParseSigningKey decodes a base64 Ed25519 seed (32 bytes) or private key
// (64 bytes). Errors never quote the value.
func ParseSigningKey(s string) (ed25519.PrivateKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, errors.New("is not valid base64")
	}
	switch len(b) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(b), nil
	case ed25519.PrivateKeySize:
		key := ed25519.PrivateKey(b)
		// A 64-byte key is seed||public; a wrong public half would make
		// every signature unverifiable, so check it now.
		if !ed25519.NewKeyFromSeed(key.Seed()).Equal(key) {
			return nil, errors.New("is not a consistent Ed25519 private key")
		}
		return key, nil
	}
	return nil, fmt.Errorf("must decode to %d (seed) or %d (private key) bytes, got %d",
		ed25519.SeedSize, ed25519.PrivateKeySize, len(b))
}

// ParseVerifyKey decodes one "KEY_ID=BASE64_PUBLIC_KEY" entry.
func ParseVerifyKey(entry string) (string, ed25519.PublicKey, error) {
	id, enc, ok := strings.Cut(entry, "=")
	id = strings.TrimSpace(id)
	if !ok || id == "" {
		return "", nil, fmt.Errorf("%q is not KEY_ID=BASE64_PUBLIC_KEY", entry)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return "", nil, fmt.Errorf("key %q: want base64 of a %d-byte Ed25519 public key", id, ed25519.PublicKeySize)
	}
	return id, ed25519.PublicKey(b), nil
}

// KeyFingerprint is a short public name of a public key: the first 8 bytes
// of its SHA-256, hex encoded.
func KeyFingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}
