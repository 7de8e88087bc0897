package cli_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/internal/app"
	"github.com/worksynapse/worksynapse/internal/auth/password"
	"github.com/worksynapse/worksynapse/internal/cli"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// run executes the CLI with args against the SQLite file at path.
func run(t *testing.T, path string, args ...string) (string, error) {
	t.Helper()
	t.Setenv("WORKSYNAPSE_DATABASE_SQLITE_PATH", path)
	t.Setenv("WORKSYNAPSE_DATABASE_URL", "")
	t.Chdir(t.TempDir()) // no config.yaml from the repository
	root := cli.NewRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestCreateAdminCreatesAWorkingSuperuser(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ws.db")
	pw := "correct horse battery staple"
	out, err := run(t, path, "create-admin", "-e", "Root@Example.com", "-u", "root", "-p", pw, "--superuser")
	if err != nil {
		t.Fatalf("create-admin: %v\n%s", err, out)
	}
	db, err := database.Open(context.Background(), database.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.Ent.User.Query().Where(user.Username("root")).Only(testfix.System())
	if err != nil {
		t.Fatalf("user not found: %v", err)
	}
	if !u.IsSuperuser || u.Email != "root@example.com" || u.EmailVerifiedAt == nil || u.Status != user.StatusActive {
		t.Errorf("unexpected account: %+v", u)
	}
	if err := password.Verify(u.PasswordHash, pw); err != nil {
		t.Errorf("password does not verify: %v", err)
	}
	if n, err := db.Ent.User.Query().Count(testfix.Superuser(u)); err != nil || n != 1 {
		t.Errorf("superuser viewer should read users: %d %v", n, err)
	}
}

func TestCreateAdminRejectsAWeakPassword(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ws.db")
	_, err := run(t, path, "create-admin", "-e", "a@example.com", "-u", "admin", "-p", "short")
	if err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Fatalf("want password policy error, got %v", err)
	}
}

func TestSeedIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ws.db")
	first, err := run(t, path, "seed")
	if err != nil {
		t.Fatalf("seed: %v\n%s", err, first)
	}
	if !strings.Contains(first, "5 roles") {
		t.Errorf("first seed should create the 5 system roles: %s", first)
	}
	second, err := run(t, path, "seed")
	if err != nil || !strings.Contains(second, "0 permissions, 0 roles, 0 grants") {
		t.Fatalf("second seed should create nothing: %v %s", err, second)
	}
}

// runPG executes the CLI against the PostgreSQL database at url.
func runPG(t *testing.T, url string, args ...string) (string, error) {
	t.Helper()
	t.Setenv("WORKSYNAPSE_DATABASE_URL", url)
	t.Chdir(t.TempDir())
	root := cli.NewRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestMigrateStatusPlanApplyOnPostgres(t *testing.T) {
	admin := testdb.RequirePostgres(t)
	url, drop, err := dbmigrate.TempDevDatabase(context.Background(), admin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)

	out, err := runPG(t, url, "migrate", "status")
	if !errors.Is(err, dbmigrate.ErrNotCurrent) || !strings.Contains(out, "applied: 0") || strings.Contains(out, "pending: 0") {
		t.Fatalf("status on an empty database must list the pending files and fail: %v\n%s", err, out)
	}
	if out, err = runPG(t, url, "seed"); !errors.Is(err, app.ErrPendingMigrations) || !strings.Contains(err.Error(), "worksynapse migrate apply") {
		t.Fatalf("commands must refuse a database with pending migrations: %v\n%s", err, out)
	}
	out, err = runPG(t, url, "migrate", "plan")
	if err != nil || !strings.Contains(out, `CREATE TABLE "organizations"`) {
		t.Fatalf("plan should print the pending SQL: %v\n%.300s", err, out)
	}
	// The lint findings stand above the statement they concern.
	if !strings.Contains(out, "-- lint DS102 error: Dropping table \"river_client_queue\" [accepted: reviewed exception: ") ||
		!strings.Contains(out, "never used by River; they hold nothing worth keeping]\nDROP TABLE river_client_queue;") {
		t.Fatalf("plan should annotate River's reviewed DROP TABLE:\n%s", out)
	}
	if out, err = runPG(t, url, "migrate", "apply", "--dry-run"); err != nil || !strings.Contains(out, `CREATE TABLE "organizations"`) {
		t.Fatalf("apply --dry-run should print the pending SQL: %v\n%.300s", err, out)
	}
	if out, _ = runPG(t, url, "migrate", "status"); !strings.Contains(out, "applied: 0") {
		t.Fatalf("plan and --dry-run must not apply anything:\n%s", out)
	}
	files, err := dbmigrate.Dir()
	if err != nil {
		t.Fatal(err)
	}
	all, _ := files.Files()
	if out, err = runPG(t, url, "migrate", "apply"); err != nil || !strings.Contains(out, fmt.Sprintf("applied %d migration", len(all))) {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if out, err = runPG(t, url, "migrate", "apply"); err != nil || !strings.Contains(out, "applied 0 migration") {
		t.Fatalf("second apply must be a no-op: %v\n%s", err, out)
	}
	if out, err = runPG(t, url, "migrate", "status"); err != nil || !strings.Contains(out, "pending: 0") {
		t.Fatalf("status after apply: %v\n%s", err, out)
	}
	if out, err = runPG(t, url, "create-admin", "-e", "ops@example.com", "-u", "ops", "-p", "another long passphrase", "--superuser"); err != nil {
		t.Fatalf("create-admin on PostgreSQL: %v\n%s", err, out)
	}
}
