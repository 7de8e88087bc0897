// Package password hashes and checks passwords and enforces the password
// policy. bcrypt only reads the first 72 bytes of its input, so longer
// passwords are rejected instead of being truncated silently.
package password

import (
	"errors"
	"fmt"
	"strings"
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
	ErrMismatch        = errors.New("password does not match")
)

// Check enforces the policy for an account identified by username and email.
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
