package password_test

import (
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/worksynapse/worksynapse/internal/auth/password"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	const (
		user  = "alice_w"
		email = "Alice.Wonder@example.com"
	)
	tests := []struct {
		name    string
		pw      string
		user    string
		email   string
		wantErr error
	}{
		{"good passphrase", "violet-harbor-tractor-91", user, email, nil},
		{"exactly 12 runes", "vH7#kq2!Lm9z", user, email, nil},
		{"11 runes", "vH7#kq2!Lm9", user, email, password.ErrTooShort},
		{"empty", "", user, email, password.ErrTooShort},
		{"11 multibyte runes (33 bytes) is short", strings.Repeat("日", 11), user, email, password.ErrTooShort},
		{"12 multibyte runes is long enough", "日本語のパスワードですよね", user, email, nil},
		{"72 bytes of multibyte runes", strings.Repeat("日", 24), user, email, nil},
		{"75 bytes in 25 multibyte runes", strings.Repeat("日", 25), user, email, password.ErrTooLong},
		{"73 ASCII bytes", strings.Repeat("x7", 36) + "q", user, email, password.ErrTooLong},
		{"emoji past 72 bytes", strings.Repeat("🔒", 19), user, email, password.ErrTooLong},
		{"contains username", "my-alice_w-secret-99", user, email, password.ErrContainsAccount},
		{"contains username, other case", "my-ALICE_W-secret-99", user, email, password.ErrContainsAccount},
		{"contains email local part", "xx-alice.wonder-2024", user, email, password.ErrContainsAccount},
		{"contains email local part, other case", "xx-ALICE.WONDER-2024", user, email, password.ErrContainsAccount},
		{"domain is not the local part", "example.com-is-not-me", user, email, nil},
		{"username under 3 runes is ignored", "violet-harbor-al-91", "al", "al@example.com", nil},
		{"common", "password1234", user, email, password.ErrCommon},
		{"common, mixed case", "Password1234", user, email, password.ErrCommon},
		{"common keyboard walk", "QWERTYUIOPASDF", user, email, password.ErrCommon},
		{"common digits", "123456789012", user, email, password.ErrCommon},
		{"common phrase", "iloveyou1234", user, email, password.ErrCommon},
		{"common spray pattern", "Welcome2024!", user, email, password.ErrCommon},
		{"common with a twist is allowed", "password1234-violet", user, email, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := password.Check(tt.pw, tt.user, tt.email); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Check(%q) = %v, want %v", tt.pw, err, tt.wantErr)
			}
		})
	}
}

// TestCommonList guards the embedded file's format: Check lower-cases the
// password before the lookup, so an upper-case or padded entry would never
// match.
func TestCommonList(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("common.txt")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	long := 0
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		switch {
		case line == "" || strings.TrimSpace(line) != line:
			t.Errorf("line %d: %q is empty or padded", i+1, line)
		case strings.ToLower(line) != line:
			t.Errorf("line %d: %q is not lower case", i+1, line)
		case seen[line]:
			t.Errorf("line %d: %q is a duplicate", i+1, line)
		}
		seen[line] = true
		if utf8.RuneCountInString(line) >= password.MinLength {
			long++
		}
	}
	if len(seen) < 1000 {
		t.Errorf("list has %d entries, want at least 1000", len(seen))
	}
	// Only entries of MinLength or more can change Check's answer.
	if long < 500 {
		t.Errorf("list has %d entries of %d+ runes, want at least 500", long, password.MinLength)
	}
	for _, want := range []string{"123456", "password", "qwerty", "iloveyou",
		"qwertyuiopasdf", "password1234", "123456789012", "iloveyou1234"} {
		if !seen[want] {
			t.Errorf("list lacks %q", want)
		}
	}
}

func TestHashAndVerify(t *testing.T) {
	t.Parallel()
	const pw = "violet-harbor-tractor-91"
	hash, err := password.Hash(pw, bcrypt.MinCost)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	tests := []struct {
		name    string
		pw      string
		wantErr error
	}{
		{"right password", pw, nil},
		{"wrong password", pw + "x", password.ErrMismatch},
		{"other case", strings.ToUpper(pw), password.ErrMismatch},
		{"empty", "", password.ErrMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := password.Verify(hash, tt.pw); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			}
		})
	}
	if _, err := password.Hash(strings.Repeat("x", password.MaxBytes+1), bcrypt.MinCost); !errors.Is(err, password.ErrTooLong) {
		t.Errorf("Hash of %d bytes = %v, want ErrTooLong", password.MaxBytes+1, err)
	}
}

func TestDummyHash(t *testing.T) {
	t.Parallel()
	const cost = bcrypt.MinCost
	// Concurrent first calls must agree: the hash is computed once.
	hashes := make([]string, 8)
	var wg sync.WaitGroup
	for i := range hashes {
		wg.Go(func() { hashes[i] = password.DummyHash(cost) })
	}
	wg.Wait()
	for _, h := range hashes[1:] {
		if h != hashes[0] {
			t.Fatal("DummyHash returned different hashes for one cost")
		}
	}

	for _, c := range []int{cost, cost + 1} {
		got, err := bcrypt.Cost([]byte(password.DummyHash(c)))
		if err != nil || got != c {
			t.Errorf("DummyHash(%d) has cost %d (err %v), want %d", c, got, err, c)
		}
	}
	for _, pw := range []string{"", "password", "violet-harbor-tractor-91"} {
		if err := password.Verify(password.DummyHash(cost), pw); !errors.Is(err, password.ErrMismatch) {
			t.Errorf("Verify(DummyHash, %q) = %v, want ErrMismatch", pw, err)
		}
	}
}

func TestDummyHashInvalidCostPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("DummyHash(bcrypt.MaxCost+1) did not panic")
		}
	}()
	password.DummyHash(bcrypt.MaxCost + 1)
}
