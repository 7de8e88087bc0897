package secretbox_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/auth/secretbox"
)

const (
	keyA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	keyB = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
)

func mustBox(t *testing.T, key, purpose string) *secretbox.Box {
	t.Helper()
	b, err := secretbox.New(key, purpose)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		key     string
		purpose string
		wantErr error
	}{
		{"ok", keyA, secretbox.PurposeMFA, nil},
		{"exactly minimum", strings.Repeat("k", secretbox.MinSecretKeyBytes), secretbox.PurposeMFA, nil},
		{"short key", strings.Repeat("k", secretbox.MinSecretKeyBytes-1), secretbox.PurposeMFA, secretbox.ErrShortKey},
		{"empty key", "", secretbox.PurposeMFA, secretbox.ErrShortKey},
		{"empty purpose", keyA, "", secretbox.ErrNoPurpose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := secretbox.New(tt.key, tt.purpose)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	box := mustBox(t, keyA, secretbox.PurposeMFA)
	tests := []struct {
		name  string
		plain []byte
	}{
		{"empty", []byte{}},
		{"totp secret", []byte("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")},
		{"binary", []byte{0, 1, 2, 0xff, 0xfe}},
		{"kilobyte", bytes.Repeat([]byte("x"), 1024)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sealed, err := box.Seal(tt.plain)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if len(tt.plain) > 0 && bytes.Contains(sealed, tt.plain) {
				t.Fatal("ciphertext contains the plaintext")
			}
			got, err := box.Open(sealed)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tt.plain) {
				t.Fatalf("Open = %q, want %q", got, tt.plain)
			}
		})
	}
}

func TestSealUsesFreshNonce(t *testing.T) {
	t.Parallel()
	box := mustBox(t, keyA, secretbox.PurposeMFA)
	a, err := box.Seal([]byte("same"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := box.Seal([]byte("same"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are identical; nonce reused")
	}
	if a[0] != 1 {
		t.Fatalf("version byte = %d, want 1", a[0])
	}
}

func TestOpenRejectsTampering(t *testing.T) {
	t.Parallel()
	box := mustBox(t, keyA, secretbox.PurposeMFA)
	sealed, err := box.Seal([]byte("JBSWY3DPEHPK3PXP"))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		c := bytes.Clone(sealed)
		c[i] ^= 0x01
		return c
	}
	tests := []struct {
		name    string
		in      []byte
		wantErr error
	}{
		{"version byte", flip(0), secretbox.ErrUnknownVersion},
		{"nonce", flip(1), secretbox.ErrDecrypt},
		{"ciphertext body", flip(14), secretbox.ErrDecrypt},
		{"tag", flip(len(sealed) - 1), secretbox.ErrDecrypt},
		{"truncated", sealed[:len(sealed)-1], secretbox.ErrDecrypt},
		{"appended byte", append(bytes.Clone(sealed), 0), secretbox.ErrDecrypt},
		{"too short", sealed[:10], secretbox.ErrMalformed},
		{"nil", nil, secretbox.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := box.Open(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got != nil {
				t.Fatalf("Open returned plaintext %q alongside an error", got)
			}
		})
	}
}

func TestOpenRejectsOtherKeyOrPurpose(t *testing.T) {
	t.Parallel()
	sealed, err := mustBox(t, keyA, secretbox.PurposeMFA).Seal([]byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		key     string
		purpose string
	}{
		{"different key", keyB, secretbox.PurposeMFA},
		{"different purpose", keyA, "worksynapse mfa v2"},
		{"both different", keyB, "worksynapse webhooks v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := mustBox(t, tt.key, tt.purpose).Open(sealed)
			if !errors.Is(err, secretbox.ErrDecrypt) {
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
		})
	}
}

func TestSameKeyAndPurposeInteroperate(t *testing.T) {
	t.Parallel()
	// Two independently constructed boxes model two server instances (or a
	// restart): the derivation must be deterministic.
	sealed, err := mustBox(t, keyA, secretbox.PurposeMFA).Seal([]byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := mustBox(t, keyA, secretbox.PurposeMFA).Open(sealed)
	if err != nil || string(got) != "secret" {
		t.Fatalf("Open = %q, %v; want secret, nil", got, err)
	}
}
