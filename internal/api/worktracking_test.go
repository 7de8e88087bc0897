package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/worktracking"
)

// wtLog is the part of a WorkLogInfo the tests look at.
type wtLog struct {
	ID              uuid.UUID  `json:"id"`
	UserID          uuid.UUID  `json:"user_id"`
	TaskID          *uuid.UUID `json:"task_id"`
	ProjectID       *uuid.UUID `json:"project_id"`
	Description     string     `json:"description"`
	EndedAt         *time.Time `json:"ended_at"`
	DurationSeconds int        `json:"duration_seconds"`
	Source          string     `json:"source"`
	Running         bool       `json:"running"`
}

type wtLogPage struct {
	Items        []wtLog `json:"items"`
	TotalSeconds int     `json:"total_seconds"`
}

func wtEntry(projectID uuid.UUID, from, to string) map[string]any {
	return map[string]any{"project_id": projectID, "started_at": from, "ended_at": to}
}

// wantProblem fails unless the call answers status with a detail
// containing want.
func (b *taskBoard) wantProblem(status int, token, method, path string, body any, want string) {
	b.t.Helper()
	code, raw := b.call(token, method, path, body)
	if code != status || !strings.Contains(string(raw), want) {
		b.t.Fatalf("%s %s: want %d containing %q, got %d %s", method, path, status, want, code, raw)
	}
}

