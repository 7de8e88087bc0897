package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/requestmeta"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// probeRequestID marks the requests whose SQL statements are counted
// (background jobs and setup requests share the ent client).
const probeRequestID = "query-count-probe"

// countProbes counts the statements of the requests sent with
// probeRequestID on raw.
func countProbes(raw *database.DB) (*database.DB, *testdb.QueryCounter) {
	return testdb.CountQueries(raw, func(ctx context.Context) bool {
		return requestmeta.FromContext(ctx).RequestID == probeRequestID
	})
}

// probeGET sends GET path as user with the counter reset, so that the
// counter then holds exactly that request's statements.
func probeGET(w *projectWorld, counter *testdb.QueryCounter, user, path string) (int, []byte) {
	counter.Reset()
	return w.do(user, "GET", path, nil, http.Header{"X-Request-ID": {probeRequestID}})
}

// TestTaskListQueriesDoNotGrowWithThePage: a task list request issues one
// SQL statement (the session read aside) for a page of 10 and of 50 tasks, whatever
// the filter or sort, with every reference of the tasks set (assignee,
// reporter, sprint, milestone, parent, label): no per-row query (N+1).
// alice is ADMIN; bobby (VIEWER) reads through the project-visibility
// predicate of the privacy rules, which must stay in the same query.
func TestTaskListQueriesDoNotGrowWithThePage(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, raw *database.DB) {
		db, counter := countProbes(raw)
		w := newProjectWorld(t, db)
		ids := seedReferencedTasks(w, 55)
		alice := w.users["alice"]
		cases := map[string]string{
			"none": "", "status": "status=todo", "priority": "priority=high", "type": "type=bug",
			"assignee": "assignee_id=" + alice.String(), "reporter": "reporter_id=" + alice.String(),
			"sprint": "sprint_id=" + ids["sprint"].String(), "milestone": "milestone_id=" + ids["milestone"].String(),
			"label": "label_id=" + ids["label"].String(), "parent": "parent_id=" + ids["parent"].String(),
			"due before": "due_before=2030-01-01", "due after": "due_after=2020-01-01",
			"ai": "is_ai_generated=false", "q": "q=needle",
			"sort priority": "sort=priority", "sort due": "sort=due_date&order=asc",
			"sort updated": "sort=updated_at", "sort position": "sort=position",
			"all filters": "status=todo&priority=high&type=bug&label_id=" + ids["label"].String() + "&q=needle&sort=due_date",
		}
		for key, query := range cases {
			for _, user := range []string{"alice", "bobby"} {
				name := key + " as " + user
				countQueries(t, w, counter, name, user, query)
			}
		}
	})
}

// TestTaskReadIsOneStatement: GET /tasks/{id} reads the task with its
// project's key in one statement, for a member whose role reads through
// the project-visibility predicate too. On PostgreSQL the session (with
// the caller's memberships and permissions) comes from the replica's
// session cache once warm; SQLite, which has no cache, reads it first.
func TestTaskReadIsOneStatement(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, raw *database.DB) {
		db, counter := countProbes(raw)
		w := newProjectWorld(t, db)
		ids := seedReferencedTasks(w, 1)
		for _, user := range []string{"alice", "bobby"} {
			// The first call warms per-process caches. A busy machine may
			// delay the session cache's beat past its live window, and
			// then a request reads the session again: up to five tries
			// for the one-statement read.
			var stmts []string
			for try := range 6 {
				code, body := probeGET(w, counter, user, "/tasks/"+ids["parent"].String())
				var got struct{ Key string }
				if code != http.StatusOK || json.Unmarshal(body, &got) != nil || !strings.HasPrefix(got.Key, w.proj.Key+"-") {
					t.Fatalf("GET task as %s: %d %.300s", user, code, body)
				}
				stmts = counter.Statements()
				if try > 0 && (len(stmts) == 1 || raw.Dialect == dialect.SQLite) {
					break
				}
			}
			want := 1
			if raw.Dialect == dialect.SQLite {
				want = 2
			}
			if len(stmts) != want {
				t.Errorf("GET /tasks/{id} as %s: %d statements, want %d:\n%s", user, len(stmts), want, strings.Join(stmts, "\n"))
			}
		}
		// The join keeps what the separate key read did: a task of a
		// deleted project is not found.
		w.must(204, "alice", "DELETE", w.path, nil, nil)
		if code, body := w.do("alice", "GET", "/tasks/"+ids["parent"].String(), nil, nil); code != http.StatusNotFound {
			t.Errorf("GET a task of a deleted project: %d %.200s", code, body)
		}
	})
}

