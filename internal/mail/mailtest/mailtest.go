// Package mailtest is a fake SMTP relay on loopback for tests of code that
// sends mail (the SMTP mailer, the mail job's retries).
package mailtest

import (
	"crypto/tls"
	"encoding/base64"
	"io"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// Received is one message a Server accepted.
type Received struct {
	From, Rcpt, Data string
	TLS              bool
	User             string
}

// Server is a minimal loopback SMTP server: it offers STARTTLS when it
// has a certificate and requires AUTH PLAIN when it has a user.
type Server struct {
	TLS        *tls.Config
	User, Pass string
	Silent     bool // never greet (timeout tests)

	ln  net.Listener
	mu  sync.Mutex
	got []Received
}

// Start serves f on a free loopback port until the test ends.
func Start(t testing.TB, f *Server) *Server {
	return StartAt(t, "127.0.0.1:0", f)
}

// StartAt serves f on addr (e.g. the address of a relay that was down).
func StartAt(t testing.TB, addr string, f *Server) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
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

// Addr is the host:port the server listens on.
func (f *Server) Addr() string { return f.ln.Addr().String() }

// Messages returns the accepted messages, oldest first.
func (f *Server) Messages() []Received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Received(nil), f.got...)
}

func (f *Server) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if f.Silent {
		_, _ = io.Copy(io.Discard, conn)
		return
	}
	tp := textproto.NewConn(conn)
	var cur Received
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
			if f.TLS != nil && !cur.TLS {
				lines = append(lines, "STARTTLS")
			}
			if f.User != "" {
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
			tc := tls.Server(conn, f.TLS)
			if tc.Handshake() != nil {
				return
			}
			conn, tp, cur.TLS = tc, textproto.NewConn(tc), true
		case "AUTH":
			raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(arg, "PLAIN "))
			parts := strings.Split(string(raw), "\x00")
			if len(parts) != 3 || parts[1] != f.User || parts[2] != f.Pass {
				reply(535, "bad credentials")
				continue
			}
			cur.User = parts[1]
			reply(235, "ok")
		case "MAIL":
			if f.User != "" && cur.User == "" {
				reply(530, "authentication required")
				continue
			}
			cur.From = between(arg, "<", ">")
			reply(250, "ok")
		case "RCPT":
			cur.Rcpt = between(arg, "<", ">")
			reply(250, "ok")
		case "DATA":
			reply(354, "go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			cur.Data = string(data)
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
