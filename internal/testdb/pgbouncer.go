package testdb

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// PgBouncer is a PgBouncer process in transaction pooling mode in front of
// the test PostgreSQL server, the way managed PostgreSQL offerings put one
// in front of the database.
type PgBouncer struct {
	// Addr is the pooler's host:port on loopback.
	Addr string
	log  string
}

// pgbouncerBinary is where Debian's package installs it (`make unit` and
// .ci/run install it when missing).
const pgbouncerBinary = "/usr/sbin/pgbouncer"

// RequirePgBouncer starts PgBouncer (transaction mode, serverPool server
// connections per database and user) in front of the server at adminURL,
// for the test's lifetime. Every database name is passed through. Without
// the binary the test skips, or fails in CI (CI set).
func RequirePgBouncer(t testing.TB, adminURL string, serverPool int) *PgBouncer {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		bin = pgbouncerBinary
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PgBouncer is required in CI (Debian package pgbouncer): %v", err)
		}
		t.Skipf("PgBouncer tests skipped: %v (apt-get install pgbouncer)", err)
	}
	server, err := url.Parse(adminURL)
	if err != nil {
		t.Fatalf("test database URL: %v", err)
	}
	user := server.User.Username()
	addr := freeLoopbackAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	// Not t.TempDir: its parent is private to us, and PgBouncer may run as
	// another user (below).
	dir, err := os.MkdirTemp("", "pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	pb := &PgBouncer{Addr: addr, log: filepath.Join(dir, "pgbouncer.log")}
	host, serverPort := server.Hostname(), server.Port()
	if serverPort == "" {
		serverPort = "5432"
	}
	// Trust authentication: the test server trusts loopback, and the
	// pooler only listens there. The auth file must still name the user.
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%s
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %s
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
logfile = %s
`, host, serverPort, port, filepath.Join(dir, "users.txt"), serverPool, pb.log)
	write(t, filepath.Join(dir, "users.txt"), fmt.Sprintf("%q \"\"\n", user))
	write(t, filepath.Join(dir, "pgbouncer.ini"), ini)
	args := []string{filepath.Join(dir, "pgbouncer.ini")}
	if os.Geteuid() == 0 {
		// PgBouncer refuses to run as root; CI runs as root.
		args = append([]string{"-u", "postgres"}, args...)
		_ = os.Chmod(dir, 0o777)
		write(t, pb.log, "")
		_ = os.Chmod(pb.log, 0o666)
	}
	cmd := exec.Command(bin, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pgbouncer: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return pb
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgbouncer did not listen on %s:\n%s%s", addr, out.String(), pb.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL returns dbURL with its host replaced by the pooler's.
func (pb *PgBouncer) URL(t testing.TB, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("database URL: %v", err)
	}
	u.Host = pb.Addr
	return u.String()
}

// Log returns what PgBouncer has logged so far.
func (pb *PgBouncer) Log() string {
	b, _ := os.ReadFile(pb.log)
	return string(b)
}

// Errors returns the lines of PgBouncer's log that report a failure.
func (pb *PgBouncer) Errors() []string {
	var out []string
	for _, line := range strings.Split(pb.Log(), "\n") {
		if strings.Contains(line, " ERROR ") || strings.Contains(line, " FATAL ") || strings.Contains(line, " WARNING ") {
			out = append(out, line)
		}
	}
	return out
}

func freeLoopbackAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
