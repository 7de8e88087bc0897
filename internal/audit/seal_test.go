package audit_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/auditseal"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// testKey signs the seals of these tests.
var (
	testKey   = ed25519.NewKeyFromSeed([]byte("audit-seal-test-seed-32-bytes!!!"))
	testKeyID = "test-key-1"
)

// env is one test's database, sealer and verify options sharing a seal
// directory.
type env struct {
	t      *testing.T
	db     *database.DB
	c      *ent.Client
	sealer *audit.Sealer
	opt    audit.VerifyOptions
}

func newEnv(t *testing.T, db *database.DB, batch int) *env {
	dir := t.TempDir()
	sealDir, retDir := filepath.Join(dir, "seals"), filepath.Join(dir, "retention")
	return &env{
		t: t, db: db, c: db.Ent,
		sealer: &audit.Sealer{Client: db.Ent, Key: testKey, KeyID: testKeyID, Dir: sealDir, BatchSize: batch},
		opt: audit.VerifyOptions{
			Client: db.Ent, Keys: map[string]ed25519.PublicKey{testKeyID: testKey.Public().(ed25519.PublicKey)},
			SealDir: sealDir, RetentionDir: retDir,
		},
	}
}

// seal seals everything committed so far (MinAge 0; ids have millisecond
// resolution, so wait for the next millisecond first).
func (e *env) seal() int {
	e.t.Helper()
	time.Sleep(2 * time.Millisecond)
	n, err := e.sealer.SealPending(context.Background())
	if err != nil {
		e.t.Fatalf("SealPending: %v", err)
	}
	return n
}

func (e *env) verify() *audit.Report {
	e.t.Helper()
	time.Sleep(2 * time.Millisecond)
	rep, err := audit.Verify(context.Background(), e.opt)
	if err != nil {
		e.t.Fatalf("Verify: %v", err)
	}
	return rep
}