func TestWorkLogsAndTimers(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoard(t, db)
		tk := b.newTask(b.project, 1, task.StatusTodo, nil, nil)

		// One running timer per user; a task implies its project.
		var timer wtLog
		b.must(http.StatusCreated, b.devT, "POST", "/work-logs/timer/start", map[string]any{"task_id": tk.ID}, &timer)
		if !timer.Running || timer.Source != "timer" || timer.ProjectID == nil || *timer.ProjectID != b.project.ID {
			t.Fatalf("started timer %+v", timer)
		}
		b.wantProblem(http.StatusConflict, b.devT, "POST", "/work-logs/timer/start",
			map[string]any{"project_id": b.project.ID}, timer.ID.String())
		var running wtLog
		b.must(http.StatusOK, b.devT, "GET", "/work-logs/timer", nil, &running)
		if running.ID != timer.ID {
			t.Fatalf("running timer %s, want %s", running.ID, timer.ID)
		}
		var stopped wtLog
		b.must(http.StatusOK, b.devT, "POST", "/work-logs/timer/stop", nil, &stopped)
		if stopped.ID != timer.ID || stopped.Running || stopped.EndedAt == nil {
			t.Fatalf("stopped timer %+v", stopped)
		}
		b.must(http.StatusNotFound, b.devT, "POST", "/work-logs/timer/stop", nil, nil)

		// Manual entries: end after start, no overlap (naming the entry).
		b.wantProblem(http.StatusUnprocessableEntity, b.devT, "POST", "/work-logs",
			wtEntry(b.project.ID, "2026-03-02T10:00:00Z", "2026-03-02T09:00:00Z"), "ended_at")
		var first wtLog
		b.must(http.StatusCreated, b.devT, "POST", "/work-logs",
			wtEntry(b.project.ID, "2026-03-02T09:00:00Z", "2026-03-02T10:00:00+00:00"), &first)
		if first.DurationSeconds != 3600 || first.Source != "manual" {
			t.Fatalf("manual entry %+v", first)
		}
		b.wantProblem(http.StatusConflict, b.devT, "POST", "/work-logs",
			wtEntry(b.project.ID, "2026-03-02T10:30:00+01:00", "2026-03-02T11:00:00Z"), first.ID.String())
		b.wantProblem(http.StatusUnprocessableEntity, b.devT, "PATCH", "/work-logs/"+first.ID.String(),
			map[string]any{"ended_at": "2026-03-02T08:00:00Z"}, "ended_at")
		var patched wtLog
		b.must(http.StatusOK, b.devT, "PATCH", "/work-logs/"+first.ID.String(), map[string]any{"description": "review"}, &patched)
		if patched.Description != "review" {
			t.Fatalf("patched %+v", patched)
		}

		// Links: a task and a project that disagree, another organization's
		// project, nothing at all.
		b.wantProblem(http.StatusUnprocessableEntity, b.devT, "POST", "/work-logs", map[string]any{
			"task_id": tk.ID, "project_id": uuid.New(), "started_at": "2026-03-03T09:00:00Z", "ended_at": "2026-03-03T10:00:00Z",
		}, "project_id")
		b.wantProblem(http.StatusUnprocessableEntity, b.devT, "POST", "/work-logs",
			map[string]any{"started_at": "2026-03-03T09:00:00Z", "ended_at": "2026-03-03T10:00:00Z"}, "task_id")
		foreign := b.newProject("EV", b.evesOrg())
		b.must(http.StatusNotFound, b.devT, "POST", "/work-logs", wtEntry(foreign.ID, "2026-03-03T09:00:00Z", "2026-03-03T10:00:00Z"), nil)
		// VIEWER holds only work_log:read.
		b.must(http.StatusForbidden, b.viewT, "POST", "/work-logs", wtEntry(b.project.ID, "2026-03-03T09:00:00Z", "2026-03-03T10:00:00Z"), nil)

		// Privacy: own entries; ADMIN (work_log:manage) sees and deletes everyone's.
		var mine wtLogPage
		b.must(http.StatusOK, b.devT, "GET", "/work-logs", nil, &mine)
		if len(mine.Items) != 2 || mine.TotalSeconds != 3600+stopped.DurationSeconds {
			t.Fatalf("dave's list %+v", mine)
		}
		var alices wtLog
		b.must(http.StatusCreated, b.adminT, "POST", "/work-logs", wtEntry(b.project.ID, "2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z"), &alices)
		b.must(http.StatusNotFound, b.devT, "GET", "/work-logs/"+alices.ID.String(), nil, nil)
		b.must(http.StatusNotFound, b.devT, "DELETE", "/work-logs/"+alices.ID.String(), nil, nil)
		var none wtLogPage
		b.must(http.StatusOK, b.devT, "GET", "/work-logs?user_id="+b.alice.ID.String(), nil, &none)
		if len(none.Items) != 0 || none.TotalSeconds != 0 {
			t.Fatalf("dave sees alice's entries: %+v", none)
		}
		b.must(http.StatusNotFound, b.otherT, "GET", "/work-logs/"+first.ID.String(), nil, nil)
		var davesForAdmin wtLogPage
		b.must(http.StatusOK, b.adminT, "GET", fmt.Sprintf("/work-logs?user_id=%s&from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z", b.dave), nil, &davesForAdmin)
		if len(davesForAdmin.Items) != 1 || davesForAdmin.Items[0].ID != first.ID || davesForAdmin.TotalSeconds != 3600 {
			t.Fatalf("admin's filtered list %+v", davesForAdmin)
		}
		b.must(http.StatusNoContent, b.adminT, "DELETE", "/work-logs/"+first.ID.String(), nil, nil)
		b.must(http.StatusNotFound, b.devT, "GET", "/work-logs/"+first.ID.String(), nil, nil)

		// Every change is audited in its transaction.
		b.wantActivity(first.ID, b.dave, activitylog.ActivityTypeCreate)
		b.wantActivity(first.ID, b.dave, activitylog.ActivityTypeUpdate)
		b.wantActivity(first.ID, b.alice.ID, activitylog.ActivityTypeDelete)
		b.wantActivity(timer.ID, b.dave, activitylog.ActivityTypeUpdate)
	})
}

// evesOrg is the id of the other organization (Globex) of newBoard.
func (b *taskBoard) evesOrg() uuid.UUID {
	b.t.Helper()
	for _, o := range b.db.Ent.Organization.Query().AllX(testfix.System()) {
		if o.ID != b.org.org.ID {
			return o.ID
		}
	}
	b.t.Fatal("no second organization")
	return uuid.Nil
}

type wtIngest struct {
	Received, Inserted, Duplicates, Rejected int
	Errors                                   []struct {
		Index          int    `json:"index"`
		ClientRecordID string `json:"client_record_id"`
		Message        string `json:"message"`
	}
}

