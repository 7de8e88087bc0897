package cli_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
)

func TestAuditSealAndVerify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ws.db")
	t.Setenv("WORKSYNAPSE_AUDIT_SEAL_MIN_AGE", "0s")
	dir := t.TempDir()
	t.Setenv("WORKSYNAPSE_AUDIT_SEAL_DIR", filepath.Join(dir, "seals"))
	t.Setenv("WORKSYNAPSE_AUDIT_RETENTION_DIR", filepath.Join(dir, "retention"))
	if out, err := run(t, path, "create-admin", "-e", "a@example.com", "-u", "admin", "-p", "a long passphrase!"); err != nil {
		t.Fatalf("create-admin: %v\n%s", err, out)
	}
	out, err := run(t, path, "audit", "seal")
	if err != nil || !strings.Contains(out, "wrote 1 seals") {
		t.Fatalf("audit seal: %v\n%s", err, out)
	}
	out, err = run(t, path, "audit", "verify")
	if err != nil || !strings.Contains(out, "audit trail verified") {
		t.Fatalf("audit verify on an untouched log: %v\n%s", err, out)
	}

	db, err := database.Open(context.Background(), database.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	var id string
	if err := db.SQL.QueryRow(`SELECT id FROM activity_logs ORDER BY id LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL.Exec(`UPDATE activity_logs SET action = 'user.forged' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out, err = run(t, path, "audit", "verify", "--json", "--table", "activity_log")
	if err == nil {
		t.Fatalf("verify of a tampered log succeeded:\n%s", out)
	}
	var rep audit.Report
	// The report is on stdout; the test's run also captures log lines.
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{\n"):]), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if rep.OK || len(rep.Findings) != 1 || rep.Findings[0].Kind != audit.FindChangedRow || rep.Findings[0].RowID.String() != id {
		t.Errorf("want one changed_row naming %s, got %+v", id, rep.Findings)
	}
	out, _ = run(t, path, "audit", "verify")
	if !strings.Contains(out, "FAIL activity_log seal 1: changed_row row "+id) {
		t.Errorf("text report does not name the row:\n%s", out)
	}
}

func TestAuditVerifyRejectsBadFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ws.db")
	for _, args := range [][]string{
		{"--table", "users"},
		{"--from", "yesterday"},
		{"--from", "2026-02-01", "--to", "2026-01-01"},
	} {
		if _, err := run(t, path, append([]string{"audit", "verify"}, args...)...); err == nil {
			t.Errorf("audit verify %v succeeded", args)
		}
	}
}