// exec runs SQL directly on the database, bypassing ent and its rules,
// the way an attacker with database access would.
func (e *env) exec(query string, args ...any) {
	e.t.Helper()
	if e.db.Dialect == dialect.SQLite {
		query = regexp.MustCompile(`\$\d+`).ReplaceAllString(query, "?")
	}
	if _, err := e.db.SQL.ExecContext(context.Background(), query, args...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
}

// addActivity writes n ActivityLog rows (through the system context, as
// the audit hook does) and returns them in id order.
func addActivity(t *testing.T, c *ent.Client, org *ent.Organization, n int) []*ent.ActivityLog {
	t.Helper()
	sys := testfix.System()
	out := make([]*ent.ActivityLog, 0, n)
	testfix.Tx(t, sys, c, func(tx *ent.Tx) error {
		for i := range n {
			b := tx.ActivityLog.Create().
				SetActorType(activitylog.ActorTypeSystem).SetActivityType(activitylog.ActivityTypeCustom).
				SetAction("test.event").SetResourceType("Test").SetResourceID(uuid.New()).
				SetNewValues(map[string]any{"i": i, "note": "é <b>&</b>", "nested": map[string]any{"z": 1, "a": []any{true, nil}}}).
				SetIP("192.0.2.1").SetUserAgent("test")
			if org != nil {
				b.SetOrganizationID(org.ID)
			}
			a, err := b.Save(sys)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out
}

func addSecurity(t *testing.T, c *ent.Client, org *ent.Organization, n int) {
	t.Helper()
	sys := testfix.System()
	testfix.Tx(t, sys, c, func(tx *ent.Tx) error {
		for i := range n {
			b := tx.SecurityAuditLog.Create().SetEventType("auth.login_failed").
				SetSeverity(securityauditlog.SeverityWarning).SetDetails(map[string]any{"attempt": i})
			if org != nil {
				b.SetOrganizationID(org.ID)
			}
			if err := b.Exec(sys); err != nil {
				return err
			}
		}
		return nil
	})
}

func seals(t *testing.T, c *ent.Client, table auditseal.LogTable) []*ent.AuditSeal {
	t.Helper()
	s, err := c.AuditSeal.Query().Where(auditseal.LogTableEQ(table)).Order(auditseal.BySeq()).All(testfix.System())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// findings returns the report's findings of one kind.
func findings(rep *audit.Report, kind string) []audit.Finding {
	var out []audit.Finding
	for _, f := range rep.Findings {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

// wantRow asserts the report has exactly one finding of kind and that it
// names row id.
func wantRow(t *testing.T, rep *audit.Report, kind string, id uuid.UUID) {
	t.Helper()
	fs := findings(rep, kind)
	if rep.OK || len(fs) != 1 || fs[0].RowID == nil || *fs[0].RowID != id {
		t.Fatalf("want one %s finding naming %s, got ok=%v findings=%v", kind, id, rep.OK, rep.Findings)
	}
}

func TestVerifyPassesOnUntouchedLog(t *testing.T) {
	testdb.ForEachDialectUnseeded(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, 4)
		org := testfix.Org(t, e.c, "Acme")
		addActivity(t, e.c, org, 9)
		addSecurity(t, e.c, org, 5)
		addSecurity(t, e.c, nil, 2)
		total, err := e.c.ActivityLog.Query().Count(testfix.System())
		if err != nil {
			t.Fatal(err)
		}

		n := e.seal()
		act, sec := seals(t, e.c, auditseal.LogTableActivityLog), seals(t, e.c, auditseal.LogTableSecurityAuditLog)
		if want := (total+3)/4 + 2; n != want || len(act)+len(sec) != n {
			t.Fatalf("sealed %d (activity %d, security %d), want %d seals of at most 4 rows", n, len(act), len(sec), want)
		}
		// A seal file lost after its seal committed is written again.
		lost := filepath.Join(e.sealer.Dir, "activity_log", fmt.Sprintf("%012d.json", len(act)))
		if err := os.Remove(lost); err != nil {
			t.Fatal(err)
		}
		if again := e.seal(); again != 0 {
			t.Errorf("a re-run wrote %d more seals, want 0", again)
		}
		if _, err := os.Stat(lost); err != nil {
			t.Errorf("the lost seal file was not rewritten: %v", err)
		}
		for i, s := range act {
			if s.Seq != int64(i+1) || (i > 0) != (s.PrevSealHash != nil) || (i > 0 && *s.PrevSealHash != act[i-1].SealHash) {
				t.Errorf("seal %d: seq %d, prev %v: not chained", i, s.Seq, s.PrevSealHash)
			}
		}

		rep := e.verify()
		if !rep.OK {
			t.Fatalf("untouched log failed verification: %v", rep.Findings)
		}
		if rep.Tables[0].Rows != total || rep.Tables[1].Rows != 7 || rep.Tables[0].Seals != len(act) {
			t.Errorf("report %+v, want %d activity rows in %d seals and 7 security rows", rep.Tables, total, len(act))
		}
		if rep.Tables[0].Pending != 0 {
			t.Errorf("pending = %d after sealing everything", rep.Tables[0].Pending)
		}

		// --from: only the seals of later rows, chained to the one before.
		time.Sleep(2 * time.Millisecond)
		from := time.Now()
		time.Sleep(2 * time.Millisecond)
		addActivity(t, e.c, org, 4)
		e.seal()
		opt := e.opt
		opt.From, opt.Tables = from, []string{"activity_log"}
		ranged, err := audit.Verify(context.Background(), opt)
		if err != nil || !ranged.OK || ranged.Tables[0].Seals != 1 || ranged.Tables[0].Rows != 4 {
			t.Fatalf("--from: %v %+v, want one seal of 4 rows verified", err, ranged)
		}
		e.exec(`UPDATE audit_seals SET signature = $1 WHERE seq = $2 AND log_table = 'activity_log'`, act[0].Signature, len(act)+1)
		if ranged, _ = audit.Verify(context.Background(), opt); len(findings(ranged, audit.FindBadSignature)) != 1 {
			t.Errorf("--from misses a bad signature in range: %v", ranged.Findings)
		}
	})
}

func TestVerifyNamesTamperedRows(t *testing.T) {
	testdb.ForEachDialectUnseeded(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, 100)
		rows := addActivity(t, e.c, nil, 6)
		e.seal()
		if rep := e.verify(); !rep.OK {
			t.Fatalf("before tampering: %v", rep.Findings)
		}

		t.Run("update", func(t *testing.T) {
			e.exec(`UPDATE activity_logs SET action = $1 WHERE id = $2`, "test.forged", rows[2].ID.String())
			wantRow(t, e.verify(), audit.FindChangedRow, rows[2].ID)
			e.exec(`UPDATE activity_logs SET action = $1 WHERE id = $2`, "test.event", rows[2].ID.String())
			if rep := e.verify(); !rep.OK {
				t.Fatalf("restoring the row did not restore verification: %v", rep.Findings)
			}
		})
		t.Run("delete", func(t *testing.T) {
			e.exec(`DELETE FROM activity_logs WHERE id = $1`, rows[4].ID.String())
			wantRow(t, e.verify(), audit.FindMissingRow, rows[4].ID)
		})
		t.Run("insert", func(t *testing.T) {
			forged := next(rows[1].ID) // inside the sealed range, between rows 1 and 2
			e.exec(`INSERT INTO activity_logs (id, created_at, organization_id, actor_type, activity_type, action, resource_type, resource_id)
				VALUES ($1, $2, $4, 'system', 'custom', 'test.forged', 'Test', $3)`,
				forged.String(), rows[1].CreatedAt, uuid.NewString(), uuid.Nil.String())
			rep := e.verify()
			wantRow(t, rep, audit.FindInsertedRow, forged)
			wantRow(t, rep, audit.FindMissingRow, rows[4].ID) // still reported
		})
		t.Run("without seal files the seal is named", func(t *testing.T) {
			opt := e.opt
			opt.SealDir = ""
			rep, err := audit.Verify(context.Background(), opt)
			if err != nil {
				t.Fatal(err)
			}
			fs := findings(rep, audit.FindRowsMismatch)
			if rep.OK || len(fs) != 1 || fs[0].Seq != 1 {
				t.Fatalf("want one rows_mismatch naming seal 1, got %v", rep.Findings)
			}
		})
	})
}

// next is the id just above id.
func next(id uuid.UUID) uuid.UUID {
	for i := len(id) - 1; i >= 0; i-- {
		if id[i]++; id[i] != 0 {
			break
		}
	}
	return id
}

func TestVerifyDetectsSealTampering(t *testing.T) {
	testdb.ForEachDialectUnseeded(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, 2)
		addActivity(t, e.c, nil, 8)
		e.seal()
		ss := seals(t, e.c, auditseal.LogTableActivityLog)
		if len(ss) != 4 {
			t.Fatalf("want 4 seals, got %d", len(ss))
		}

		t.Run("broken chain", func(t *testing.T) {
			e.exec(`UPDATE audit_seals SET prev_seal_hash = $1 WHERE id = $2`, ss[0].RowsHash, ss[2].ID.String())
			rep := e.verify()
			if len(findings(rep, audit.FindChainBreak)) != 1 || len(findings(rep, audit.FindSealHash)) != 1 {
				t.Fatalf("want chain_break and seal_altered, got %v", rep.Findings)
			}
			e.exec(`UPDATE audit_seals SET prev_seal_hash = $1 WHERE id = $2`, ss[1].SealHash, ss[2].ID.String())
		})
		t.Run("bad signature", func(t *testing.T) {
			other := ed25519.NewKeyFromSeed(make([]byte, 32))
			sum, _ := hex.DecodeString(ss[1].SealHash)
			e.exec(`UPDATE audit_seals SET signature = $1 WHERE id = $2`, hex.EncodeToString(ed25519.Sign(other, sum)), ss[1].ID.String())
			rep := e.verify()
			fs := findings(rep, audit.FindBadSignature)
			if len(fs) != 1 || fs[0].Seq != 2 || len(rep.Findings) != 1 {
				t.Fatalf("want only bad_signature on seal 2, got %v", rep.Findings)
			}
			e.exec(`UPDATE audit_seals SET signature = $1 WHERE id = $2`, ss[1].Signature, ss[1].ID.String())
		})
		t.Run("untrusted key", func(t *testing.T) {
			opt := e.opt
			opt.Keys = map[string]ed25519.PublicKey{"other": testKey.Public().(ed25519.PublicKey)}
			rep, err := audit.Verify(context.Background(), opt)
			if err != nil || len(findings(rep, audit.FindUnknownKey)) != 4 {
				t.Fatalf("want unknown_key on every seal, got %v, %v", err, rep)
			}
		})
		t.Run("seal deleted in the middle and at the end", func(t *testing.T) {
			if rep := e.verify(); !rep.OK {
				t.Fatalf("restored seals fail: %v", rep.Findings)
			}
			e.exec(`DELETE FROM audit_seals WHERE id = $1 OR id = $2`, ss[1].ID.String(), ss[3].ID.String())
			rep := e.verify()
			var seqs []int64
			for _, f := range findings(rep, audit.FindMissingSeal) {
				seqs = append(seqs, f.Seq)
			}
			if !slices.Equal(seqs, []int64{3, 4}) {
				t.Fatalf("missing_seal findings at seqs %v, want [3 4] (gap before 3, file of 4): %v", seqs, rep.Findings)
			}
			// The rows of the deleted seals are no longer covered.
			if len(findings(rep, audit.FindUnsealedRow)) != 2 {
				t.Errorf("want the 2 rows of seal 2 reported unsealed, got %v", rep.Findings)
			}
		})
		t.Run("every seal deleted", func(t *testing.T) {
			e.exec(`DELETE FROM audit_seals`)
			rep := e.verify()
			fs := findings(rep, audit.FindMissingSeal)
			if len(fs) != 1 || fs[0].Seq != 1 || fs[0].Table != "activity_log" {
				t.Fatalf("want missing_seal 1 (its file remains), got %v", rep.Findings)
			}
		})
	})
}

func TestVerifyReportsLateRows(t *testing.T) {
	testdb.ForEachDialectUnseeded(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, 3)
		addActivity(t, e.c, nil, 6)
		e.seal()
		ss := seals(t, e.c, auditseal.LogTableActivityLog)
		// A transaction that took its id before seal 1 was made and
		// committed after: its row lands between seal 1 and seal 2.
		late := next(ss[0].LastRowID)
		sys := testfix.System()
		testfix.Tx(t, sys, e.c, func(tx *ent.Tx) error {
			return tx.ActivityLog.Create().SetID(late).SetActorType(activitylog.ActorTypeSystem).
				SetActivityType(activitylog.ActivityTypeCustom).SetAction("test.late").
				SetResourceType("Test").SetResourceID(uuid.New()).Exec(sys)
		})
		addActivity(t, e.c, nil, 2) // due, not sealed yet: pending, not a failure

		rep := e.verify()
		wantRow(t, rep, audit.FindUnsealedRow, late)
		if rep.Tables[0].Pending != 2 {
			t.Errorf("pending = %d, want 2", rep.Tables[0].Pending)
		}
		// Sealing goes forward only: the late row stays reported.
		e.seal()
		rep = e.verify()
		wantRow(t, rep, audit.FindUnsealedRow, late)
		if rep.Tables[0].Pending != 0 {
			t.Errorf("pending = %d after sealing, want 0", rep.Tables[0].Pending)
		}
	})
}

func TestConcurrentSealingMakesOneChain(t *testing.T) {
	testdb.ForEachDialectUnseeded(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, 5)
		for range 5 {
			addActivity(t, e.c, nil, 10)
		}
		time.Sleep(2 * time.Millisecond)
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			written int
		)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := *e.sealer // a replica of its own
				n, err := s.SealPending(context.Background())
				if err != nil {
					t.Errorf("SealPending: %v", err)
				}
				mu.Lock()
				written += n
				mu.Unlock()
			}()
		}
		wg.Wait()
		ss := seals(t, e.c, auditseal.LogTableActivityLog)
		rows := 0
		for i, s := range ss {
			if s.Seq != int64(i+1) {
				t.Fatalf("seq %d at position %d: the chain has a gap or a duplicate", s.Seq, i+1)
			}
			rows += s.RowCount
		}
		if len(ss) != 10 || rows != 50 || written != len(ss)+len(seals(t, e.c, auditseal.LogTableSecurityAuditLog)) {
			t.Errorf("%d seals over %d rows, %d reported written; want 10 seals over 50 rows", len(ss), rows, written)
		}
		if rep := e.verify(); !rep.OK {
			t.Fatalf("concurrent seals fail verification: %v", rep.Findings)
		}
	})
}
