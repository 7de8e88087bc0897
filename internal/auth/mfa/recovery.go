package mfa

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// RecoveryCodeCount is how many recovery codes an account is issued.
const RecoveryCodeCount = 10

// recoveryAlphabet is lower-case base32-like without the characters people
// confuse when copying from paper: 0/o, 1/l/i. 31 symbols, so a
// 12-character code carries about 59 bits of entropy.
const recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

const (
	recoveryGroups   = 3
	recoveryGroupLen = 4
	recoveryLen      = recoveryGroups * recoveryGroupLen
)

// ErrCodeCount is returned by NewRecoveryCodes for a non-positive n.
var ErrCodeCount = errors.New("mfa: recovery code count must be positive")

// NewRecoveryCodes returns n codes formatted "xxxx-xxxx-xxxx" to show the
// user once, and the hex SHA-256 hash of each to store. hashes[i] belongs to
// plain[i].
func NewRecoveryCodes(n int) (plain, hashes []string, err error) {
	if n <= 0 {
		return nil, nil, ErrCodeCount
	}
	plain = make([]string, n)
	hashes = make([]string, n)
	for i := range n {
		raw, err := randomString(recoveryLen)
		if err != nil {
			return nil, nil, fmt.Errorf("mfa: recovery code: %w", err)
		}
		plain[i] = formatRecoveryCode(raw)
		hashes[i] = hashRecoveryCode(raw)
	}
	return plain, hashes, nil
}

// MatchRecoveryCode reports which stored hash, if any, code matches.
// Input is normalized (case, dashes and spaces ignored). Every entry is
// compared without early exit, so timing does not reveal the position of a
// match. Codes are single use: on success the caller must delete or blank
// hashes[index] in the same transaction that completes the login. Blank
// entries never match.
func MatchRecoveryCode(hashes []string, code string) (index int, ok bool) {
	norm := normalizeRecoveryCode(code)
	if len(norm) != recoveryLen {
		return -1, false
	}
	want := []byte(hashRecoveryCode(norm))
	index, found := -1, 0
	for i, h := range hashes {
		eq := subtle.ConstantTimeCompare([]byte(h), want)
		index = subtle.ConstantTimeSelect(eq, i, index)
		found |= eq
	}
	return index, found == 1
}

// hashRecoveryCode hashes a normalized code. Unlike passwords, a fast hash
// is right here: the codes are ~59 bits of uniform randomness chosen by us,
// not by people, so there is no dictionary to try and exhausting the space
// takes GPU-years even at SHA-256 speed. A slow KDF would mostly add login
// latency, and bcrypt in particular cannot be compared in one constant-time
// pass over all stored hashes.
func hashRecoveryCode(norm string) string {
	sum := sha256.Sum256([]byte(norm))
	return hex.EncodeToString(sum[:])
}

func normalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ', '\t':
			return -1
		}
		return r
	}, strings.ToLower(code))
}

func formatRecoveryCode(raw string) string {
	var b strings.Builder
	for g := range recoveryGroups {
		if g > 0 {
			b.WriteByte('-')
		}
		b.WriteString(raw[g*recoveryGroupLen : (g+1)*recoveryGroupLen])
	}
	return b.String()
}

// randomString draws n symbols uniformly from recoveryAlphabet. Bytes at or
// above the largest multiple of the alphabet size are rejected so that the
// modulo does not bias some symbols.
func randomString(n int) (string, error) {
	const size = len(recoveryAlphabet)
	const limit = 256 - 256%size
	out := make([]byte, 0, n)
	buf := make([]byte, n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("read random: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, recoveryAlphabet[int(b)%size])
			}
		}
	}
	return string(out), nil
}
