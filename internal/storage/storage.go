// Package storage keeps uploaded files (task attachments) as opaque blobs
// under random keys. Keys never derive from client input (file names), so
// no upload can choose or traverse a path.
package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// ErrNotFound is returned for a key that holds no blob.
var ErrNotFound = errors.New("storage: not found")

// Storage stores blobs by key.
type Storage interface {
	// Put writes r under key and returns the number of bytes written.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Get opens the blob of key; the caller closes it.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the blob of key; a missing blob is not an error.
	Delete(ctx context.Context, key string) error
}

// NewKey returns a fresh random key (128 bits, hex).
func NewKey() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("storage: random key: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// keyRE is the shape of NewKey's keys; Local refuses anything else.
var keyRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Local stores blobs as files of a directory, fanned out by the first two
// key characters.
type Local struct{ dir string }

var _ Storage = (*Local)(nil)

// NewLocal uses dir, creating it if needed.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("storage: create %s: %w", dir, err)
	}
	return &Local{dir: dir}, nil
}

func (l *Local) path(key string) (string, error) {
	if !keyRE.MatchString(key) {
		return "", fmt.Errorf("storage: invalid key %q", key)
	}
	return filepath.Join(l.dir, key[:2], key), nil
}

// Put writes to a temporary file and renames it into place, so a failed
// or partial upload never leaves a blob under key.
func (l *Local) Put(_ context.Context, key string, r io.Reader) (int64, error) {
	p, err := l.path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return 0, fmt.Errorf("storage: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return 0, fmt.Errorf("storage: %w", err)
	}
	defer os.Remove(f.Name()) // no-op after the rename
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("storage: write %s: %w", key, err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return n, fmt.Errorf("storage: %w", err)
	}
	return n, nil
}

// Get opens the file of key.
func (l *Local) Get(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// Delete removes the file of key.
func (l *Local) Delete(_ context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage: delete %s: %w", key, err)
	}
	return nil
}
