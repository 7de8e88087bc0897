package audit_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// orgRowIDs are the ids of org's rows in both audit tables.
func orgRowIDs(t *testing.T, c *ent.Client, org uuid.UUID) map[uuid.UUID]bool {
	t.Helper()
	sys := testfix.System()
	a, err := c.ActivityLog.Query().Where(activitylog.OrganizationIDEQ(org)).IDs(sys)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.SecurityAuditLog.Query().Where(securityauditlog.OrganizationIDEQ(org),
		securityauditlog.EventTypeNEQ(audit.RetentionEvent)).IDs(sys)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uuid.UUID]bool{}
	for _, id := range append(a, s...) {
		out[id] = true
	}
	return out
}

// allLines is the canonical encoding of every row of both tables.
func allLines(t *testing.T, c *ent.Client) map[uuid.UUID]string {
	t.Helper()
	out := map[uuid.UUID]string{}
	for _, table := range []string{"activity_log", "security_audit_log"} {
		lines, err := audit.CanonicalLines(testfix.System(), c, table)
		if err != nil {
			t.Fatal(err)
		}
		for id, l := range lines {
			out[id] = l
		}
	}
	return out
}

// exported reads the export files: row id -> line.
func exported(t *testing.T, files []string) map[uuid.UUID]string {
	t.Helper()
	out := map[uuid.UUID]string{}
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var head struct{ ID uuid.UUID }
			if err := json.Unmarshal(sc.Bytes(), &head); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			out[head.ID] = sc.Text()
		}
		f.Close()
	}
	return out
}