func wtUsage(id, from, to string) map[string]any {
	return map[string]any{"client_record_id": id, "device_id": "laptop-1", "app_name": "code",
		"category": "productive", "started_at": from, "ended_at": to}
}

func TestTrackerIngestion(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoard(t, db)
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		batch := map[string]any{"organization_id": b.org.org.ID, "records": []any{
			wtUsage("r1", "2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z"),
			wtUsage("r2", "2026-03-02T10:00:00Z", "2026-03-02T09:00:00Z"),
			wtUsage("r3", future, future),
			wtUsage("r1", "2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z"),
			map[string]any{"client_record_id": "r5", "device_id": "laptop-1", "app_name": "code", "window_title": "bell\u0007",
				"started_at": "2026-03-02T11:00:00Z", "ended_at": "2026-03-02T11:30:00Z"},
		}}
		var res wtIngest
		b.must(http.StatusOK, b.devT, "POST", "/tracking/app-usage", batch, &res)
		if res.Received != 5 || res.Inserted != 1 || res.Duplicates != 1 || res.Rejected != 3 || len(res.Errors) != 3 ||
			res.Errors[0].Index != 1 || res.Errors[1].ClientRecordID != "r3" || res.Errors[2].Index != 4 {
			t.Fatalf("first send %+v", res)
		}
		var again wtIngest
		b.must(http.StatusOK, b.devT, "POST", "/tracking/app-usage", batch, &again)
		if again.Inserted != 0 || again.Duplicates != 2 || again.Rejected != 3 {
			t.Fatalf("resend must insert nothing: %+v", again)
		}
		b.must(http.StatusOK, b.devT, "POST", "/tracking/idle-periods", map[string]any{"organization_id": b.org.org.ID,
			"records": []any{map[string]any{"client_record_id": "i1", "device_id": "laptop-1",
				"started_at": "2026-03-02T09:10:00Z", "ended_at": "2026-03-02T09:15:00Z"}}}, &res)
		if res.Inserted != 1 {
			t.Fatalf("idle periods %+v", res)
		}

		// At most 1,000 records; only members with work_log:create.
		big := make([]any, worktracking.MaxBatch+1)
		for i := range big {
			big[i] = wtUsage(fmt.Sprintf("b%d", i), "2026-03-03T09:00:00Z", "2026-03-03T09:00:01Z")
		}
		b.wantProblem(http.StatusUnprocessableEntity, b.devT, "POST", "/tracking/app-usage",
			map[string]any{"organization_id": b.org.org.ID, "records": big}, "records")
		b.must(http.StatusForbidden, b.viewT, "POST", "/tracking/app-usage", batch, nil)
		b.must(http.StatusForbidden, b.otherT, "POST", "/tracking/app-usage", batch, nil)

		// Raw data is its user's alone, administrators included.
		var own, admins struct{ Items []map[string]any }
		b.must(http.StatusOK, b.devT, "GET", "/me/app-usage", nil, &own)
		b.must(http.StatusOK, b.adminT, "GET", "/me/app-usage", nil, &admins)
		if len(own.Items) != 1 || own.Items[0]["client_record_id"] != "r1" || len(admins.Items) != 0 {
			t.Fatalf("dave sees %v, alice sees %v", own.Items, admins.Items)
		}
		alice := db.Ent.User.GetX(testfix.System(), b.alice.ID)
		if n := db.Ent.AppUsage.Query().CountX(testfix.ViewerOf(t, db.Ent, alice)); n != 0 {
			t.Fatalf("the privacy rule lets an ADMIN read %d raw rows of another user", n)
		}
		if n := db.Ent.IdlePeriod.Query().CountX(testfix.ViewerOf(t, db.Ent, alice)); n != 0 {
			t.Fatalf("the privacy rule lets an ADMIN read %d idle periods of another user", n)
		}
	})
}

type wtMembers struct {
	Items []struct {
		UserID  uuid.UUID `json:"user_id"`
		Periods int       `json:"periods"`
		Totals  struct {
			TimeLoggedSeconds int `json:"time_logged_seconds"`
		} `json:"totals"`
	} `json:"items"`
}

