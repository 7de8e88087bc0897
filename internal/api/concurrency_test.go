package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// patchAt sends PATCH path with If-Match (none when ifMatch is empty) and
// returns the status and body.
func (o *org) patchAt(token, path, ifMatch string, body any) (int, []byte) {
	o.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		o.t.Fatal(err)
	}
	h := http.Header{"Authorization": {"Bearer " + token}}
	if ifMatch != "" {
		h.Set("If-Match", ifMatch)
	}
	resp, b := o.s.Do(o.t, "PATCH", path, "application/json", raw, h)
	return resp.StatusCode, b
}

// mustPatchAt is patchAt failing the test unless it answers 200; the body
// is decoded into out when given.
func (o *org) mustPatchAt(token, path, ifMatch string, body, out any) {
	o.t.Helper()
	code, b := o.patchAt(token, path, ifMatch, body)
	if code != http.StatusOK {
		o.t.Fatalf("PATCH %s (If-Match %s): %d %s", path, ifMatch, code, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			o.t.Fatal(err)
		}
	}
}

// TestStaleWritesToBoardsSprintsMilestonesAndLabels: like projects and
// tasks, each of them carries a version; a PATCH without If-Match, with a
// stale or a malformed one is 412 and changes nothing (no row, no
// ActivityLog entry); the current version wins and increments it.
func TestStaleWritesToBoardsSprintsMilestonesAndLabels(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoard(t, db)
		type versioned struct {
			idJSON
			Name    string `json:"name"`
			Version int    `json:"version"`
		}
		var board, sprint, milestone, label versioned
		b.must(201, b.adminT, "POST", fmt.Sprintf("/projects/%s/boards", b.project.ID), map[string]any{"name": "B"}, &board)
		b.must(201, b.adminT, "POST", fmt.Sprintf("/projects/%s/sprints", b.project.ID), map[string]any{"name": "S"}, &sprint)
		b.must(201, b.adminT, "POST", fmt.Sprintf("/projects/%s/milestones", b.project.ID), map[string]any{"name": "M"}, &milestone)
		b.must(201, b.adminT, "POST", fmt.Sprintf("/projects/%s/labels", b.project.ID), map[string]any{"name": "L"}, &label)
		for _, r := range []struct {
			what, path string
			row        versioned
		}{
			{"board", "/boards/", board}, {"sprint", "/sprints/", sprint},
			{"milestone", "/milestones/", milestone}, {"label", "/labels/", label},
		} {
			if r.row.Version != 1 {
				t.Fatalf("new %s: version %d", r.what, r.row.Version)
			}
			path := r.path + r.row.ID.String()
			audited := func() int {
				return db.Ent.ActivityLog.Query().Where(activitylog.ResourceID(r.row.ID)).CountX(testfix.System())
			}
			before := audited()
			var got versioned
			b.mustPatchAt(b.adminT, path, `"1"`, map[string]any{"name": "first"}, &got)
			if got.Name != "first" || got.Version != 2 {
				t.Errorf("%s after PATCH at version 1: %+v", r.what, got)
			}
			for _, ifMatch := range []string{"", `"1"`, `W/"1"`, "3", "abc"} {
				code, body := b.patchAt(b.adminT, path, ifMatch, map[string]any{"name": "lost"})
				if code != http.StatusPreconditionFailed || problemOf(t, body).Status != http.StatusPreconditionFailed {
					t.Errorf("%s with If-Match %q: %d %s", r.what, ifMatch, code, body)
				}
			}
			if n := audited(); n != before+1 {
				t.Errorf("%s: %d ActivityLog rows after one accepted PATCH, want %d", r.what, n, before+1)
			}
			b.mustPatchAt(b.adminT, path, `W/"2"`, map[string]any{"name": "second"}, &got)
			if got.Name != "second" || got.Version != 3 {
				t.Errorf("%s after PATCH at version 2: %+v", r.what, got)
			}
		}
		// Starting and completing a sprint change it too: a client's version
		// read before is stale afterwards.
		b.must(200, b.adminT, "POST", "/sprints/"+sprint.ID.String()+"/start", nil, nil)
		if code, _ := b.patchAt(b.adminT, "/sprints/"+sprint.ID.String(), `"3"`, map[string]any{"goal": "g"}); code != http.StatusPreconditionFailed {
			t.Errorf("PATCH with the version from before the start: %d", code)
		}
		b.mustPatchAt(b.adminT, "/sprints/"+sprint.ID.String(), `"4"`, map[string]any{"goal": "g"}, nil)
	})
}
