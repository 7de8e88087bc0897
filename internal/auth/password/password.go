// Package password hashes and checks passwords and enforces the password
// policy. bcrypt only reads the first 72 bytes of its input, so longer
// passwords are rejected instead of being truncated silently.
package password

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Policy limits.
const (
	MinLength = 12
	MaxBytes  = 72
)

// Policy violations; errors.Is works on the error Check returns.
var (
	ErrTooShort        = fmt.Errorf("password must be at least %d characters", MinLength)
	ErrTooLong         = fmt.Errorf("password must be at most %d bytes", MaxBytes)
	ErrContainsAccount = errors.New("password must not contain the username or email name")
	ErrCommon          = errors.New("password is too common")
	ErrMismatch        = errors.New("password does not match")
)

// Check enforces the policy for an account identified by username and email:
// length, no username or email name inside, and not a common password. The
// common-list lookup is case-insensitive because "Password1234" is no
// stronger than "password1234" against a guessing attack.
func Check(pw, username, email string) error {
	if utf8.RuneCountInString(pw) < MinLength {
		return ErrTooShort
	}
	if len(pw) > MaxBytes {
		return ErrTooLong
	}
	lower := strings.ToLower(pw)
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	for _, part := range []string{strings.ToLower(username), local} {
		if len(part) >= 3 && strings.Contains(lower, part) {
			return ErrContainsAccount
		}
	}
	if isCommon(lower) {
		return ErrCommon
	}
	return nil
}

// Hash returns the bcrypt hash of pw at cost.
func Hash(pw string, cost int) (string, error) {
	if len(pw) > MaxBytes {
		return "", ErrTooLong
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		return "", fmt.Errorf("password: hash: %w", err)
	}
	return string(h), nil
}

// Verify compares pw with hash in constant time (bcrypt's comparison).
func Verify(hash, pw string) error {
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)); err != nil {
		return ErrMismatch
	}
	return nil
}

// dummyHashes caches one bcrypt hash per cost; see DummyHash.
var dummyHashes sync.Map // int -> func() string

// DummyHash returns a bcrypt hash at cost of a random value, computed once
// per cost. Login verifies the submitted password against it when the
// account does not exist, so an unknown user costs the same bcrypt time as a
// known one and response timing does not reveal which accounts exist. The
// cost must match the cost of real hashes for that to hold. The value is
// random rather than a constant so that no password, not even one read from
// this source, ever matches it.
//
// It panics if bcrypt rejects cost, a configuration error that Hash would
// also hit; call it once at startup to surface that early.
func DummyHash(cost int) string {
	f, _ := dummyHashes.LoadOrStore(cost, sync.OnceValue(func() string {
		h, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), cost)
		if err != nil {
			panic(fmt.Sprintf("password: dummy hash at cost %d: %v", cost, err))
		}
		return string(h)
	}))
	return f.(func() string)()
}
