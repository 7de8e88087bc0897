package rule_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/appusage"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/ent/productivitysummary"
	"github.com/worksynapse/worksynapse/ent/worklog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// wtRows gives every seeded role's user of organization A one work log,
// one AppUsage row and one daily ProductivitySummary (made as system).
func wtRows(t *testing.T, w *world) map[string]uuid.UUID {
	t.Helper()
	logs := map[string]uuid.UUID{}
	sys := testfix.System()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i, r := range seedRoles {
		u := w.people[r]
		testfix.Tx(t, sys, w.c, func(tx *ent.Tx) error {
			start := at.Add(time.Duration(i) * time.Hour)
			l, err := tx.WorkLog.Create().SetOrganizationID(w.a.ID).SetUserID(u.ID).SetProjectID(w.projA.ID).
				SetStartedAt(start).SetEndedAt(start.Add(time.Minute)).SetDurationSeconds(60).Save(sys)
			if err != nil {
				return err
			}
			logs[r] = l.ID
			if err := tx.AppUsage.Create().SetOrganizationID(w.a.ID).SetUserID(u.ID).SetClientRecordID("c1").
				SetDeviceID("d").SetAppName("code").SetStartedAt(start).SetEndedAt(start.Add(time.Minute)).
				SetDurationSeconds(60).Exec(sys); err != nil {
				return err
			}
			return tx.ProductivitySummary.Create().SetOrganizationID(w.a.ID).SetUserID(u.ID).
				SetPeriod(productivitysummary.PeriodDaily).SetPeriodStart(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)).
				SetComputedAt(at).Exec(sys)
		})
	}
	return logs
}

// TestWorkTrackingPolicies runs the work-tracking rules over the seeded
// roles: own rows for everyone, others' work logs with work_log:manage
// only, raw tracker rows for their user alone, aggregates for managers
// only when the organization enables it.
func TestWorkTrackingPolicies(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db.Ent)
		logs := wtRows(t, w)
		count := func(ctx context.Context) (logs, raw, summaries int) {
			logs = w.c.WorkLog.Query().Where(worklog.OrganizationID(w.a.ID)).CountX(ctx)
			raw = w.c.AppUsage.Query().Where(appusage.OrganizationID(w.a.ID)).CountX(ctx)
			summaries = w.c.ProductivitySummary.Query().Where(productivitysummary.OrganizationID(w.a.ID)).CountX(ctx)
			return
		}
		want := map[string][3]int{ // role -> work logs, raw rows, summaries visible (policy off)
			seed.RoleAdmin: {4, 1, 1}, seed.RoleManager: {1, 1, 1}, seed.RoleDeveloper: {1, 1, 1}, seed.RoleViewer: {1, 1, 1},
		}
		for _, r := range seedRoles {
			l, raw, s := count(w.as[r])
			if got := [3]int{l, raw, s}; got != want[r] {
				t.Errorf("%s sees %v (work logs, raw, summaries), want %v", r, got, want[r])
			}
		}
		if l, raw, s := count(w.asB); l+raw+s != 0 {
			t.Errorf("another organization's ADMIN sees %d, %d, %d rows", l, raw, s)
		}

		// Writes: own entries with work_log:create; others' with manage only;
		// raw rows are never changed by users, summaries never written.
		create := func(ctx context.Context, owner uuid.UUID) error {
			return database.WithTx(ctx, w.c, func(tx *ent.Tx) error {
				start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
				return tx.WorkLog.Create().SetOrganizationID(w.a.ID).SetUserID(owner).SetProjectID(w.projA.ID).
					SetStartedAt(start).SetEndedAt(start.Add(time.Hour)).SetDurationSeconds(3600).Exec(ctx)
			})
		}
		dev := w.people[seed.RoleDeveloper].ID
		for _, c := range []struct {
			role  string
			owner uuid.UUID
			ok    bool
		}{
			{seed.RoleAdmin, dev, true},
			{seed.RoleManager, w.people[seed.RoleManager].ID, true},
			{seed.RoleManager, dev, false},
			{seed.RoleDeveloper, dev, true},
			{seed.RoleViewer, w.people[seed.RoleViewer].ID, false},
		} {
			err := create(w.as[c.role], c.owner)
			if c.ok != (err == nil) || (!c.ok && !errors.Is(err, privacy.Deny)) {
				t.Errorf("%s creating a work log of %s: ok=%v, got %v", c.role, c.owner, c.ok, err)
			}
		}
		update := func(ctx context.Context, id uuid.UUID) error {
			return database.WithTx(ctx, w.c, func(tx *ent.Tx) error {
				return tx.WorkLog.UpdateOneID(id).SetDescription("edited").Exec(ctx)
			})
		}
		if err := update(w.as[seed.RoleAdmin], logs[seed.RoleDeveloper]); err != nil {
			t.Errorf("ADMIN updating a developer's entry: %v", err)
		}
		if err := update(w.as[seed.RoleManager], logs[seed.RoleDeveloper]); !ent.IsNotFound(err) {
			t.Errorf("MANAGER updating a developer's entry: want not found, got %v", err)
		}
		rawErr := database.WithTx(w.as[seed.RoleDeveloper], w.c, func(tx *ent.Tx) error {
			return tx.AppUsage.Update().Where(appusage.UserID(dev)).SetCategory(appusage.CategoryProductive).Exec(w.as[seed.RoleDeveloper])
		})
		if !errors.Is(rawErr, privacy.Deny) {
			t.Errorf("a user rewriting their raw rows: want privacy.Deny, got %v", rawErr)
		}

		// Aggregates for managers once the organization allows it: ADMIN
		// (work_log:manage) everyone, MANAGER as project admin of projA its
		// member (the developer), nobody else more than their own.
		testfix.Tx(t, testfix.System(), w.c, func(tx *ent.Tx) error {
			if err := tx.Organization.UpdateOne(w.a).SetManagerTrackingEnabled(true).Exec(testfix.System()); err != nil {
				return err
			}
			if err := tx.ProjectMember.Create().SetOrganizationID(w.a.ID).SetProjectID(w.projA.ID).
				SetUserID(w.people[seed.RoleManager].ID).SetRole("admin").Exec(testfix.System()); err != nil {
				return err
			}
			return tx.ProjectMember.Create().SetOrganizationID(w.a.ID).SetProjectID(w.projA.ID).
				SetUserID(dev).Exec(testfix.System())
		})
		for r, n := range map[string]int{seed.RoleAdmin: 4, seed.RoleManager: 2, seed.RoleDeveloper: 1, seed.RoleViewer: 1} {
			if _, _, s := count(w.as[r]); s != n {
				t.Errorf("policy on: %s sees %d summaries, want %d", r, s, n)
			}
		}
		if _, _, s := count(w.asB); s != 0 {
			t.Errorf("policy on: another organization's ADMIN sees %d summaries", s)
		}
	})
}
