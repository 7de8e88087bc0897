package e2e

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// Behind PgBouncer in transaction mode, with fewer server connections
// than clients, consecutive statements of one connection of ours run on
// different server connections: anything that relies on session state
// (a statement prepared in one round trip and bound in the next, LISTEN, a
// session advisory lock) breaks there. Two replicas take concurrent mixed
// traffic through the pooler; not one request may fail.
func TestReplicasBehindPgBouncer(t *testing.T) {
	admin := testdb.RequirePostgres(t)
	pb := testdb.RequirePgBouncer(t, admin, 4)
	dbURL, drop, err := dbmigrate.TempDevDatabase(context.Background(), admin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	bin := buildBinary(t)
	env := []string{
		"WORKSYNAPSE_DATABASE_URL=" + pb.URL(t, dbURL),
		// Migrations (a session advisory lock) and LISTEN need a session.
		"WORKSYNAPSE_DATABASE_DIRECT_URL=" + dbURL,
		"WORKSYNAPSE_DATABASE_MAX_OPEN_CONNS=10",
		// No Redis: the replicas' streams wake each other with LISTEN/NOTIFY.
		"WORKSYNAPSE_SECRET_KEY=" + "pgbouncer-test-secret-0123456789abcdef0123456789",
		"WORKSYNAPSE_AUTH_BCRYPT_COST=10",
		"WORKSYNAPSE_RATE_LIMIT_AUTH_PER_IP_PER_MINUTE=0",
		"WORKSYNAPSE_RATE_LIMIT_PER_IP_PER_MINUTE=0",
		"WORKSYNAPSE_RATE_LIMIT_PER_USER_PER_MINUTE=0",
		"WORKSYNAPSE_LOG_LEVEL=warn",
		"WORKSYNAPSE_JOBS_AUDIT_SEAL_INTERVAL=1s",
		"WORKSYNAPSE_JOBS_POLL_INTERVAL=100ms",
	}
	migrate := exec.Command(bin, "migrate", "apply")
	migrate.Dir = t.TempDir()
	migrate.Env = append(os.Environ(), env...)
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("migrate apply with the pooler as database.url: %v\n%s", err, out)
	}
	a := startReplica(t, bin, env)
	b := startReplica(t, bin, env)

	const workers, rounds = 8, 12
	load := &mixedLoad{replicas: [2]*replica{a, b}}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			load.worker(w, rounds)
		}()
	}
	wg.Wait()
	t.Logf("through PgBouncer (transaction mode, 4 server connections, 2 replicas × 10 client connections): %d requests from %d concurrent clients, %d failed, %d stream events received",
		load.requests.Load(), workers, len(load.failures), load.events.Load())
	for i, f := range load.failures {
		if i == 20 {
			t.Errorf("… and %d more", len(load.failures)-20)
			break
		}
		t.Error(f)
	}
	if want := int64(workers * rounds); load.events.Load() != want {
		t.Errorf("streams received %d of %d chat messages", load.events.Load(), want)
	}
	checkListenBypassesThePooler(t, dbURL)
	for _, r := range []*replica{a, b} {
		if strings.Contains(r.logs.String(), noNotifications) {
			t.Errorf("a replica with database.direct_url warns that LISTEN hears nothing:\n%s", r.logs)
		}
	}
	for _, line := range pb.Errors() {
		t.Errorf("pgbouncer: %s", line)
	}
	checkPeriodicJobRunsOnce(t, dbURL, a, b)
	checkListenThroughThePoolerIsReported(t, bin, env)
	if t.Failed() {
		t.Logf("replica A logs:\n%s\nreplica B logs:\n%s", a.logs, b.logs)
	}
}

