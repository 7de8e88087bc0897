// Package mfa implements second factors: TOTP (RFC 6238) authenticator
// codes and single-use recovery codes.
//
// The package is storage-agnostic. Callers persist the TOTP secret
// (encrypted, see internal/auth/secretbox), the last accepted TOTP step, and
// the recovery code hashes; the functions here only generate and check.
package mfa

import (
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters. They are the defaults every mainstream authenticator app
// supports; several apps silently ignore other values in the otpauth URI,
// which would make enrolment appear to work and every code fail.
const (
	Period      = 30 // seconds per step
	Digits      = 6
	SecretBytes = 20 // 160 bits, the HMAC-SHA1 block-size recommendation of RFC 4226
	// Skew is how many steps either side of the current one are accepted,
	// to tolerate clock drift and the time it takes to type a code.
	Skew = 1
)

// hotpOpts generates the code for one explicit counter (step). Going through
// HOTP rather than totp.ValidateCustom is what lets Validate learn which
// step matched, which replay protection needs.
var hotpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Enroll creates a new random TOTP secret for account and returns it in
// base32 (unpadded, as authenticator apps expect) together with the
// otpauth:// URI to render as a QR code. Store the secret encrypted.
func Enroll(issuer, account string) (secret, uri string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      Period,
		SecretSize:  SecretBytes,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", fmt.Errorf("mfa: generate totp key: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// Validate checks code against secret at time now. It accepts the current
// step and Skew steps either side, but never a step <= lastUsedStep: a code
// stays valid for up to a minute and a half, and without this check an
// observed (phished, shoulder-surfed) code could be replayed in that window.
//
// On success it returns the matched step; the caller must store it and pass
// it as lastUsedStep next time. Pass 0 for an account that has never
// verified a code (step 0 is in 1970, so no real code is excluded).
func Validate(secret, code string, now time.Time, lastUsedStep int64) (step int64, ok bool) {
	code, valid := normalizeCode(code)
	if !valid {
		return 0, false
	}
	current := stepAt(now)
	matched := int64(-1)
	// Every candidate is computed and compared, and the loop never exits
	// early, so timing does not reveal which step (if any) matched.
	for s := current - Skew; s <= current+Skew; s++ {
		if s < 0 || s <= lastUsedStep {
			continue
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), hotpOpts)
		if err != nil {
			return 0, false // undecodable secret: nothing can match
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			// Ascending order keeps the latest matching step, the
			// conservative choice for the replay high-water mark.
			matched = s
		}
	}
	if matched < 0 {
		return 0, false
	}
	return matched, true
}

// stepAt is the RFC 6238 time counter T = floor(unix / period).
func stepAt(t time.Time) int64 {
	return t.Unix() / Period
}

// normalizeCode strips the spaces some apps insert ("123 456") and checks
// the result is exactly Digits ASCII digits.
func normalizeCode(code string) (string, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != Digits {
		return "", false
	}
	for i := range len(code) {
		if code[i] < '0' || code[i] > '9' {
			return "", false
		}
	}
	return code, true
}
