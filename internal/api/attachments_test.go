package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// upload posts one multipart file part, claiming claimedType.
func (b *taskBoard) upload(token, path, name, claimedType string, data []byte) (int, []byte) {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	h.Set("Content-Type", claimedType)
	part, err := w.CreatePart(h)
	if err != nil {
		b.t.Fatal(err)
	}
	part.Write(data)
	w.Close()
	resp, out := b.s.Do(b.t, "POST", path, w.FormDataContentType(), body.Bytes(), http.Header{"Authorization": {"Bearer " + token}})
	return resp.StatusCode, out
}

func TestAttachmentsRoundTrip(t *testing.T) {
	t.Parallel()
	const limit = 4096
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoardEnv(t, db, testserver.Env{"WORKSYNAPSE_STORAGE_MAX_UPLOAD_BYTES": fmt.Sprint(limit)})
		tk := b.newTask(b.project, 1, task.StatusTodo, nil, nil)
		path := fmt.Sprintf("/tasks/%s/attachments", tk.ID)
		// A PNG signature followed by every byte value: binary-safe, and
		// the client's "text/html" claim must be ignored.
		data := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
		for i := 0; i < 2000; i++ {
			data = append(data, byte(i))
		}
		code, out := b.upload(b.devT, path, `../../etc/évil "report".png`, "text/html", data)
		if code != 201 {
			t.Fatalf("upload: %d %s", code, out)
		}
		var a struct {
			ID          uuid.UUID `json:"id"`
			FileName    string    `json:"file_name"`
			ContentType string    `json:"content_type"`
			SizeBytes   int64     `json:"size_bytes"`
			SHA256      string    `json:"sha256"`
			StorageKey  *string   `json:"storage_key"`
		}
		json.Unmarshal(out, &a)
		sum := sha256.Sum256(data)
		if a.ContentType != "image/png" || a.SizeBytes != int64(len(data)) || a.SHA256 != hex.EncodeToString(sum[:]) ||
			a.FileName != "évil _report_.png" || a.StorageKey != nil {
			t.Errorf("attachment: %+v", a)
		}
		row := db.Ent.TaskAttachment.GetX(testfix.System(), a.ID)
		if row.StorageKey == "" || bytes.Contains([]byte(row.StorageKey), []byte("report")) {
			t.Errorf("storage key %q", row.StorageKey)
		}
		b.wantActivity(a.ID, b.dave, activitylog.ActivityTypeCreate)

		resp, got := b.s.Do(t, "GET", fmt.Sprintf("/attachments/%s/download", a.ID), "", nil, http.Header{"Authorization": {"Bearer " + b.viewT}})
		if resp.StatusCode != 200 || !bytes.Equal(got, data) {
			t.Fatalf("download: %d, %d bytes, equal=%v", resp.StatusCode, len(got), bytes.Equal(got, data))
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename*=UTF-8''%C3%A9vil%20_report_.png` {
			t.Errorf("Content-Disposition: %q", cd)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("headers: %v", resp.Header)
		}
		var page pageJSON[idJSON]
		b.must(200, b.viewT, "GET", path, nil, &page)
		if len(page.Items) != 1 || page.Items[0].ID != a.ID {
			t.Errorf("attachments: %+v", page.Items)
		}

		if code, out := b.upload(b.devT, path, "big.bin", "application/octet-stream", make([]byte, limit+1)); code != 413 {
			t.Errorf("one byte over the file limit: %d %s", code, out)
		}
		if code, _ := b.upload(b.devT, path, "huge.bin", "application/octet-stream", make([]byte, limit+200<<10)); code != 413 {
			t.Errorf("over the body limit: %d", code)
		}
		if code, _ := b.upload(b.devT, path, "exact.bin", "application/octet-stream", make([]byte, limit)); code != 201 {
			t.Errorf("exactly the limit: %d", code)
		}
		if code, _ := b.upload(b.viewT, path, "v.txt", "text/plain", []byte("hi")); code != 403 {
			t.Errorf("viewer upload: %d", code)
		}
		if code, _ := b.upload(b.otherT, path, "o.txt", "text/plain", []byte("hi")); code != 404 {
			t.Errorf("outsider upload: %d", code)
		}
		b.must(404, b.otherT, "GET", fmt.Sprintf("/attachments/%s/download", a.ID), nil, nil)
		b.must(404, b.otherT, "DELETE", "/attachments/"+a.ID.String(), nil, nil)
		b.must(204, b.adminT, "DELETE", "/attachments/"+a.ID.String(), nil, nil)
		b.must(404, b.viewT, "GET", fmt.Sprintf("/attachments/%s/download", a.ID), nil, nil)
		b.wantActivity(a.ID, b.alice.ID, activitylog.ActivityTypeDelete)
	})
}
