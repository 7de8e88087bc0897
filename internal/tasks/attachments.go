package tasks

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/taskattachment"
	"github.com/worksynapse/worksynapse/internal/authz"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/storage"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Upload is a file being attached.
type Upload struct {
	Name    string
	Content io.Reader
	// MaxBytes caps the content (413 beyond).
	MaxBytes int64
}

// ListAttachments pages the attachments of a task.
func (s *Service) ListAttachments(ctx context.Context, taskID uuid.UUID, p pagination.Params) (pagination.Page[*ent.TaskAttachment], error) {
	if _, err := visibleTask(ctx, s.client, taskID); err != nil {
		return pagination.Page[*ent.TaskAttachment]{}, err
	}
	return pagination.List(ctx, s.client.TaskAttachment.Query().Where(taskattachment.TaskID(taskID)), p,
		func(a *ent.TaskAttachment) uuid.UUID { return a.ID })
}

// Attach stores the upload under a random key and records its size,
// SHA-256 and sniffed content type (never the client's claim). The blob is
// removed again when the row cannot be written.
func (s *Service) Attach(ctx context.Context, store storage.Storage, taskID uuid.UUID, up Upload) (*ent.TaskAttachment, error) {
	t, err := visibleTask(ctx, s.client, taskID)
	if err != nil {
		return nil, err
	}
	v := viewer.FromContext(ctx)
	// Checked before storing, so a forbidden upload writes no bytes.
	if err := authz.Require(ctx, t.OrganizationID, "attachment", viewer.ActionCreate, "attaching files"); err != nil {
		return nil, err
	}
	key, err := storage.NewKey()
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(io.LimitReader(up.Content, up.MaxBytes+1), 512)
	head, _ := br.Peek(512) // a shorter file yields what there is
	contentType := http.DetectContentType(head)
	hash := sha256.New()
	n, err := store.Put(ctx, key, io.TeeReader(br, hash))
	if err != nil {
		return nil, err
	}
	if n > up.MaxBytes {
		_ = store.Delete(ctx, key)
		return nil, problem.PayloadTooLarge(fmt.Sprintf("the file exceeds %d bytes", up.MaxBytes))
	}
	a, err := database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.TaskAttachment, error) {
		return tx.TaskAttachment.Create().SetOrganizationID(t.OrganizationID).SetTaskID(taskID).
			SetUploaderID(v.UserID).SetFileName(SanitizeFileName(up.Name)).SetContentType(contentType).
			SetSizeBytes(n).SetSha256(hex.EncodeToString(hash.Sum(nil))).SetStorageKey(key).Save(ctx)
	})
	if err != nil {
		_ = store.Delete(ctx, key)
		return nil, err
	}
	return a, nil
}

// OpenAttachment returns a visible attachment and its bytes; the caller
// closes the reader.
func (s *Service) OpenAttachment(ctx context.Context, store storage.Storage, id uuid.UUID) (*ent.TaskAttachment, io.ReadCloser, error) {
	a, err := s.client.TaskAttachment.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	r, err := store.Get(ctx, a.StorageKey)
	if err != nil {
		return nil, nil, fmt.Errorf("tasks: open attachment %s: %w", id, err)
	}
	return a, r, nil
}

// DeleteAttachment (soft-)deletes an attachment. The blob stays while the
// row can be restored; purging removes both.
func (s *Service) DeleteAttachment(ctx context.Context, id uuid.UUID) error {
	_, err := database.InTx(ctx, s.client, func(tx *ent.Tx) (struct{}, error) {
		return struct{}{}, tx.TaskAttachment.DeleteOneID(id).Exec(ctx)
	})
	return err
}

// SanitizeFileName keeps a display name safe to store and to echo in a
// Content-Disposition header: no directories, no control characters, at
// most 255 bytes of valid UTF-8, never empty.
func SanitizeFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || r == '"' {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	for len(name) > 255 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

// ContentDisposition is the download header: attachment with the name
// percent-encoded per RFC 5987 (UTF-8, attr-chars kept).
func ContentDisposition(name string) string {
	var b strings.Builder
	for _, c := range []byte(SanitizeFileName(name)) {
		if isAttrChar(c) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return "attachment; filename*=UTF-8''" + b.String()
}

// isAttrChar is RFC 5987's attr-char.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