func retentionEvents(t *testing.T, c *ent.Client) []*ent.SecurityAuditLog {
	t.Helper()
	ev, err := c.SecurityAuditLog.Query().Where(securityauditlog.EventTypeEQ(audit.RetentionEvent)).All(testfix.System())
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestRetentionExportsSealedRowsBeforeDeleting(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, 4)
		c, ctx := e.c, context.Background()
		short, long := testfix.Org(t, c, "Short"), testfix.Org(t, c, "Long")
		sys := testfix.System()
		testfix.Tx(t, sys, c, func(tx *ent.Tx) error {
			return tx.Organization.UpdateOneID(short.ID).SetAuditRetentionDays(1).Exec(sys)
		})
		addActivity(t, c, short, 6)
		addActivity(t, c, long, 3)
		addSecurity(t, c, short, 2)
		e.seal()
		due := orgRowIDs(t, c, short.ID)
		keptLong := orgRowIDs(t, c, long.ID)
		late := addActivity(t, c, short, 2) // past retention too, but not sealed yet
		before := allLines(t, c)

		// Two days later everything is past Short's one-day retention.
		ret := &audit.Retention{Client: c, Dir: e.opt.RetentionDir, BatchSize: 3,
			Now: func() time.Time { return time.Now().Add(48 * time.Hour) }}

		t.Run("no export, no delete", func(t *testing.T) {
			blocker := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(blocker, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			blocked := *ret
			blocked.Dir = blocker // not a directory: the export fails
			if _, err := blocked.Run(ctx); err == nil {
				t.Fatal("retention succeeded without being able to export")
			}
			if got := orgRowIDs(t, c, short.ID); len(got) != len(due)+len(late) {
				t.Fatalf("%d rows left, want all %d: rows were deleted without an export", len(got), len(due)+len(late))
			}
		})

		res, err := ret.Run(ctx)
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if res.Rows != len(due) {
			t.Errorf("purged %d rows, want the %d sealed rows of Short", res.Rows, len(due))
		}
		left := orgRowIDs(t, c, short.ID)
		if len(left) != len(late) || !left[late[0].ID] || !left[late[1].ID] {
			t.Errorf("left %v, want exactly the 2 unsealed rows", left)
		}
		if got := orgRowIDs(t, c, long.ID); len(got) != len(keptLong) {
			t.Errorf("Long (365 days) lost rows: %d of %d left", len(got), len(keptLong))
		}
		files := exported(t, res.Files)
		if len(files) != len(due) {
			t.Errorf("exported %d rows, want %d", len(files), len(due))
		}
		for id := range due {
			if files[id] != before[id] {
				t.Errorf("row %s exported as %q, was %q", id, files[id], before[id])
			}
		}
		events := retentionEvents(t, c)
		recorded := 0
		for _, ev := range events {
			recorded += int(ev.Details["rows"].(float64))
			if ev.OrganizationID != short.ID || ev.Details["file"] == "" || ev.Details["first_seal_seq"] == nil {
				t.Errorf("retention event %v lacks organization, file or seal range", ev.Details)
			}
		}
		if recorded != res.Rows || len(events) != len(res.Files) {
			t.Errorf("events record %d rows in %d events, want %d rows in %d", recorded, len(events), res.Rows, len(res.Files))
		}

		again, err := ret.Run(ctx)
		if err != nil || again.Rows != 0 || len(again.Files) != 0 || len(retentionEvents(t, c)) != len(events) {
			t.Errorf("re-run: %+v, %v, %d events; want nothing more done", again, err, len(retentionEvents(t, c)))
		}

		e.seal() // the late rows and the retention events
		rep := e.verify()
		if !rep.OK {
			t.Fatalf("verify after retention: %v", rep.Findings)
		}
		if purged := rep.Tables[0].Purged + rep.Tables[1].Purged; purged != len(due) {
			t.Errorf("verify checked %d purged rows against the exports, want %d", purged, len(due))
		}

		t.Run("a changed export is named", func(t *testing.T) {
			var victim uuid.UUID
			for id, line := range files {
				if strings.Contains(line, "test.event") {
					victim = id
					break
				}
			}
			for _, path := range res.Files {
				b, _ := os.ReadFile(path)
				if strings.Contains(string(b), victim.String()) {
					forged := strings.Replace(string(b), files[victim], strings.Replace(files[victim], "test.event", "test.forged", 1), 1)
					if err := os.WriteFile(path, []byte(forged), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
			wantRow(t, e.verify(), audit.FindChangedRow, victim)
		})
		t.Run("a lost export is named, not taken for tampering", func(t *testing.T) {
			for _, path := range res.Files {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			}
			rep := e.verify()
			if len(rep.Findings) != len(due) || len(findings(rep, audit.FindExportMissing)) != len(due) {
				t.Fatalf("want %d export_missing findings and nothing else, got %v", len(due), rep.Findings)
			}
			for _, f := range rep.Findings {
				if !due[*f.RowID] || !strings.Contains(f.Detail, "_log/") {
					t.Errorf("finding %v: not a purged row or no file named", f)
				}
			}
		})
	})
}

// TestAuditRowsStayAppendOnly: no one deletes audit rows through ent but
// retention (its fields are immutable, so updates do not compile).
func TestAuditRowsStayAppendOnly(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := db.Ent
		admin := testfix.User(t, c, "root")
		testfix.Tx(t, testfix.System(), c, func(tx *ent.Tx) error {
			return tx.User.UpdateOneID(admin.ID).SetIsSuperuser(true).Exec(testfix.System())
		})
		admin.IsSuperuser = true
		addActivity(t, c, nil, 1)
		for name, ctx := range map[string]context.Context{
			"system":                   testfix.System(),
			"superuser":                testfix.Superuser(admin),
			"superuser with the purge": rule.WithRetentionPurge(testfix.Superuser(admin)),
		} {
			err := database.WithTx(ctx, c, func(tx *ent.Tx) error {
				_, err := tx.ActivityLog.Delete().Exec(ctx)
				return err
			})
			if !errors.Is(err, privacy.Deny) {
				t.Errorf("%s: delete err = %v, want privacy.Deny", name, err)
			}
		}
	})
}

// TestOnlyRetentionPurges keeps the append-only exception narrow: no other
// production code may mark a context for deleting audit rows.
func TestOnlyRetentionPurges(t *testing.T) {
	var callers []string
	err := filepath.WalkDir("../..", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(b), "rule.WithRetentionPurge(") {
			callers = append(callers, filepath.ToSlash(path))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(callers) != 1 || callers[0] != "../../internal/audit/retention.go" {
		t.Errorf("rule.WithRetentionPurge is called from %v, want only internal/audit/retention.go", callers)
	}
}
