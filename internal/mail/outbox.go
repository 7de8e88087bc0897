package mail

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
)

// OutboxCapacity is how many messages an Outbox keeps; older ones are
// dropped so a long-running development server does not grow without bound.
const OutboxCapacity = 1000

// Outbox is the Mailer used when no SMTP server is configured: it keeps the
// last OutboxCapacity messages in memory for tests and local development.
// It is safe for concurrent use.
type Outbox struct {
	log  *slog.Logger
	mu   sync.Mutex
	msgs []Message
	// file, if set (mail.outbox_file, development only), receives every
	// message as a JSON line so tests outside the process can read it.
	file string
}

// NewOutbox returns an empty outbox; log may be nil.
func NewOutbox(log *slog.Logger) *Outbox {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Outbox{log: log}
}

// Send stores m. Only the recipient and subject are logged: the body holds
// single-use tokens.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	o.log.InfoContext(ctx, "mail queued", "mailer", "outbox", "to", m.To, "subject", m.Subject)
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.msgs) >= OutboxCapacity {
		// Copy down instead of reslicing so the backing array does not
		// keep dropped messages (and their tokens) reachable.
		n := copy(o.msgs, o.msgs[len(o.msgs)-OutboxCapacity+1:])
		clear(o.msgs[n:])
		o.msgs = o.msgs[:n]
	}
	o.msgs = append(o.msgs, m)
	return o.appendToFile(m)
}

// appendToFile writes m as one JSON line, readable by the owner only.
func (o *Outbox) appendToFile(m Message) error {
	if o.file == "" {
		return nil
	}
	line, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("mail: outbox file: %w", err)
	}
	f, err := os.OpenFile(o.file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("mail: outbox file: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("mail: outbox file: %w", err)
	}
	return nil
}

// Messages returns a copy of the kept messages, oldest first.
func (o *Outbox) Messages() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Message, len(o.msgs))
	copy(out, o.msgs)
	return out
}

// Last returns the newest message to the address to (case-insensitive).
func (o *Outbox) Last(to string) (Message, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if strings.EqualFold(o.msgs[i].To, to) {
			return o.msgs[i], true
		}
	}
	return Message{}, false
}
