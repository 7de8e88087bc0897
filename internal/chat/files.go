package chat

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/message"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/storage"
	"github.com/worksynapse/worksynapse/internal/tasks"
)

// Upload is a file being attached to a message.
type Upload struct {
	Name    string
	Content io.Reader
}

// sniff reads the head of r to detect its media type (never the client's
// claim) and returns a reader of the whole content.
func sniff(r io.Reader, limit int64) (string, io.Reader) {
	br := bufio.NewReaderSize(io.LimitReader(r, limit+1), 512)
	head, _ := br.Peek(512) // a shorter file yields what there is
	mt, _, err := mime.ParseMediaType(http.DetectContentType(head))
	if err != nil {
		mt = "application/octet-stream"
	}
	return mt, br
}

// AttachFile stores a file of the viewer's own message: the content type
// sniffed from the bytes must be allowed (chat.file_content_types), the
// size at most storage.max_upload_bytes; the SHA-256 is recorded. The
// blob is removed again when the row cannot be written.
func (s *Service) AttachFile(ctx context.Context, msgID uuid.UUID, up Upload) (*ent.MessageFile, error) {
	uid, err := me(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.client.Message.Get(ctx, msgID)
	if err != nil {
		return nil, err
	}
	if m.AuthorID == nil || *m.AuthorID != uid {
		return nil, problem.Forbidden("only the message's author attaches files to it")
	}
	contentType, content := sniff(up.Content, s.opts.MaxUploadBytes)
	if !slices.Contains(s.opts.FileContentTypes, contentType) {
		return nil, problem.Validation("file type not allowed", problem.FieldError{Field: "file",
			Message: fmt.Sprintf("%s is not among the allowed types %v", contentType, s.opts.FileContentTypes)})
	}
	key, err := storage.NewKey()
	if err != nil {
		return nil, err
	}
	hash := sha256.New()
	n, err := s.opts.Files.Put(ctx, key, io.TeeReader(content, hash))
	if err != nil {
		return nil, err
	}
	if n > s.opts.MaxUploadBytes {
		_ = s.opts.Files.Delete(ctx, key)
		return nil, problem.PayloadTooLarge(fmt.Sprintf("the file exceeds %d bytes", s.opts.MaxUploadBytes))
	}
	f, err := database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.MessageFile, error) {
		if _, err := writable(ctx, tx, m.ChannelID); err != nil {
			return nil, err
		}
		f, err := tx.MessageFile.Create().SetOrganizationID(m.OrganizationID).SetMessageID(m.ID).
			SetChannelID(m.ChannelID).SetUploaderID(uid).SetFileName(tasks.SanitizeFileName(up.Name)).
			SetContentType(contentType).SetSizeBytes(n).SetSha256(hex.EncodeToString(hash.Sum(nil))).
			SetStorageKey(key).Save(ctx)
		if err != nil {
			return nil, err
		}
		// has_files is a derived flag (see exec), set without an audit row.
		return f, exec(ctx, tx, sql.Dialect(s.dialect).Update(message.Table).
			Set(message.FieldHasFiles, true).Where(sql.EQ(message.FieldID, m.ID)))
	})
	if err != nil {
		_ = s.opts.Files.Delete(ctx, key)
		return nil, err
	}
	return f, nil
}

// OpenFile returns a message file of a channel the viewer can read, and
// its bytes; the caller closes the reader.
func (s *Service) OpenFile(ctx context.Context, id uuid.UUID) (*ent.MessageFile, io.ReadCloser, error) {
	f, err := s.client.MessageFile.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.opts.Files.Get(ctx, f.StorageKey)
	if err != nil {
		return nil, nil, fmt.Errorf("chat: open file %s: %w", id, err)
	}
	return f, r, nil
}
