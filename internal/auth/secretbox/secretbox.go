// Package secretbox encrypts small secrets at rest (such as TOTP seeds)
// with AES-256-GCM under a key derived from the server's secret key.
//
// The server secret is never used directly as an AES key: HKDF-SHA256 with a
// purpose label derives an independent key per use, so a box built for one
// purpose cannot open another purpose's ciphertexts, and the raw secret stays
// usable for other derivations.
//
// Ciphertext layout:
//
//	version (1 byte) || nonce (12 bytes) || AES-GCM ciphertext and tag
//
// The version byte lets a future key (or algorithm) coexist with the current
// one during rotation; it is also fed to GCM as additional data so it cannot
// be altered without Open failing.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/hkdf"
)

// PurposeMFA is the HKDF label for TOTP secrets.
const PurposeMFA = "worksynapse mfa v1"

// PurposeMail is the HKDF label for queued mail (it carries single-use
// tokens, so job rows hold it sealed).
const PurposeMail = "worksynapse mail job v1"

// MinSecretKeyBytes matches the configuration's minimum secret key length.
const MinSecretKeyBytes = 32

const (
	version1  byte = 1
	keyBytes       = 32 // AES-256
	nonceSize      = 12 // GCM standard nonce
)

// Errors returned by New and Open; errors.Is works on wrapped forms.
var (
	ErrShortKey       = fmt.Errorf("secretbox: secret key must be at least %d bytes", MinSecretKeyBytes)
	ErrNoPurpose      = errors.New("secretbox: purpose must not be empty")
	ErrMalformed      = errors.New("secretbox: ciphertext is malformed")
	ErrUnknownVersion = errors.New("secretbox: unknown ciphertext version")
	ErrDecrypt        = errors.New("secretbox: decryption failed")
)

// Box seals and opens secrets for a single purpose. It is safe for
// concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New derives an AES-256-GCM key from secretKey for purpose and returns a Box.
func New(secretKey, purpose string) (*Box, error) {
	if len(secretKey) < MinSecretKeyBytes {
		return nil, ErrShortKey
	}
	if purpose == "" {
		return nil, ErrNoPurpose
	}
	key, err := deriveKey(secretKey, purpose)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: new cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: new gcm: %w", err)
	}
	return &Box{aead: aead}, nil
}

// deriveKey runs HKDF-SHA256 with the purpose as the info label. No salt is
// used: the input is already a high-entropy key, and a fixed derivation is
// what lets every server instance arrive at the same key.
func deriveKey(secretKey, purpose string) ([]byte, error) {
	key := make([]byte, keyBytes)
	r := hkdf.New(sha256.New, []byte(secretKey), nil, []byte(purpose))
	if _, err := io.ReadFull(r, key); err != nil {
		return nil, fmt.Errorf("secretbox: derive key: %w", err)
	}
	return key, nil
}

// Seal encrypts plaintext with a fresh random nonce. Random nonces are safe
// here because the volume of sealed secrets is tiny compared with GCM's
// 2^32-message bound for random 96-bit nonces.
func (b *Box) Seal(plaintext []byte) ([]byte, error) {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+b.aead.Overhead())
	out[0] = version1
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("secretbox: nonce: %w", err)
	}
	// The version is passed as a separate slice because the AEAD contract
	// forbids additional data overlapping dst.
	return b.aead.Seal(out, out[1:], plaintext, []byte{version1}), nil
}

// Open authenticates and decrypts a ciphertext produced by Seal. Any
// modification, a different key, or a different purpose yields an error.
func (b *Box) Open(ciphertext []byte) ([]byte, error) {
	if len(ciphertext) < 1+nonceSize+b.aead.Overhead() {
		return nil, ErrMalformed
	}
	if ciphertext[0] != version1 {
		return nil, fmt.Errorf("%w: %d", ErrUnknownVersion, ciphertext[0])
	}
	nonce := ciphertext[1 : 1+nonceSize]
	plain, err := b.aead.Open(nil, nonce, ciphertext[1+nonceSize:], []byte{version1})
	if err != nil {
		// GCM's error carries no detail worth keeping; a stable sentinel
		// lets callers distinguish "wrong key or tampered" from malformed.
		return nil, ErrDecrypt
	}
	return plain, nil
}
