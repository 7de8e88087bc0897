package stream_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// env lets the two replicas accept each other's tokens.
var env = testserver.Env{"WORKSYNAPSE_SECRET_KEY": "stream-bench-secret-key-0123456789-abcdefghij"}

func call(b *testing.B, s *testserver.Server, token, method, path string, body, out any) {
	b.Helper()
	raw, _ := json.Marshal(body)
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	resp, data := s.Do(b, method, path, "application/json", raw, h)
	if resp.StatusCode >= 300 {
		b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			b.Fatal(err)
		}
	}
}

// user registers name on s, makes them ADMIN of the "Bench" organization
// and returns their access token.
func newUser(b *testing.B, s *testserver.Server, name string) string {
	b.Helper()
	const pw = "correct horse battery staple"
	call(b, s, "", "POST", "/auth/register", map[string]string{"email": name + "@example.com", "username": name, "password": pw}, nil)
	db := s.App.DB
	testfix.Seed(b, db.Ent)
	org, err := db.Ent.Organization.Query().First(testfix.System())
	if err != nil {
		org = testfix.Org(b, db.Ent, "Bench")
	}
	u, err := db.Ent.User.Query().Where(user.Username(name)).Only(testfix.System())
	if err != nil {
		b.Fatal(err)
	}
	testfix.Member(b, db.Ent, org, u)
	testfix.Grant(b, db.Ent, org, u, seed.RoleAdmin)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	call(b, s, "", "POST", "/auth/login", map[string]string{"identifier": name, "password": pw}, &tok)
	return tok.AccessToken
}

// BenchmarkStreamLatency is post-to-delivery latency: a message posted
// through replica A, received on a stream held by replica B (two servers,
// one PostgreSQL database, LISTEN/NOTIFY). It reports p50 and p99.
func BenchmarkStreamLatency(b *testing.B) {
	db := testdb.NewPostgres(b)
	a := testserver.Start(b, db, env)
	bsrv := testserver.Start(b, db, env)
	alice, bob := newUser(b, a, "alice"), newUser(b, a, "bobby")
	org, _ := db.Ent.Organization.Query().First(testfix.System())
	var ch struct {
		ID string `json:"id"`
	}
	call(b, a, alice, "POST", fmt.Sprintf("/organizations/%s/channels", org.ID), map[string]string{"type": "public", "name": "bench"}, &ch)
	call(b, a, bob, "POST", "/channels/"+ch.ID+"/join", nil, nil)
	events := subscribe(b, bsrv.URL, bob)

	var lat, post []time.Duration
	for b.Loop() {
		start := time.Now()
		call(b, a, alice, "POST", "/channels/"+ch.ID+"/messages", map[string]string{"body": "ping"}, nil)
		post = append(post, time.Since(start))
		select {
		case <-events:
		case <-time.After(10 * time.Second):
			b.Fatal("event not delivered")
		}
		lat = append(lat, time.Since(start))
	}
	report(b, lat, "")
	report(b, post, "post-")
}

// report adds the p50 and p99 of ds (the POST alone with prefix "post-",
// for comparison: the rest of the latency is the fan-out).
func report(b *testing.B, ds []time.Duration, prefix string) {
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), prefix+"p50-µs")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds()), prefix+"p99-µs")
}

// BenchmarkIdleStreams holds 1,000 idle streams on one replica and reports
// the process's heap growth per stream (client and server side together,
// both in this process) after a post reached all of them.
func BenchmarkIdleStreams(b *testing.B) {
	if testing.Short() {
		b.Skip("1,000 connections: skipped with -short")
	}
	db := testdb.NewPostgres(b)
	// 1,000 stream requests in a moment from one user and address.
	s := testserver.Start(b, db, testserver.Env{"WORKSYNAPSE_SECRET_KEY": env["WORKSYNAPSE_SECRET_KEY"],
		"WORKSYNAPSE_RATE_LIMIT_PER_USER_PER_MINUTE": "0", "WORKSYNAPSE_RATE_LIMIT_PER_IP_PER_MINUTE": "0"})
	tok := newUser(b, s, "alice")
	org, _ := db.Ent.Organization.Query().First(testfix.System())
	var ch struct {
		ID string `json:"id"`
	}
	call(b, s, tok, "POST", fmt.Sprintf("/organizations/%s/channels", org.ID), map[string]string{"type": "public", "name": "idle"}, &ch)
	const n = 1000
	tr := &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: n}
	b.Cleanup(tr.CloseIdleConnections)
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		chans := make([]<-chan string, n)
		for i := range n {
			chans[i] = subscribeWith(b, &http.Client{Transport: tr}, s.URL, tok)
		}
		call(b, s, tok, "POST", "/channels/"+ch.ID+"/messages", map[string]string{"body": "all"}, nil)
		deadline := time.After(60 * time.Second)
		for i, c := range chans {
			select {
			case <-c:
			case <-deadline:
				b.Fatalf("stream %d of %d missed the event (open on the server: %d)", i, n, s.App.Stream.Conns())
			}
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n/1024, "KiB/stream")
		b.ReportMetric(float64(s.App.Stream.Conns()), "streams")
	}
}

func subscribe(b *testing.B, base, token string) <-chan string {
	return subscribeWith(b, http.DefaultClient, base, token)
}

// subscribeWith opens a stream and sends each message.posted data line.
func subscribeWith(b *testing.B, hc *http.Client, base, token string) <-chan string {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatalf("open stream: %v", err)
	}
	if resp.StatusCode != 200 {
		b.Fatalf("open stream: %s", resp.Status)
	}
	out := make(chan string, 64)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		posted := false
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "event: message.posted":
				posted = true
			case posted && strings.HasPrefix(line, "data: "):
				posted = false
				select {
				case out <- line:
				default:
				}
			}
		}
	}()
	return out
}
