package tokens

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// RefreshPrefix marks refresh tokens. A recognisable prefix lets secret
// scanners flag leaked tokens and makes a token's kind obvious in logs and
// support tickets.
const RefreshPrefix = "wsr_"

const opaqueBytes = 32 // 256 bits: unguessable, so a plain hash suffices

// NewOpaque returns a new refresh token and the hash to store. The token is
// shown to the client once and never persisted; a database leak then yields
// hashes that cannot be presented as tokens.
func NewOpaque() (token, hash string, err error) {
	return NewOpaqueWithPrefix(RefreshPrefix)
}

// NewOpaqueWithPrefix is NewOpaque for other kinds of opaque token (such as
// mailed email-verification and password-reset tokens), each with its own
// recognisable prefix.
func NewOpaqueWithPrefix(prefix string) (token, hash string, err error) {
	b := make([]byte, opaqueBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("tokens: opaque token: %w", err)
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashOpaque(token), nil
}

// HashOpaque returns the hex SHA-256 of token, the value to store and to
// look tokens up by. A fast hash is right because the token has 256 bits of
// entropy: there is nothing to brute-force, unlike a password.
func HashOpaque(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// MatchOpaque reports whether token hashes to storedHash, in constant time.
// Use it when a stored hash is compared in Go rather than by the database
// lookup itself.
func MatchOpaque(token, storedHash string) bool {
	return subtle.ConstantTimeCompare([]byte(HashOpaque(token)), []byte(storedHash)) == 1
}
