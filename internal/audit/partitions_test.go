package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/auditseal"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// v7At returns a UUIDv7 of the millisecond at.
func v7At(at time.Time) uuid.UUID {
	id := uuid.Must(uuid.NewV7())
	b := partition.Bound(at)
	copy(id[:6], b[:6])
	return id
}

// addActivityAt stores n activity rows of org created at (n milliseconds
// apart), as if written then.
func addActivityAt(t *testing.T, c *ent.Client, org *ent.Organization, at time.Time, n int) []uuid.UUID {
	t.Helper()
	sys := testfix.System()
	var ids []uuid.UUID
	testfix.Tx(t, sys, c, func(tx *ent.Tx) error {
		for i := range n {
			when := at.Add(time.Duration(i) * time.Millisecond)
			a, err := tx.ActivityLog.Create().SetID(v7At(when)).SetCreatedAt(when).SetOrganizationID(org.ID).
				SetActorType(activitylog.ActorTypeSystem).SetActivityType(activitylog.ActivityTypeCustom).
				SetAction("test.event").SetResourceType("Test").SetResourceID(uuid.New()).
				SetNewValues(map[string]any{"i": i}).Save(sys)
			if err != nil {
				return err
			}
			ids = append(ids, a.ID)
		}
		return nil
	})
	return ids
}

func partitionNames(t *testing.T, c *ent.Client, table string) []string {
	t.Helper()
	ps, err := partition.List(context.Background(), c, table)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// TestMonthRetentionDropsWholeMonths: months past retention leave as whole
// partitions, only once sealed to their end, after an export that Verify
// still proves through the seals; the months kept are untouched.
func TestMonthRetentionDropsWholeMonths(t *testing.T) {
	db := testdb.NewPostgres(t)
	e := newEnv(t, db, 50)
	c, ctx := e.c, context.Background()
	org := testfix.Org(t, c, "Months")
	m1 := partition.MonthStart(time.Now()).AddDate(0, 1, 0) // the first month after the legacy partition
	m2 := m1.AddDate(0, 1, 0)
	addActivity(t, c, org, 3) // this month: the legacy partition
	inM1 := addActivityAt(t, c, org, m1.Add(36*time.Hour), 4)
	inM2 := addActivityAt(t, c, org, m2.Add(36*time.Hour), 2)

	// Two months after m2, a retention of 2 months keeps m2 and later:
	// the legacy partition and m1 are due.
	later := m2.AddDate(0, 2, 3)
	ret := &audit.MonthRetention{Client: c, Dir: e.opt.RetentionDir, Now: func() time.Time { return later },
		Months: map[auditseal.LogTable]int{auditseal.LogTableActivityLog: 2}}
	m1Name := "activity_logs_" + m1.Format("y2006m01")

	t.Run("a month with unsealed rows is kept", func(t *testing.T) {
		got, err := ret.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Fatalf("dropped %v before any seal", got)
		}
		if !slices.Contains(partitionNames(t, c, "activity_logs"), m1Name) {
			t.Fatalf("%s is gone", m1Name)
		}
	})

	e.sealer.Now = func() time.Time { return later }
	ret.Sealer = e.sealer
	before := allLines(t, c)
	due, err := c.ActivityLog.Query().Where(activitylog.IDLT(partition.Bound(m2))).IDs(testfix.System())
	if err != nil {
		t.Fatal(err)
	}
	got, err := ret.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Partition != "activity_logs_legacy" || got[1].Partition != m1Name || got[1].Rows != len(inM1) {
		t.Fatalf("dropped %+v, want activity_logs_legacy and %s (%d rows)", got, m1Name, len(inM1))
	}
	if got[0].Rows+got[1].Rows != len(due) {
		t.Errorf("dropped %d rows, want the %d rows before m2", got[0].Rows+got[1].Rows, len(due))
	}

	names := partitionNames(t, c, "activity_logs")
	if slices.Contains(names, m1Name) || slices.Contains(names, "activity_logs_legacy") {
		t.Errorf("partitions after the drop: %v", names)
	}
	if !slices.Contains(names, "activity_logs_"+m2.Format("y2006m01")) {
		t.Errorf("the kept month's partition is gone: %v", names)
	}
	if !slices.Contains(partitionNames(t, c, "security_audit_logs"), "security_audit_logs_legacy") {
		t.Error("security_audit_logs lost a month with retention 0 (keep all)")
	}
	left, err := c.ActivityLog.Query().IDs(testfix.System())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(left, inM2) {
		t.Errorf("activity rows left = %v, want m2's %v", left, inM2)
	}

	// Every dropped row is in the exports, byte for byte.
	var files []string
	for _, d := range got {
		files = append(files, filepath.Join(e.opt.RetentionDir, d.File))
	}
	exp := exported(t, files)
	for _, id := range due {
		if exp[id] != before[id] {
			t.Fatalf("row %s exported as %q, want %q", id, exp[id], before[id])
		}
	}
	if len(exp) != len(due) {
		t.Errorf("exports hold %d rows, want %d", len(exp), len(due))
	}
	events := retentionEvents(t, c)
	if len(events) != 2 || events[1].Details["partition"] != m1Name {
		t.Errorf("retention events = %v, want one per dropped month", events)
	}
	if rep := e.verify(); !rep.OK {
		t.Errorf("Verify after the drop: %+v", rep.Findings)
	}

	if again, err := ret.Run(ctx); err != nil || len(again) != 0 {
		t.Errorf("second run dropped %v (err %v), want nothing", again, err)
	}
	if _, err := os.Stat(e.opt.RetentionDir); err != nil {
		t.Fatal(err)
	}
}