// checkListenBypassesThePooler: each replica's stream hub holds its LISTEN
// on a session of its own (database.direct_url), whose last statement is
// a LISTEN or the UNLISTEN of its start-up probe. Through the pooler the
// LISTEN would land on a pooled server connection and be lost.
func checkListenBypassesThePooler(t *testing.T, dbURL string) {
	t.Helper()
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var listeners int
	if err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ~ '^(UN)?LISTEN ' AND state = 'idle'`).Scan(&listeners); err != nil {
		t.Fatal(err)
	}
	if listeners != 2 {
		t.Errorf("%d sessions hold a LISTEN, want one per replica", listeners)
	}
}

// noNotifications is the start of the stream hub's warning when its LISTEN
// hears nothing.
const noNotifications = "stream: the LISTEN connection receives no notifications"

// checkListenThroughThePoolerIsReported: a replica configured with the
// pooler alone (no database.direct_url) still serves, but says at start
// that its LISTEN hears nothing and why.
func checkListenThroughThePoolerIsReported(t *testing.T, bin string, env []string) {
	t.Helper()
	var pooledOnly []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "WORKSYNAPSE_DATABASE_DIRECT_URL=") {
			pooledOnly = append(pooledOnly, kv)
		}
	}
	r := startReplica(t, bin, pooledOnly)
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(r.logs.String(), noNotifications) {
		if time.Now().After(deadline) {
			t.Errorf("a replica whose LISTEN goes through the pooler did not say so within 15 s:\n%s", r.logs)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mixedLoad is the traffic of TestReplicasBehindPgBouncer: each worker is a
// user of its own organization who alternates between the replicas.
type mixedLoad struct {
	replicas [2]*replica
	requests atomic.Int64
	events   atomic.Int64
	mu       sync.Mutex
	failures []string
}

func (l *mixedLoad) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures = append(l.failures, fmt.Sprintf(format, args...))
}

// do sends one request to replica i%2 and records it as failed unless the
// status is want.
func (l *mixedLoad) do(i int, method, path, token string, body, out any, want int) bool {
	return l.doWith(i, nil, method, path, token, body, out, want)
}

func (l *mixedLoad) doWith(i int, header http.Header, method, path, token string, body, out any, want int) bool {
	l.requests.Add(1)
	r := l.replicas[i%2]
	var buf bytes.Buffer
	if body != nil {
		_ = json.NewEncoder(&buf).Encode(body)
	}
	req, _ := http.NewRequest(method, r.base+path, &buf)
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		l.fail("%s %s: %v", method, path, err)
		return false
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		l.fail("%s %s on replica %d: %d %s", method, path, i%2, resp.StatusCode, raw)
		return false
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			l.fail("%s %s: decode: %v", method, path, err)
			return false
		}
	}
	return true
}

type idKey struct {
	ID  string `json:"id"`
	Key string `json:"key"`
}

func (l *mixedLoad) worker(w, rounds int) {
	name := fmt.Sprintf("pool%d", w)
	pw := "correct horse battery staple"
	if !l.do(w, "POST", "/auth/register", "", map[string]string{"email": name + "@example.com", "username": name, "password": pw}, nil, 201) {
		return
	}
	var pair tokenPair
	if !l.do(w+1, "POST", "/auth/login", "", map[string]string{"identifier": name, "password": pw}, &pair, 200) {
		return
	}
	tok := pair.AccessToken
	var org, project, channel idKey
	if !l.do(w, "GET", "/auth/me", tok, nil, nil, 200) ||
		!l.do(w, "POST", "/organizations", tok, map[string]string{"name": "Pool " + name, "slug": "pool-" + name}, &org, 201) ||
		!l.do(w+1, "POST", "/organizations/"+org.ID+"/projects", tok, map[string]string{"key": "PB", "name": "Pooled"}, &project, 201) ||
		!l.do(w, "POST", "/organizations/"+org.ID+"/channels", tok, map[string]string{"type": "public", "name": "general"}, &channel, 201) {
		return
	}
	// The stream is open on the replica that does not take the posts.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := l.openStream(ctx, l.replicas[(w+1)%2], tok)
	for i := range rounds {
		var task idKey
		if l.do(w+i, "POST", "/projects/"+project.ID+"/tasks", tok, map[string]string{"title": fmt.Sprintf("task %d", i)}, &task, 201) {
			l.do(w+i+1, "GET", "/tasks/"+task.ID, tok, nil, nil, 200)
			l.doWith(w+i, http.Header{"If-Match": {`"1"`}}, "PATCH", "/tasks/"+task.ID, tok, map[string]any{"status": "in_progress", "priority": "high"}, nil, 200)
		}
		l.do(w+i+1, "GET", "/projects/"+project.ID+"/tasks?limit=5", tok, nil, nil, 200)
		l.do(w, "POST", "/channels/"+channel.ID+"/messages", tok, map[string]string{"body": fmt.Sprintf("message %d", i)}, nil, 201)
	}
	want := fmt.Sprintf("message %d", rounds-1)
	deadline := time.After(15 * time.Second)
	for {
		select {
		case body, ok := <-got:
			if !ok {
				l.fail("worker %d: the stream ended", w)
				return
			}
			l.events.Add(1)
			if body == want {
				return
			}
		case <-deadline:
			l.fail("worker %d: %q did not reach the stream in 15 s", w, want)
			return
		}
	}
}

// openStream reads /stream on r and sends the body of every message.posted
// event to the returned channel.
func (l *mixedLoad) openStream(ctx context.Context, r *replica, token string) <-chan string {
	out := make(chan string, 100)
	l.requests.Add(1)
	req, _ := http.NewRequestWithContext(ctx, "GET", r.base+"/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		l.fail("open stream: %v %v", err, resp)
		close(out)
		return out
	}
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = line[len("event: "):]
			case strings.HasPrefix(line, "data: ") && event == "message.posted":
				var data struct {
					Payload struct {
						Body string `json:"body"`
					} `json:"payload"`
				}
				if json.Unmarshal([]byte(line[len("data: "):]), &data) == nil {
					out <- data.Payload.Body
				}
			case line == "":
				event = ""
			}
		}
	}()
	return out
}
