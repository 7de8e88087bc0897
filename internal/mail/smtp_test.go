package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/internal/config"
	wsmail "github.com/worksynapse/worksynapse/internal/mail"
	"github.com/worksynapse/worksynapse/internal/mail/mailtest"
)

// selfSigned returns a server TLS config for 127.0.0.1 and a pool that
// trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fake smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func newSMTP(t *testing.T, f *mailtest.Server, user, pass string) *wsmail.SMTPMailer {
	t.Helper()
	m, err := wsmail.NewSMTP(config.MailConfig{
		SMTPAddr: f.Addr(), From: "WorkSynapse <no-reply@example.com>", Username: user, Password: pass,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// decode parses a received message and returns its header and decoded body.
func decode(t *testing.T, data string) (mail.Header, string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v\n%s", err, data)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	return msg.Header, strings.ReplaceAll(string(body), "\r\n", "\n")
}

func TestSMTPDeliversAPlainTextMessage(t *testing.T) {
	f := mailtest.Start(t, &mailtest.Server{})
	text := "Héllo,\n\nyour token: wsp_" + strings.Repeat("A", 90) + "\n.\nA line with only a dot above.\n"
	msg := wsmail.Message{To: "Ada <ada@example.com>", Subject: "Réinitialiser le mot de passe", Text: text}
	if err := newSMTP(t, f, "", "").Send(context.Background(), msg); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := f.Messages()
	if len(got) != 1 || got[0].From != "no-reply@example.com" || got[0].Rcpt != "ada@example.com" || got[0].TLS {
		t.Fatalf("envelope: %+v", got)
	}
	h, body := decode(t, got[0].Data)
	subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if subject != msg.Subject || h.Get("From") != `"WorkSynapse" <no-reply@example.com>` ||
		h.Get("Content-Type") != "text/plain; charset=UTF-8" || h.Get("Message-Id") == "" || h.Get("Date") == "" {
		t.Errorf("headers: %v (subject %q)", h, subject)
	}
	if body != text {
		t.Errorf("body round trip:\n got %q\nwant %q", body, text)
	}
}

func TestSMTPUsesStartTLSAndAuthenticates(t *testing.T) {
	srvTLS, pool := selfSigned(t)
	f := mailtest.Start(t, &mailtest.Server{TLS: srvTLS, User: "mailer", Pass: "s3cret"})
	m := newSMTP(t, f, "mailer", "s3cret")
	m.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if err := m.Send(context.Background(), wsmail.Message{To: "bob@example.com", Subject: "Hi", Text: "x"}); err != nil {
		t.Fatalf("send: %v", err)
	}
	if got := f.Messages(); len(got) != 1 || !got[0].TLS || got[0].User != "mailer" {
		t.Fatalf("want one message over TLS from the authenticated user, got %+v", got)
	}

	wrong := newSMTP(t, f, "mailer", "wrong")
	wrong.TLSConfig = m.TLSConfig
	if err := wrong.Send(context.Background(), wsmail.Message{To: "bob@example.com", Subject: "Hi", Text: "x"}); err == nil {
		t.Error("wrong credentials must fail")
	}
	untrusted := newSMTP(t, f, "mailer", "s3cret") // system roots: the self-signed cert is not trusted
	if err := untrusted.Send(context.Background(), wsmail.Message{To: "bob@example.com", Subject: "Hi", Text: "x"}); err == nil {
		t.Error("an untrusted certificate must fail STARTTLS")
	}
	if n := len(f.Messages()); n != 1 {
		t.Errorf("failed sends delivered messages: %d", n)
	}
}

func TestSMTPGivesUpOnAStalledServer(t *testing.T) {
	f := mailtest.Start(t, &mailtest.Server{Silent: true})
	m := newSMTP(t, f, "", "")
	m.Timeout = 200 * time.Millisecond
	start := time.Now()
	if err := m.Send(context.Background(), wsmail.Message{To: "bob@example.com", Subject: "Hi", Text: "x"}); err == nil {
		t.Fatal("a server that never greets must fail the send")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("send took %s despite a 200ms timeout", d)
	}
}
