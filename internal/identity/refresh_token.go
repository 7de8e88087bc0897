package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/google/uuid"
)

// refreshPrefix marks WorkSynapse refresh tokens (secret scanners can
// recognise them).
const refreshPrefix = "wsr_"

// newRefreshToken returns an opaque token that names its session (so a
// replayed, rotated token can be traced to its family without a lookup
// table) and its SHA-256 hash, which is all the database stores.
func newRefreshToken(session uuid.UUID) (token, hash string, err error) {
	buf := make([]byte, 16+32)
	copy(buf, session[:])
	if _, err := rand.Read(buf[16:]); err != nil {
		return "", "", err
	}
	token = refreshPrefix + base64.RawURLEncoding.EncodeToString(buf)
	return token, hashToken(token), nil
}

// parseRefreshToken returns the session a token claims to belong to.
func parseRefreshToken(token string) (uuid.UUID, bool) {
	raw, ok := strings.CutPrefix(token, refreshPrefix)
	if !ok {
		return uuid.Nil, false
	}
	buf, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(buf) != 48 {
		return uuid.Nil, false
	}
	id, err := uuid.FromBytes(buf[:16])
	return id, err == nil
}

// hashToken is a fast hash: refresh tokens carry 256 random bits, so
// brute-forcing a leaked hash is hopeless and bcrypt would only cost CPU.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
