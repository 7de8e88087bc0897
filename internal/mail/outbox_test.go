package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/mail"
)

func TestOutboxKeepsTheLastMessagesAndNeverLogsBodies(t *testing.T) {
	var logs bytes.Buffer
	o := mail.NewOutbox(slog.New(slog.NewJSONHandler(&logs, nil)))
	ctx := context.Background()
	for i := range mail.OutboxCapacity + 5 {
		to := fmt.Sprintf("u%d@example.com", i%3)
		if err := o.Send(ctx, mail.Message{To: to, Subject: "Reset", Text: fmt.Sprintf("secret-token-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	msgs := o.Messages()
	if len(msgs) != mail.OutboxCapacity || msgs[0].Text != "secret-token-5" || msgs[len(msgs)-1].Text != fmt.Sprintf("secret-token-%d", mail.OutboxCapacity+4) {
		t.Fatalf("outbox must keep the last %d messages in order: %d, first %q", mail.OutboxCapacity, len(msgs), msgs[0].Text)
	}
	last, ok := o.Last("U1@EXAMPLE.COM")
	if want := fmt.Sprintf("secret-token-%d", mail.OutboxCapacity+3); !ok || last.Text != want {
		t.Errorf("Last = %q %v, want %q", last.Text, ok, want)
	}
	if _, ok := o.Last("nobody@example.com"); ok {
		t.Error("Last of an unknown recipient must report false")
	}
	if !strings.Contains(logs.String(), "mail queued") || strings.Contains(logs.String(), "secret-token") {
		t.Errorf("logs must say mail queued without the body:\n%.300s", logs.String())
	}
	msgs[0].Text = "changed"
	if o.Messages()[0].Text == "changed" {
		t.Error("Messages must return a copy")
	}
}

func TestMessagesThatCouldInjectHeadersAreRefused(t *testing.T) {
	o := mail.NewOutbox(nil)
	for _, m := range []mail.Message{
		{To: "a@example.com\r\nBcc: victim@example.com", Subject: "x"},
		{To: "a@example.com", Subject: "x\nBcc: victim@example.com"},
		{To: "not an address", Subject: "x"},
		{To: "", Subject: "x"},
	} {
		if err := o.Send(context.Background(), m); !errors.Is(err, mail.ErrInvalidMessage) {
			t.Errorf("Send(%q, %q) = %v, want ErrInvalidMessage", m.To, m.Subject, err)
		}
	}
	if n := len(o.Messages()); n != 0 {
		t.Errorf("refused messages were kept: %d", n)
	}
}

func TestNewPicksTheMailerFromConfig(t *testing.T) {
	m, err := mail.New(config.MailConfig{From: "WorkSynapse <no-reply@localhost>"}, nil)
	if _, ok := m.(*mail.Outbox); err != nil || !ok {
		t.Errorf("no smtp_addr: want *Outbox, got %T %v", m, err)
	}
	m, err = mail.New(config.MailConfig{SMTPAddr: "127.0.0.1:25", From: "no-reply@example.com"}, nil)
	if _, ok := m.(*mail.SMTPMailer); err != nil || !ok {
		t.Errorf("smtp_addr set: want *SMTPMailer, got %T %v", m, err)
	}
	if _, err := mail.New(config.MailConfig{SMTPAddr: "127.0.0.1:25", From: "bad"}, nil); err == nil {
		t.Error("an invalid sender must be refused")
	}
}

func TestOutboxFileReceivesEachMessageAsAJSONLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	m, err := mail.New(config.MailConfig{From: "WorkSynapse <no-reply@localhost>", OutboxFile: path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"a@example.com", "b@example.com"} {
		if err := m.Send(context.Background(), mail.Message{To: to, Subject: "hi", Text: "token wsv_x"}); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	var last mail.Message
	if len(lines) != 2 || json.Unmarshal([]byte(lines[1]), &last) != nil || last.To != "b@example.com" {
		t.Fatalf("outbox file: %q", raw)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("outbox file mode %v, want 0600 (it holds tokens)", st.Mode().Perm())
	}
}
