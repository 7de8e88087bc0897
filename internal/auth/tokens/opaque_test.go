package tokens_test

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/auth/tokens"
)

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestNewOpaque(t *testing.T) {
	t.Parallel()
	token, hash, err := tokens.NewOpaque()
	if err != nil {
		t.Fatalf("NewOpaque: %v", err)
	}
	body, ok := strings.CutPrefix(token, tokens.RefreshPrefix)
	if !ok {
		t.Fatalf("token %q lacks prefix %q", token, tokens.RefreshPrefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) != 32 {
		t.Fatalf("token body decodes to %d bytes (err %v), want 32", len(raw), err)
	}
	if !hexSHA256.MatchString(hash) || hash != tokens.HashOpaque(token) {
		t.Fatalf("hash %q is not HashOpaque(token)", hash)
	}

	other, otherHash, err := tokens.NewOpaque()
	if err != nil {
		t.Fatal(err)
	}
	if other == token || otherHash == hash {
		t.Fatal("two refresh tokens collide")
	}
}

func TestNewOpaqueWithPrefix(t *testing.T) {
	t.Parallel()
	token, hash, err := tokens.NewOpaqueWithPrefix("wsx_")
	if err != nil {
		t.Fatal(err)
	}
	body, ok := strings.CutPrefix(token, "wsx_")
	raw, derr := base64.RawURLEncoding.DecodeString(body)
	if !ok || derr != nil || len(raw) != 32 || !tokens.MatchOpaque(token, hash) {
		t.Fatalf("token %q / hash %q", token, hash)
	}
}

func TestHashOpaque(t *testing.T) {
	t.Parallel()
	tests := []struct {
		token string
		want  string
	}{
		// sha256 of the empty string and of "abc" (FIPS 180-2 vector).
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := tokens.HashOpaque(tt.token); got != tt.want {
			t.Errorf("HashOpaque(%q) = %s, want %s", tt.token, got, tt.want)
		}
	}
}

func TestMatchOpaque(t *testing.T) {
	t.Parallel()
	token, hash, err := tokens.NewOpaque()
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := tokens.NewOpaque()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		token string
		hash  string
		want  bool
	}{
		{"match", token, hash, true},
		{"other token", other, hash, false},
		{"token without prefix", strings.TrimPrefix(token, tokens.RefreshPrefix), hash, false},
		{"hash presented as token", hash, hash, false},
		{"upper-case stored hash", token, strings.ToUpper(hash), false},
		{"empty stored hash", token, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tokens.MatchOpaque(tt.token, tt.hash); got != tt.want {
				t.Fatalf("MatchOpaque = %v, want %v", got, tt.want)
			}
		})
	}
}
