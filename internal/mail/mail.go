// Package mail sends the few plain-text messages the service mails to
// people (email verification, password reset). Mailer is deliberately
// small so that a job queue can later sit in front of it unchanged.
//
// Messages carry secrets (single-use tokens), so no implementation here
// ever logs a body.
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"

	"github.com/worksynapse/worksynapse/internal/config"
)

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Mailer delivers messages.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// ErrInvalidMessage is wrapped by Send for a message that cannot be sent
// as given (no recipient, or a header that would allow header injection).
var ErrInvalidMessage = errors.New("mail: invalid message")

// New returns the SMTP mailer when cfg.SMTPAddr is set, otherwise an
// in-memory Outbox (development, tests).
func New(cfg config.MailConfig, log *slog.Logger) (Mailer, error) {
	if cfg.SMTPAddr == "" {
		o := NewOutbox(log)
		o.file = cfg.OutboxFile
		return o, nil
	}
	return NewSMTP(cfg, log)
}

// validate refuses messages whose headers could smuggle extra headers or
// recipients (CR/LF) and checks the recipient is one address.
func (m Message) validate() error {
	if strings.ContainsAny(m.To, "\r\n") || strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("%w: line break in a header", ErrInvalidMessage)
	}
	if _, err := mail.ParseAddress(m.To); err != nil {
		return fmt.Errorf("%w: recipient: %v", ErrInvalidMessage, err)
	}
	return nil
}
