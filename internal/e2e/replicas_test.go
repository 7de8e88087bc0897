// Package e2e runs the real worksynapse binary as separate processes, the
// way operators deploy it: several replicas on one PostgreSQL database and
// one Redis.
package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// buildBinary compiles cmd/worksynapse once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "worksynapse")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/worksynapse/worksynapse/cmd/worksynapse")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// replica is one running server process.
type replica struct {
	base string
	logs *logBuffer
}

// logBuffer collects a process's output; the test reads it while the
// process still writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// startReplica runs `worksynapse serve` with env and waits for /readyz.
func startReplica(t *testing.T, bin string, env []string) *replica {
	t.Helper()
	addr := freePort(t)
	logs := &logBuffer{}
	cmd := exec.Command(bin, "serve")
	cmd.Dir = t.TempDir() // no config.yaml: configuration comes from the environment
	cmd.Env = append(os.Environ(), append(env, "WORKSYNAPSE_HTTP_ADDR="+addr)...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	r := &replica{base: "http://" + addr, logs: logs}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(r.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("replica on %s did not become ready:\n%s", addr, logs)
	return nil
}

// call sends a JSON request and decodes a JSON answer into out (if given).
func (r *replica) call(t *testing.T, method, path, token string, body, out any) int {
	t.Helper()
	var buf bytes.Buffer
	if body != nil {
		_ = json.NewEncoder(&buf).Encode(body)
	}
	req, _ := http.NewRequest(method, r.base+path, &buf)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func TestTwoReplicasShareSessionsAndRateLimits(t *testing.T) {
	admin := testdb.RequirePostgres(t)
	redisURL := testdb.RequireRedis(t, 2)
	ctx := context.Background()
	dbURL, drop, err := dbmigrate.TempDevDatabase(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	bin := buildBinary(t)
	env := []string{
		"WORKSYNAPSE_DATABASE_URL=" + dbURL,
		"WORKSYNAPSE_DATABASE_AUTO_MIGRATE=true",
		"WORKSYNAPSE_REDIS_URL=" + redisURL,
		"WORKSYNAPSE_SECRET_KEY=" + "replica-test-secret-0123456789abcdef0123456789",
		"WORKSYNAPSE_AUTH_BCRYPT_COST=10",
		"WORKSYNAPSE_RATE_LIMIT_AUTH_PER_IP_PER_MINUTE=8",
		"WORKSYNAPSE_LOG_LEVEL=warn",
		// Audit sealing every second: a periodic job both replicas run.
		"WORKSYNAPSE_JOBS_AUDIT_SEAL_INTERVAL=1s",
		"WORKSYNAPSE_JOBS_POLL_INTERVAL=100ms",
	}
	a := startReplica(t, bin, env)
	b := startReplica(t, bin, env)
	check := exec.Command(bin, "healthcheck")
	check.Dir = t.TempDir()
	check.Env = append(os.Environ(), append(env, "WORKSYNAPSE_HTTP_ADDR="+strings.TrimPrefix(a.base, "http://"))...)
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("the image's healthcheck command must pass against a live server: %v %s", err, out)
	}

	pw := "correct horse battery staple"
	if code := a.call(t, http.MethodPost, "/auth/register", "", map[string]string{"email": "rep@example.com", "username": "replica", "password": pw}, nil); code != http.StatusCreated {
		t.Fatalf("register on A: %d", code)
	}
	var pair tokenPair
	if code := b.call(t, http.MethodPost, "/auth/login", "", map[string]string{"identifier": "replica", "password": pw}, &pair); code != http.StatusOK {
		t.Fatalf("login on B with an account created on A: %d", code)
	}
	if code := a.call(t, http.MethodGet, "/auth/me", pair.AccessToken, nil, nil); code != http.StatusOK {
		t.Fatalf("token issued by B must work on A: %d", code)
	}
	var org, project, task struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	a.call(t, http.MethodPost, "/organizations", pair.AccessToken, map[string]string{"name": "Replicas", "slug": "replicas"}, &org)
	a.call(t, http.MethodPost, "/organizations/"+org.ID+"/projects", pair.AccessToken, map[string]string{"key": "RP", "name": "Replicated"}, &project)
	if code := a.call(t, http.MethodPost, "/projects/"+project.ID+"/tasks", pair.AccessToken, map[string]string{"title": "Made on A"}, &task); code != http.StatusCreated {
		t.Fatalf("create a task on A: %d", code)
	}
	var seen struct {
		Key string `json:"key"`
	}
	if code := b.call(t, http.MethodGet, "/tasks/"+task.ID, pair.AccessToken, nil, &seen); code != http.StatusOK || seen.Key != "RP-1" {
		t.Fatalf("a task created on A must be readable on B at once: %d %+v", code, seen)
	}
	if code := a.call(t, http.MethodPost, "/auth/logout", pair.AccessToken, nil, nil); code != http.StatusNoContent {
		t.Fatalf("logout on A: %d", code)
	}
	if code := b.call(t, http.MethodGet, "/auth/me", pair.AccessToken, nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("a session revoked through A must be rejected by B on the next request, got %d", code)
	}

	// The auth budget (8/min per IP) is shared: the five /auth/* requests
	// above (3 on A, 2 on B) leave 3 for both replicas together; separate
	// budgets would let 10 through.
	accepted := 0
	for i := range 10 {
		r := []*replica{a, b}[i%2]
		if r.call(t, http.MethodPost, "/auth/login", "", map[string]string{"identifier": "nobody", "password": "x"}, nil) != http.StatusTooManyRequests {
			accepted++
		}
	}
	if accepted != 3 {
		t.Errorf("the two replicas must share one budget: %d of 10 accepted after 5 spent, want 3", accepted)
	}
	checkPeriodicJobRunsOnce(t, dbURL, a, b)
	if t.Failed() {
		t.Logf("replica A logs:\n%s\nreplica B logs:\n%s", a.logs, b.logs)
	}
}

// checkPeriodicJobRunsOnce: with two replicas running jobs, River's elected
// leader schedules each period of audit.seal once (never two runs in one
// second), each run is worked by one replica, and the replicas' job
// metrics add up to the runs in the database.
func checkPeriodicJobRunsOnce(t *testing.T, dbURL string, replicas ...*replica) {
	t.Helper()
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var runs []time.Time
	deadline := time.Now().Add(20 * time.Second)
	for len(runs) < 4 && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		runs = runs[:0]
		rows, err := db.Query(`SELECT scheduled_at FROM river_job WHERE kind = 'audit.seal' AND state = 'completed' ORDER BY scheduled_at`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var at time.Time
			if err := rows.Scan(&at); err != nil {
				t.Fatal(err)
			}
			runs = append(runs, at)
		}
		rows.Close()
	}
	if len(runs) < 4 {
		t.Fatalf("audit.seal ran %d times in 20s with a 1s period", len(runs))
	}
	for i := 1; i < len(runs); i++ {
		if gap := runs[i].Sub(runs[i-1]); gap < 500*time.Millisecond {
			t.Errorf("audit.seal runs %d and %d were scheduled %s apart: both replicas scheduled it", i-1, i, gap)
		}
	}
	// Stop counting: no new period starts between the query and the scrapes.
	var completed int
	if err := db.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'audit.seal' AND state = 'completed'`).Scan(&completed); err != nil {
		t.Fatal(err)
	}
	worked := 0
	for _, r := range replicas {
		worked += scrapeCounter(t, r, `worksynapse_jobs_total{kind="audit.seal",outcome="ok"}`)
	}
	// A period may complete between the count and the scrapes.
	if worked < completed || worked > completed+2 {
		t.Errorf("replicas report %d audit.seal runs worked, the database %d completed", worked, completed)
	}
	if n := scrapeCounter(t, replicas[0], `worksynapse_jobs{state="completed"}`); n < completed {
		t.Errorf("worksynapse_jobs{state=\"completed\"} = %d, the database has at least %d", n, completed)
	}
}

// scrapeCounter reads one counter sample from a replica's /metrics.
func scrapeCounter(t *testing.T, r *replica, sample string) int {
	t.Helper()
	resp, err := http.Get(r.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", line, err)
			}
			return int(n)
		}
	}
	return 0
}
