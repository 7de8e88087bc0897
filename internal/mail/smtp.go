package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"

	"github.com/worksynapse/worksynapse/internal/config"
)

// DefaultSMTPTimeout bounds one delivery when the context has no earlier
// deadline, so a stalled server cannot hold a request forever.
const DefaultSMTPTimeout = 30 * time.Second

// SMTPMailer delivers through an SMTP relay with net/smtp. It upgrades the
// connection with STARTTLS whenever the server offers it, and authenticates
// (PLAIN) only when a username is configured; net/smtp refuses to send
// PLAIN credentials over an unencrypted connection to anything but
// localhost, so a relay that does not offer STARTTLS fails loudly instead
// of leaking the password.
type SMTPMailer struct {
	// Addr is the relay's host:port.
	Addr string
	// Username and Password enable AUTH PLAIN; empty Username means none.
	Username, Password string
	// TLSConfig is used for STARTTLS; nil verifies the server certificate
	// against the system roots for the host of Addr.
	TLSConfig *tls.Config
	// Timeout bounds one delivery; zero means DefaultSMTPTimeout.
	Timeout time.Duration

	from *mail.Address
	log  *slog.Logger
}

// NewSMTP returns a mailer for the configured relay.
func NewSMTP(cfg config.MailConfig, log *slog.Logger) (*SMTPMailer, error) {
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail: from address: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SMTPMailer{Addr: cfg.SMTPAddr, Username: cfg.Username, Password: cfg.Password, from: from, log: log}, nil
}

// Send delivers m in one SMTP transaction.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	to, _ := mail.ParseAddress(m.To) // validated above
	body, err := s.compose(m, to)
	if err != nil {
		return err
	}
	if err := s.deliver(ctx, to.Address, body); err != nil {
		return fmt.Errorf("mail: smtp %s: %w", s.Addr, err)
	}
	s.log.InfoContext(ctx, "mail sent", "mailer", "smtp", "to", m.To, "subject", m.Subject)
	return nil
}

func (s *SMTPMailer) deliver(ctx context.Context, rcpt string, body []byte) error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultSMTPTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	// net/smtp has no context support: the deadline, and cancellation
	// through AfterFunc, are applied to the connection instead.
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := s.secure(c, host); err != nil {
		return err
	}
	return transact(c, s.from.Address, rcpt, body)
}

// secure upgrades to TLS when offered and authenticates when configured.
func (s *SMTPMailer) secure(c *smtp.Client, host string) error {
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		if s.TLSConfig != nil {
			cfg = s.TLSConfig.Clone()
			if cfg.ServerName == "" {
				cfg.ServerName = host
			}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if s.Username == "" {
		return nil
	}
	if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	return nil
}

func transact(c *smtp.Client, from, rcpt string, body []byte) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// compose renders the RFC 5322 message: UTF-8 text, quoted-printable so
// long lines and non-ASCII survive any relay.
func (s *SMTPMailer) compose(m Message, to *mail.Address) ([]byte, error) {
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", s.from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", time.Now().Format(time.RFC1123Z))
	header("Message-ID", "<"+rand.Text()+"@"+domainOf(s.from.Address)+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(m.Text, "\r\n", "\n"))); err != nil {
		return nil, fmt.Errorf("mail: encode body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("mail: encode body: %w", err)
	}
	return b.Bytes(), nil
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return "localhost"
}