func (m wtMembers) users() map[uuid.UUID]int {
	out := map[uuid.UUID]int{}
	for _, it := range m.Items {
		out[it.UserID] = it.Totals.TimeLoggedSeconds
	}
	return out
}

func TestProductivityViews(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoard(t, db)
		b.must(http.StatusCreated, b.devT, "POST", "/work-logs", wtEntry(b.project.ID, "2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"), nil)
		b.must(http.StatusCreated, b.adminT, "POST", "/work-logs", wtEntry(b.project.ID, "2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z"), nil)
		if err := worktracking.Rollup(context.Background(), db.Ent, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}

		var mine struct {
			Items []struct {
				UserID      uuid.UUID `json:"user_id"`
				PeriodStart string    `json:"period_start"`
				Totals      struct {
					TimeLoggedSeconds int `json:"time_logged_seconds"`
				} `json:"totals"`
			} `json:"items"`
		}
		b.must(http.StatusOK, b.devT, "GET", "/me/productivity?from=2026-03-01&to=2026-03-07", nil, &mine)
		if len(mine.Items) != 1 || mine.Items[0].UserID != b.dave || mine.Items[0].Totals.TimeLoggedSeconds != 3600 {
			t.Fatalf("daily %+v", mine)
		}
		b.must(http.StatusOK, b.devT, "GET", "/me/productivity?from=2026-03-01&to=2026-03-07&period=weekly", nil, &mine)
		if len(mine.Items) != 1 || mine.Items[0].PeriodStart != "2026-03-02" {
			t.Fatalf("weekly %+v", mine)
		}
		b.must(http.StatusUnprocessableEntity, b.devT, "GET", "/me/productivity?from=2026-03-07&to=2026-03-01", nil, nil)

		path := b.path("/productivity?from=2026-03-01&to=2026-03-07")
		b.wantProblem(http.StatusForbidden, b.adminT, "GET", path, nil, "manager_tracking_enabled")
		testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) error {
			return tx.Organization.UpdateOneID(b.org.org.ID).SetManagerTrackingEnabled(true).Exec(testfix.System())
		})
		var all wtMembers
		b.must(http.StatusOK, b.adminT, "GET", path, nil, &all)
		if got := all.users(); len(got) != 2 || got[b.dave] != 3600 || got[b.alice.ID] != 1800 {
			t.Fatalf("admin's view %+v", all)
		}
		var page wtMembers
		b.must(http.StatusOK, b.adminT, "GET", path+"&limit=1", nil, &page)
		if len(page.Items) != 1 {
			t.Fatalf("limit=1 gave %d members", len(page.Items))
		}
		// bob (VIEWER) manages nobody; as admin of a project whose only other
		// member is dave, he sees dave alone.
		b.must(http.StatusForbidden, b.viewT, "GET", path, nil, nil)
		testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) error {
			if err := tx.ProjectMember.Create().SetOrganizationID(b.org.org.ID).SetProjectID(b.project.ID).
				SetUserID(b.bob.ID).SetRole("admin").Exec(testfix.System()); err != nil {
				return err
			}
			return tx.ProjectMember.Create().SetOrganizationID(b.org.org.ID).SetProjectID(b.project.ID).
				SetUserID(b.dave).Exec(testfix.System())
		})
		var bobs wtMembers
		b.must(http.StatusOK, b.viewT, "GET", path, nil, &bobs)
		if got := bobs.users(); len(got) != 1 || got[b.dave] != 3600 {
			t.Fatalf("project admin's view %+v", bobs)
		}
		var byProject wtMembers
		b.must(http.StatusOK, b.adminT, "GET", path+"&project_id="+b.project.ID.String(), nil, &byProject)
		if got := byProject.users(); len(got) != 1 || got[b.dave] != 3600 {
			t.Fatalf("admin's project filter %+v", byProject)
		}
		b.must(http.StatusNotFound, b.otherT, "GET", path, nil, nil)
		// A plain member still sees only their own rows, policy on or not.
		b.must(http.StatusForbidden, b.devT, "GET", path, nil, nil)
	})
}
