// Package tokens issues and verifies session credentials: short-lived JWT
// access tokens and opaque refresh tokens.
//
// Access tokens are verified statelessly on every request, so the verifier
// is deliberately strict: one algorithm, one issuer, one audience, and the
// time claims must be present. Refresh tokens are random strings that only
// the database can vouch for; just their hash is stored.
package tokens

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MinKeyBytes is the shortest accepted HS256 key: RFC 7518 §3.2 requires a
// key at least as long as the hash output (256 bits).
const MinKeyBytes = 32

// Leeway is the clock skew tolerated on exp, nbf and iat, for servers whose
// clocks disagree slightly. Keep it small: it extends every token's life.
const Leeway = 30 * time.Second

// Errors returned by NewSigner, Sign and Verify.
var (
	ErrShortKey     = fmt.Errorf("tokens: signing key must be at least %d bytes", MinKeyBytes)
	ErrConfig       = errors.New("tokens: issuer, audience and a positive ttl are required")
	ErrMissingID    = errors.New("tokens: user id and session id are required")
	ErrInvalidToken = errors.New("tokens: invalid access token")
)

// Claims are the access token's claims. Subject is the user id, ID (jti) a
// random token id, and SessionID ties the token to the server-side session
// so revoking the session can revoke its tokens.
type Claims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
}

// Validate is called by the jwt parser after the registered-claim checks.
// jwt/v5 can require exp but has no option to require iat, and tokens
// without a subject or session are useless to us, so they are checked here.
func (c *Claims) Validate() error {
	var missing []error
	for _, claim := range []struct {
		name   string
		absent bool
	}{
		{"iat", c.IssuedAt == nil},
		{"sub", c.Subject == ""},
		{"jti", c.ID == ""},
		{"sid", c.SessionID == ""},
	} {
		if claim.absent {
			missing = append(missing, fmt.Errorf("%w: %s", jwt.ErrTokenRequiredClaimMissing, claim.name))
		}
	}
	return errors.Join(missing...)
}

// Signer signs and verifies HS256 access tokens. It is safe for concurrent
// use.
type Signer struct {
	key      []byte
	issuer   string
	audience string
	ttl      time.Duration
	clock    func() time.Time
	parser   *jwt.Parser
}

// NewSigner returns a Signer. clock may be nil to use time.Now; tests pass a
// fixed clock. key is copied.
func NewSigner(key []byte, issuer, audience string, ttl time.Duration, clock func() time.Time) (*Signer, error) {
	if len(key) < MinKeyBytes {
		return nil, ErrShortKey
	}
	if issuer == "" || audience == "" || ttl <= 0 {
		return nil, ErrConfig
	}
	if clock == nil {
		clock = time.Now
	}
	return &Signer{
		key:      append([]byte(nil), key...),
		issuer:   issuer,
		audience: audience,
		ttl:      ttl,
		clock:    clock,
		parser: jwt.NewParser(
			// Pinning the algorithm is what defeats "alg": "none" and
			// algorithm-confusion attacks; the token's header is attacker
			// controlled and must never choose how it is verified.
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(Leeway),
			jwt.WithTimeFunc(clock),
		),
	}, nil
}

// Sign issues an access token for userID within sessionID and returns it
// with its claims (the caller may log the jti or expiry).
func (s *Signer) Sign(userID, sessionID string) (string, Claims, error) {
	if userID == "" || sessionID == "" {
		return "", Claims{}, ErrMissingID
	}
	jti, err := randomID()
	if err != nil {
		return "", Claims{}, err
	}
	now := s.clock()
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.issuer,
			Subject:   userID,
			Audience:  jwt.ClaimStrings{s.audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(s.ttl)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        jti,
		},
		SessionID: sessionID,
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
	if err != nil {
		return "", Claims{}, fmt.Errorf("tokens: sign: %w", err)
	}
	return token, claims, nil
}

// Verify checks token's signature and claims and returns the claims. The
// error wraps ErrInvalidToken and the jwt package's specific error (for
// example jwt.ErrTokenExpired), so callers can tell "refresh and retry"
// from "reject".
func (s *Signer) Verify(token string) (*Claims, error) {
	claims := &Claims{}
	if _, err := s.parser.ParseWithClaims(token, claims, s.keyFunc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return claims, nil
}

// keyFunc re-checks the algorithm even though the parser already pinned it,
// so that removing the parser option by mistake cannot open the door to
// forged tokens.
func (s *Signer) keyFunc(t *jwt.Token) (any, error) {
	if t.Method != jwt.SigningMethodHS256 {
		return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
	}
	return s.key, nil
}

// randomID returns a 128-bit random token id, enough that ids never collide
// and cannot be guessed.
func randomID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("tokens: token id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
