package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// TestJobAdministration drives the job operations as a platform
// administrator: kinds with schedules, the queued verification mails, and
// the retry of a failed run (audited), while others get 403.
func TestJobAdministration(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		o := newOrg(t, db, nil)
		testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) error {
			return tx.User.UpdateOneID(o.alice.ID).SetIsSuperuser(true).Exec(testfix.System())
		})
		rootT := login(t, o.s, "alice", goodPassword).AccessToken

		var kinds oas.JobKindList
		o.must(http.StatusOK, rootT, http.MethodGet, "/admin/job-kinds", nil, &kinds)
		got := map[string]oas.JobKind{}
		for _, k := range kinds.Items {
			got[k.Kind] = k
		}
		for _, want := range []string{"session.cleanup", "audit.seal", "audit.retention", "productivity.rollup"} {
			if k, ok := got[want]; !ok || !k.Periodic || k.EverySeconds.Or(0) < 1 || k.Description == "" {
				t.Errorf("job kind %s: %+v", want, k)
			}
		}

		// Registering alice and bobby queued one verification mail each.
		// River records completions in batches, not in id order: wait until
		// both show as completed before paging through the completed ones.
		var runs oas.JobRunPage
		waitFor(t, func() bool {
			o.must(http.StatusOK, rootT, http.MethodGet, "/admin/jobs?kind=mail.send&state=completed&limit=2", nil, &runs)
			return len(runs.Items) == 2
		})
		const mails = "/admin/jobs?kind=mail.send&state=completed&limit=1"
		var first, next oas.JobRunPage
		o.must(http.StatusOK, rootT, http.MethodGet, mails, nil, &first)
		if len(first.Items) != 1 || !first.NextCursor.Set || first.NextCursor.Null {
			t.Fatalf("first page: %+v", first)
		}
		o.must(http.StatusOK, rootT, http.MethodGet, mails+"&cursor="+first.NextCursor.Value, nil, &next)
		if len(next.Items) != 1 || next.Items[0].ID >= first.Items[0].ID || next.Items[0].Params.Set {
			t.Errorf("second page: %+v (mail arguments must not be shown)", next.Items)
		}
		// A cursor is a position in the list it was issued for: with other
		// filters it is refused, not answered with a page of another list.
		for _, other := range []string{"/admin/jobs?kind=mail.send&limit=1", "/admin/jobs?kind=audit.seal&state=completed&limit=1"} {
			if code, body := o.call(rootT, http.MethodGet, other+"&cursor="+first.NextCursor.Value, nil); code != http.StatusUnprocessableEntity {
				t.Errorf("cursor with other filters (%s): %d %s", other, code, body)
			}
		}

		// A failed run: a task run with a day that is no date.
		id, err := o.s.App.Jobs.RunTask(t.Context(), "productivity.rollup", map[string]string{"day": "someday"})
		if err != nil {
			t.Fatal(err)
		}
		var failed oas.JobRun
		waitFor(t, func() bool {
			o.must(http.StatusOK, rootT, http.MethodGet, "/admin/jobs?kind=productivity.rollup", nil, &runs)
			if len(runs.Items) == 0 || runs.Items[0].ID != id {
				return false
			}
			failed = runs.Items[0]
			return failed.LastError.Set
		})
		if !strings.Contains(failed.LastError.Value, "someday") || failed.Params.Value["day"] != "someday" {
			t.Errorf("failed run: %+v", failed)
		}

		// The failure shows in /readyz details without making it unready.
		var ready oas.HealthStatus
		o.must(http.StatusOK, "", http.MethodGet, "/readyz", nil, &ready)
		if jobs := ready.Checks.Value["jobs"]; ready.Status != oas.HealthStatusStatusOk || !strings.Contains(jobs, "productivity.rollup") {
			t.Errorf("readyz with a failed job: %+v", ready)
		}

		path := fmt.Sprintf("/admin/jobs/%d/retry", id)
		if code, body := o.call(o.viewT, http.MethodPost, path, nil); code != http.StatusForbidden {
			t.Errorf("a viewer retried a job: %d %s", code, body)
		}
		var again oas.JobRun
		o.must(http.StatusOK, rootT, http.MethodPost, path, nil, &again)
		if again.ID != id || again.State == oas.JobStateCompleted {
			t.Errorf("retried run: %+v", again)
		}
		n, err := db.Ent.SecurityAuditLog.Query().Where(securityauditlog.EventType("job.retried"),
			securityauditlog.UserID(o.alice.ID)).Count(testfix.System())
		if err != nil || n != 1 {
			t.Errorf("job.retried events: %d %v", n, err)
		}
		if code, _ := o.call(rootT, http.MethodPost, fmt.Sprintf("/admin/jobs/%d/retry", runs.Items[len(runs.Items)-1].ID+1_000_000), nil); code != http.StatusNotFound {
			t.Errorf("retry of a missing run: %d", code)
		}
		mail, _ := o.s.App.Jobs.LastRun(t.Context(), "mail.send")
		if code, body := o.call(rootT, http.MethodPost, fmt.Sprintf("/admin/jobs/%d/retry", mail.ID), nil); code != http.StatusConflict {
			t.Errorf("a completed mail must not be sent again: %d %s", code, body)
		}
		for _, p := range []string{"/admin/job-kinds", "/admin/jobs"} {
			if code, _ := o.call(o.viewT, http.MethodGet, p, nil); code != http.StatusForbidden {
				t.Errorf("GET %s by a viewer: %d", p, code)
			}
		}
		if code, _ := o.call(rootT, http.MethodGet, "/admin/jobs?cursor=%21%21", nil); code != http.StatusUnprocessableEntity {
			t.Errorf("a bad cursor: %d", code)
		}
	})
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(25 * time.Millisecond)
	}
}
