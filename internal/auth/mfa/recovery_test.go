package mfa_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/auth/mfa"
)

var recoveryFormat = regexp.MustCompile(`^[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}$`)

func TestNewRecoveryCodes(t *testing.T) {
	t.Parallel()
	plain, hashes, err := mfa.NewRecoveryCodes(mfa.RecoveryCodeCount)
	if err != nil {
		t.Fatalf("NewRecoveryCodes: %v", err)
	}
	if len(plain) != mfa.RecoveryCodeCount || len(hashes) != mfa.RecoveryCodeCount {
		t.Fatalf("got %d codes and %d hashes, want %d each", len(plain), len(hashes), mfa.RecoveryCodeCount)
	}
	seen := map[string]bool{}
	for i, code := range plain {
		if !recoveryFormat.MatchString(code) {
			t.Errorf("code %q has the wrong format or an ambiguous character", code)
		}
		if seen[code] {
			t.Errorf("duplicate code %q", code)
		}
		seen[code] = true
		if strings.Contains(hashes[i], code) || len(hashes[i]) != 64 {
			t.Errorf("hash %q is not a hex SHA-256 digest", hashes[i])
		}
		if idx, ok := mfa.MatchRecoveryCode(hashes, code); !ok || idx != i {
			t.Errorf("MatchRecoveryCode(%q) = (%d, %v), want (%d, true)", code, idx, ok, i)
		}
	}
}

func TestNewRecoveryCodesCount(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, -1} {
		if _, _, err := mfa.NewRecoveryCodes(n); !errors.Is(err, mfa.ErrCodeCount) {
			t.Errorf("NewRecoveryCodes(%d) err = %v, want ErrCodeCount", n, err)
		}
	}
	plain, hashes, err := mfa.NewRecoveryCodes(1)
	if err != nil || len(plain) != 1 || len(hashes) != 1 {
		t.Errorf("NewRecoveryCodes(1) = %d, %d, %v", len(plain), len(hashes), err)
	}
}

func TestMatchRecoveryCode(t *testing.T) {
	t.Parallel()
	plain, hashes, err := mfa.NewRecoveryCodes(mfa.RecoveryCodeCount)
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := mfa.NewRecoveryCodes(1)
	if err != nil {
		t.Fatal(err)
	}
	last := len(plain) - 1
	tests := []struct {
		name      string
		code      string
		wantIndex int
		wantOK    bool
	}{
		{"exact", plain[3], 3, true},
		{"first", plain[0], 0, true},
		{"last", plain[last], last, true},
		{"upper case", strings.ToUpper(plain[3]), 3, true},
		{"no dashes", strings.ReplaceAll(plain[3], "-", ""), 3, true},
		{"spaces instead of dashes", strings.ReplaceAll(plain[3], "-", " "), 3, true},
		{"surrounding whitespace", "  " + plain[3] + "\t", 3, true},
		{"code from another set", other[0], -1, false},
		{"one character changed", mutate(plain[3]), -1, false},
		{"truncated", plain[3][:13], -1, false},
		{"extra character", plain[3] + "a", -1, false},
		{"empty", "", -1, false},
		{"hash instead of code", hashes[3], -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			idx, ok := mfa.MatchRecoveryCode(hashes, tt.code)
			if idx != tt.wantIndex || ok != tt.wantOK {
				t.Fatalf("MatchRecoveryCode = (%d, %v), want (%d, %v)", idx, ok, tt.wantIndex, tt.wantOK)
			}
		})
	}
}

// TestRecoveryCodeSingleUse models the caller's contract: the matched hash
// is removed, after which the same code no longer matches while the others
// still do.
func TestRecoveryCodeSingleUse(t *testing.T) {
	t.Parallel()
	plain, hashes, err := mfa.NewRecoveryCodes(mfa.RecoveryCodeCount)
	if err != nil {
		t.Fatal(err)
	}
	idx, ok := mfa.MatchRecoveryCode(hashes, plain[5])
	if !ok || idx != 5 {
		t.Fatalf("first use = (%d, %v), want (5, true)", idx, ok)
	}
	hashes[idx] = "" // consumed

	if idx, ok := mfa.MatchRecoveryCode(hashes, plain[5]); ok {
		t.Fatalf("consumed code matched again at %d", idx)
	}
	if idx, ok := mfa.MatchRecoveryCode(hashes, plain[6]); !ok || idx != 6 {
		t.Fatalf("unused code = (%d, %v), want (6, true)", idx, ok)
	}
	if _, ok := mfa.MatchRecoveryCode(nil, plain[6]); ok {
		t.Fatal("matched against an empty hash list")
	}
}

// mutate replaces the first character with a different alphabet symbol.
func mutate(code string) string {
	repl := "2"
	if code[0] == '2' {
		repl = "3"
	}
	return repl + code[1:]
}
