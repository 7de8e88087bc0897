package tokens_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/worksynapse/worksynapse/internal/auth/tokens"
)

const (
	issuer   = "https://worksynapse.test"
	audience = "worksynapse-api"
	ttl      = 15 * time.Minute
)

var (
	key      = []byte("0123456789abcdef0123456789abcdef")
	otherKey = []byte("fedcba9876543210fedcba9876543210")
	now      = time.Unix(1_750_000_000, 0)
)

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

func newSigner(t *testing.T) *tokens.Signer {
	t.Helper()
	s, err := tokens.NewSigner(key, issuer, audience, ttl, fixed(now))
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	return s
}

// validClaims are what Sign would produce at issuedAt; forgeries start from
// them and change one thing.
func validClaims(issuedAt time.Time) tokens.Claims {
	return tokens.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   "user-1",
			Audience:  jwt.ClaimStrings{audience},
			ExpiresAt: jwt.NewNumericDate(issuedAt.Add(ttl)),
			NotBefore: jwt.NewNumericDate(issuedAt),
			IssuedAt:  jwt.NewNumericDate(issuedAt),
			ID:        "jti-1",
		},
		SessionID: "session-1",
	}
}

func sign(t *testing.T, method jwt.SigningMethod, k any, claims tokens.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(k)
	if err != nil {
		t.Fatalf("SignedString(%s): %v", method.Alg(), err)
	}
	return s
}

