package storage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/storage"
)

func TestLocalRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key, err := storage.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("hello\x00world")
	if n, err := s.Put(ctx, key, bytes.NewReader(data)); err != nil || n != int64(len(data)) {
		t.Fatalf("put: %d %v", n, err)
	}
	r, err := s.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, data) {
		t.Errorf("got %q", got)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Errorf("second delete: %v", err)
	}
}

func TestLocalRefusesForeignKeys(t *testing.T) {
	s, _ := storage.NewLocal(t.TempDir())
	for _, key := range []string{"../../etc/passwd", "report.pdf", "", strings.Repeat("A", 32)} {
		if _, err := s.Put(context.Background(), key, strings.NewReader("x")); err == nil {
			t.Errorf("key %q accepted", key)
		}
	}
}
