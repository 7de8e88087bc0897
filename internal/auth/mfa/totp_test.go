package mfa_test

import (
	"encoding/base32"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/worksynapse/worksynapse/internal/auth/mfa"
)

var pquernaOpts = totp.ValidateOpts{
	Period:    mfa.Period,
	Digits:    otp.DigitsSix,
	Algorithm: otp.AlgorithmSHA1,
}

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, pquernaOpts)
	if err != nil {
		t.Fatalf("GenerateCodeCustom: %v", err)
	}
	return code
}

func TestEnroll(t *testing.T) {
	t.Parallel()
	secret, uri, err := mfa.Enroll("WorkSynapse", "alice@example.com")
	if err != nil {
		t.Fatalf("Enroll: %v", err)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatalf("secret %q is not unpadded base32: %v", secret, err)
	}
	if len(raw) != mfa.SecretBytes {
		t.Errorf("secret is %d bytes, want %d", len(raw), mfa.SecretBytes)
	}
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		t.Fatalf("parse uri %q: %v", uri, err)
	}
	if key.Type() != "totp" || key.Secret() != secret || key.Issuer() != "WorkSynapse" ||
		key.AccountName() != "alice@example.com" || key.Period() != mfa.Period ||
		key.Digits() != otp.DigitsSix || key.Algorithm() != otp.AlgorithmSHA1 {
		t.Errorf("uri %q does not describe the enrolled key", uri)
	}

	other, _, err := mfa.Enroll("WorkSynapse", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if other == secret {
		t.Error("two enrolments produced the same secret")
	}
}

func TestEnrollRequiresIssuerAndAccount(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ issuer, account string }{
		{"", "alice@example.com"},
		{"WorkSynapse", ""},
	} {
		if _, _, err := mfa.Enroll(tt.issuer, tt.account); err == nil {
			t.Errorf("Enroll(%q, %q) succeeded, want error", tt.issuer, tt.account)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	secret, _, err := mfa.Enroll("WorkSynapse", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	// A fixed instant in the middle of a step, so ±30 s lands cleanly in
	// the neighbouring steps.
	now := time.Unix(1_700_000_000-1_700_000_000%mfa.Period+mfa.Period/2, 0)
	step := now.Unix() / mfa.Period
	at := func(d int64) time.Time { return now.Add(time.Duration(d*mfa.Period) * time.Second) }

	tests := []struct {
		name     string
		code     string
		lastUsed int64
		wantStep int64
		wantOK   bool
	}{
		{"current step", codeAt(t, secret, now), 0, step, true},
		{"previous step (skew)", codeAt(t, secret, at(-1)), 0, step - 1, true},
		{"next step (skew)", codeAt(t, secret, at(1)), 0, step + 1, true},
		{"two steps ago", codeAt(t, secret, at(-2)), 0, 0, false},
		{"two steps ahead", codeAt(t, secret, at(2)), 0, 0, false},
		{"replay of the same step", codeAt(t, secret, now), step, 0, false},
		{"older step after a newer one was used", codeAt(t, secret, at(-1)), step, 0, false},
		{"next step after current was used", codeAt(t, secret, at(1)), step, step + 1, true},
		{"current after previous was used", codeAt(t, secret, now), step - 1, step, true},
		{"spaces tolerated", spaced(codeAt(t, secret, now)), 0, step, true},
		{"wrong code", wrong(codeAt(t, secret, now)), 0, 0, false},
		{"too short", codeAt(t, secret, now)[:5], 0, 0, false},
		{"too long", codeAt(t, secret, now) + "0", 0, 0, false},
		{"not digits", "12a456", 0, 0, false},
		{"empty", "", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gotStep, ok := mfa.Validate(secret, tt.code, now, tt.lastUsed)
			if ok != tt.wantOK || gotStep != tt.wantStep {
				t.Fatalf("Validate = (%d, %v), want (%d, %v)", gotStep, ok, tt.wantStep, tt.wantOK)
			}
		})
	}
}

func TestValidateReplayFlow(t *testing.T) {
	t.Parallel()
	secret, _, err := mfa.Enroll("WorkSynapse", "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_015, 0)
	code := codeAt(t, secret, now)

	step, ok := mfa.Validate(secret, code, now, 0)
	if !ok {
		t.Fatal("first use rejected")
	}
	// Same code, a few seconds later and still inside its window.
	if _, ok := mfa.Validate(secret, code, now.Add(5*time.Second), step); ok {
		t.Fatal("replayed code accepted")
	}
}

// TestValidateRFC6238Vectors checks against the SHA-1 vectors of RFC 6238
// appendix B (truncated to 6 digits), independently of pquerna's generator.
func TestValidateRFC6238Vectors(t *testing.T) {
	t.Parallel()
	secret := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	tests := []struct {
		unix int64
		code string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			step, ok := mfa.Validate(secret, tt.code, time.Unix(tt.unix, 0), 0)
			if !ok || step != tt.unix/mfa.Period {
				t.Fatalf("Validate = (%d, %v), want (%d, true)", step, ok, tt.unix/mfa.Period)
			}
		})
	}
}

func TestValidateBadSecret(t *testing.T) {
	t.Parallel()
	if _, ok := mfa.Validate("not base32!", "123456", time.Unix(1_700_000_000, 0), 0); ok {
		t.Fatal("invalid secret accepted a code")
	}
}

func spaced(code string) string { return " " + code[:3] + " " + code[3:] + " " }

// wrong changes the last digit, so the result differs from code but keeps
// the format.
func wrong(code string) string {
	last := (code[len(code)-1]-'0'+1)%10 + '0'
	return code[:len(code)-1] + string(rune(last))
}