func TestNewSigner(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		key      []byte
		issuer   string
		audience string
		ttl      time.Duration
		wantErr  error
	}{
		{"ok", key, issuer, audience, ttl, nil},
		{"short key", key[:31], issuer, audience, ttl, tokens.ErrShortKey},
		{"nil key", nil, issuer, audience, ttl, tokens.ErrShortKey},
		{"no issuer", key, "", audience, ttl, tokens.ErrConfig},
		{"no audience", key, issuer, "", ttl, tokens.ErrConfig},
		{"zero ttl", key, issuer, audience, 0, tokens.ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tokens.NewSigner(tt.key, tt.issuer, tt.audience, tt.ttl, nil)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	s := newSigner(t)
	token, signed, err := s.Sign("user-42", "session-7")
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if signed.Subject != "user-42" || signed.SessionID != "session-7" || signed.ID == "" ||
		!signed.ExpiresAt.Equal(now.Add(ttl)) || !signed.IssuedAt.Equal(now) {
		t.Errorf("signed claims = %+v", signed)
	}
	got, err := s.Verify(token)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.Subject != "user-42" || got.SessionID != "session-7" || got.ID != signed.ID ||
		got.Issuer != issuer || len(got.Audience) != 1 || got.Audience[0] != audience {
		t.Errorf("verified claims = %+v, want %+v", got, signed)
	}

	_, again, err := s.Sign("user-42", "session-7")
	if err != nil {
		t.Fatal(err)
	}
	if again.ID == signed.ID {
		t.Error("two tokens share a jti")
	}
}

func TestSignRequiresIDs(t *testing.T) {
	t.Parallel()
	s := newSigner(t)
	for _, ids := range [][2]string{{"", "session"}, {"user", ""}} {
		if _, _, err := s.Sign(ids[0], ids[1]); !errors.Is(err, tokens.ErrMissingID) {
			t.Errorf("Sign(%q, %q) err = %v, want ErrMissingID", ids[0], ids[1], err)
		}
	}
}

func TestVerifyAcceptsWithinLeeway(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		issuedAt time.Time
	}{
		{"expired 29s ago", now.Add(-ttl - 29*time.Second)},
		{"issued 29s in the future", now.Add(29 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token := sign(t, jwt.SigningMethodHS256, key, validClaims(tt.issuedAt))
			if _, err := newSigner(t).Verify(token); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	valid := sign(t, jwt.SigningMethodHS256, key, validClaims(now))
	with := func(edit func(*tokens.Claims)) tokens.Claims {
		c := validClaims(now)
		edit(&c)
		return c
	}
	noneToken := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, validClaims(now))

	tests := []struct {
		name  string
		token string
		want  error // jwt's specific error, in addition to ErrInvalidToken
	}{
		{"alg none", noneToken, jwt.ErrTokenSignatureInvalid},
		{"alg none with the valid signature appended", noneToken + strings.Split(valid, ".")[2], jwt.ErrTokenSignatureInvalid},
		{"HS512 with the right key", sign(t, jwt.SigningMethodHS512, key, validClaims(now)), jwt.ErrTokenSignatureInvalid},
		{"HS384 with the right key", sign(t, jwt.SigningMethodHS384, key, validClaims(now)), jwt.ErrTokenSignatureInvalid},
		{"RS256", sign(t, jwt.SigningMethodRS256, rsaKey, validClaims(now)), jwt.ErrTokenSignatureInvalid},
		{"HS256 header relabelled as HS512", relabel(t, valid, "HS512"), jwt.ErrTokenSignatureInvalid},
		{"wrong key", sign(t, jwt.SigningMethodHS256, otherKey, validClaims(now)), jwt.ErrTokenSignatureInvalid},
		{"expired", sign(t, jwt.SigningMethodHS256, key, validClaims(now.Add(-ttl-31*time.Second))), jwt.ErrTokenExpired},
		{"issued in the future", sign(t, jwt.SigningMethodHS256, key, validClaims(now.Add(31*time.Second))), jwt.ErrTokenUsedBeforeIssued},
		{"wrong audience", sign(t, jwt.SigningMethodHS256, key, with(func(c *tokens.Claims) {
			c.Audience = jwt.ClaimStrings{"other-api"}
		})), jwt.ErrTokenInvalidAudience},
		{"no audience", sign(t, jwt.SigningMethodHS256, key, with(func(c *tokens.Claims) { c.Audience = nil })), jwt.ErrTokenRequiredClaimMissing},
		{"wrong issuer", sign(t, jwt.SigningMethodHS256, key, with(func(c *tokens.Claims) {
			c.Issuer = "https://evil.test"
		})), jwt.ErrTokenInvalidIssuer},
		{"no exp", sign(t, jwt.SigningMethodHS256, key, with(func(c *tokens.Claims) { c.ExpiresAt = nil })), jwt.ErrTokenRequiredClaimMissing},
		{"no iat", sign(t, jwt.SigningMethodHS256, key, with(func(c *tokens.Claims) { c.IssuedAt = nil })), jwt.ErrTokenRequiredClaimMissing},
		{"no sub", sign(t, jwt.SigningMethodHS256, key, with(func(c *tokens.Claims) { c.Subject = "" })), jwt.ErrTokenRequiredClaimMissing},
		{"no jti", sign(t, jwt.SigningMethodHS256, key, with(func(c *tokens.Claims) { c.ID = "" })), jwt.ErrTokenRequiredClaimMissing},
		{"no sid", sign(t, jwt.SigningMethodHS256, key, with(func(c *tokens.Claims) { c.SessionID = "" })), jwt.ErrTokenRequiredClaimMissing},
		{"tampered payload", tamper(t, valid), jwt.ErrTokenSignatureInvalid},
		{"signature stripped", valid[:strings.LastIndex(valid, ".")+1], jwt.ErrTokenSignatureInvalid},
		{"empty", "", jwt.ErrTokenMalformed},
		{"garbage", "not-a-jwt", jwt.ErrTokenMalformed},
		{"two segments", "e30.e30", jwt.ErrTokenMalformed},
		{"bad base64 payload", "eyJhbGciOiJIUzI1NiJ9.!!!.sig", jwt.ErrTokenMalformed},
		{"four segments", valid + ".extra", jwt.ErrTokenMalformed},
	}
	s := newSigner(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			claims, err := s.Verify(tt.token)
			if claims != nil {
				t.Errorf("Verify returned claims %+v for a rejected token", claims)
			}
			if !errors.Is(err, tokens.ErrInvalidToken) || !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want ErrInvalidToken wrapping %v", err, tt.want)
			}
		})
	}
}

// TestVerifyRejectsOtherSigner covers deployments that share a key but not
// an issuer or audience (say, staging and production).
func TestVerifyRejectsOtherSigner(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		issuer   string
		audience string
		want     error
	}{
		{"other audience", issuer, "admin-api", jwt.ErrTokenInvalidAudience},
		{"other issuer", "https://staging.worksynapse.test", audience, jwt.ErrTokenInvalidIssuer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			other, err := tokens.NewSigner(key, tt.issuer, tt.audience, ttl, fixed(now))
			if err != nil {
				t.Fatal(err)
			}
			token, _, err := other.Sign("user-1", "session-1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := newSigner(t).Verify(token); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// tamper rewrites the payload's subject while keeping the original
// signature.
func tamper(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(string(payload), `"sub":"user-1"`, `"sub":"admin"`, 1)
	if forged == string(payload) {
		t.Fatalf("payload %s has no subject to tamper with", payload)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(forged))
	return strings.Join(parts, ".")
}

// relabel swaps the header's alg while keeping payload and signature.
func relabel(t *testing.T, token, alg string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	parts[0] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","typ":"JWT"}`))
	return strings.Join(parts, ".")
}
