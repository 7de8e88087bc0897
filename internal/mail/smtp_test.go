package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/internal/config"
	wsmail "github.com/worksynapse/worksynapse/internal/mail"
)

// received is one message a fakeSMTP accepted.
type received struct {
	from, rcpt, data string
	tls              bool
	user             string
}

// fakeSMTP is a minimal loopback SMTP server: it offers STARTTLS when it
// has a certificate and requires AUTH PLAIN when it has a user.
type fakeSMTP struct {
	ln         net.Listener
	tls        *tls.Config
	user, pass string
	silent     bool // never greet (timeout tests)

	mu  sync.Mutex
	got []received
}

func startSMTP(t *testing.T, f *fakeSMTP) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.ln = ln
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeSMTP) messages() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.got...)
}

func (f *fakeSMTP) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if f.silent {
		_, _ = io.Copy(io.Discard, conn)
		return
	}
	tp := textproto.NewConn(conn)
	var cur received
	reply := func(code int, msg string) { _ = tp.PrintfLine("%d %s", code, msg) }
	reply(220, "fake ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			lines := []string{"fake"}
			if f.tls != nil && !cur.tls {
				lines = append(lines, "STARTTLS")
			}
			if f.user != "" {
				lines = append(lines, "AUTH PLAIN")
			}
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				_ = tp.PrintfLine("250%s%s", sep, l)
			}
		case "STARTTLS":
			reply(220, "go ahead")
			tc := tls.Server(conn, f.tls)
			if tc.Handshake() != nil {
				return
			}
			conn, tp, cur.tls = tc, textproto.NewConn(tc), true
		case "AUTH":
			raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(arg, "PLAIN "))
			parts := strings.Split(string(raw), "\x00")
			if len(parts) != 3 || parts[1] != f.user || parts[2] != f.pass {
				reply(535, "bad credentials")
				continue
			}
			cur.user = parts[1]
			reply(235, "ok")
		case "MAIL":
			if f.user != "" && cur.user == "" {
				reply(530, "authentication required")
				continue
			}
			cur.from = between(arg, "<", ">")
			reply(250, "ok")
		case "RCPT":
			cur.rcpt = between(arg, "<", ">")
			reply(250, "ok")
		case "DATA":
			reply(354, "go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			cur.data = string(data)
			f.mu.Lock()
			f.got = append(f.got, cur)
			f.mu.Unlock()
			reply(250, "queued")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			reply(502, "not implemented")
		}
	}
}

func between(s, open, close string) string {
	_, rest, _ := strings.Cut(s, open)
	v, _, _ := strings.Cut(rest, close)
	return v
}

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

func newSMTP(t *testing.T, f *fakeSMTP, user, pass string) *wsmail.SMTPMailer {
	t.Helper()
	m, err := wsmail.NewSMTP(config.MailConfig{
		SMTPAddr: f.ln.Addr().String(), From: "WorkSynapse <no-reply@example.com>", Username: user, Password: pass,
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
	f := startSMTP(t, &fakeSMTP{})
	text := "Héllo,\n\nyour token: wsp_" + strings.Repeat("A", 90) + "\n.\nA line with only a dot above.\n"
	msg := wsmail.Message{To: "Ada <ada@example.com>", Subject: "Réinitialiser le mot de passe", Text: text}
	if err := newSMTP(t, f, "", "").Send(context.Background(), msg); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := f.messages()
	if len(got) != 1 || got[0].from != "no-reply@example.com" || got[0].rcpt != "ada@example.com" || got[0].tls {
		t.Fatalf("envelope: %+v", got)
	}
	h, body := decode(t, got[0].data)
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
	f := startSMTP(t, &fakeSMTP{tls: srvTLS, user: "mailer", pass: "s3cret"})
	m := newSMTP(t, f, "mailer", "s3cret")
	m.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if err := m.Send(context.Background(), wsmail.Message{To: "bob@example.com", Subject: "Hi", Text: "x"}); err != nil {
		t.Fatalf("send: %v", err)
	}
	if got := f.messages(); len(got) != 1 || !got[0].tls || got[0].user != "mailer" {
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
	if n := len(f.messages()); n != 1 {
		t.Errorf("failed sends delivered messages: %d", n)
	}
}

func TestSMTPGivesUpOnAStalledServer(t *testing.T) {
	f := startSMTP(t, &fakeSMTP{silent: true})
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