// withoutSessionRead drops the authentication's session read, which the
// session cache saves most of the time (PostgreSQL) but not every time.
func withoutSessionRead(stmts []string) []string {
	return slices.DeleteFunc(stmts, func(s string) bool {
		return strings.Contains(s, `JOIN "sessions"`) || strings.Contains(s, "JOIN `sessions`")
	})
}

// countQueries lists the tasks matching query as user with pages of 10
// and 50 and fails unless each is one statement (the session read aside).
func countQueries(t *testing.T, w *projectWorld, counter *testdb.QueryCounter, name, user, query string) {
	t.Helper()
	counts := map[int]int{}
	for _, limit := range []int{10, 10, 50} { // the first call warms per-process caches
		path := fmt.Sprintf("%s/tasks?limit=%d&%s", w.path, limit, query)
		code, body := probeGET(w, counter, user, path)
		var page struct{ Items []json.RawMessage }
		if code != http.StatusOK || json.Unmarshal(body, &page) != nil || len(page.Items) != limit {
			t.Fatalf("%s: GET %s: %d, %d items: %.300s", name, path, code, len(page.Items), body)
		}
		counts[limit] = len(withoutSessionRead(counter.Statements()))
	}
	if counts[10] != 1 || counts[50] != 1 {
		t.Errorf("%s: %d statements for 10 tasks, %d for 50 (want 1, the session read aside); for 50:\n%s",
			name, counts[10], counts[50], strings.Join(counter.Statements(), "\n"))
	}
}

// seedReferencedTasks creates n tasks through the API that all match every
// filter of the test: todo, high, bug, due in 2026, titled "needle", in
// one sprint and milestone, under one parent, assigned to and reported by
// alice, each with the label. It returns the ids of the references.
func seedReferencedTasks(w *projectWorld, n int) map[string]uuid.UUID {
	w.t.Helper()
	var obj struct {
		ID uuid.UUID `json:"id"`
	}
	ids := map[string]uuid.UUID{}
	create := func(name, path string, body any) {
		w.must(201, "alice", "POST", w.path+path, body, &obj)
		ids[name] = obj.ID
	}
	create("label", "/labels", map[string]string{"name": "backend", "color": "#3B82F6"})
	create("sprint", "/sprints", map[string]string{"name": "Sprint 1",
		"start_date": "2026-01-05T00:00:00Z", "end_date": "2026-01-19T00:00:00Z"})
	create("milestone", "/milestones", map[string]string{"name": "v1", "due_date": "2026-03-01T00:00:00Z"})
	create("parent", "/tasks", map[string]string{"title": "epic", "type": "epic"})
	for i := range n {
		create("task", "/tasks", map[string]any{"title": fmt.Sprintf("needle %d", i), "status": "todo",
			"priority": "high", "type": "bug", "assignee_id": w.users["alice"], "sprint_id": ids["sprint"],
			"milestone_id": ids["milestone"], "parent_id": ids["parent"],
			"due_date": fmt.Sprintf("2026-02-%02d", 1+i%28)})
		w.must(http.StatusNoContent, "alice", "PUT", fmt.Sprintf("/tasks/%s/labels/%s", ids["task"], ids["label"]), nil, nil)
	}
	return ids
}
