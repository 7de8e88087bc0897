package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/boardcolumn"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/softdelete"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// taskJSON is the task resource as clients see it.
type taskJSON struct {
	ID        uuid.UUID  `json:"id"`
	ProjectID uuid.UUID  `json:"project_id"`
	Number    int        `json:"number"`
	Key       string     `json:"key"`
	Title     string     `json:"title"`
	Status    string     `json:"status"`
	Priority  string     `json:"priority"`
	Reporter  uuid.UUID  `json:"reporter_id"`
	Assignee  *uuid.UUID `json:"assignee_id"`
	ColumnID  *uuid.UUID `json:"column_id"`
	DueDate   *string    `json:"due_date"`
	Version   int        `json:"version"`
	Desc      string     `json:"description"`
	DescHTML  string     `json:"description_html"`
}

type taskPage struct {
	Items      []taskJSON `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

// project is an organization (ADMIN alice, VIEWER bob) with the
// organization-wide project WS, created directly through ent as the
// projects API is built elsewhere.
type project struct {
	*org
	p *ent.Project
}

func newProject(t *testing.T, db *database.DB) *project {
	t.Helper()
	o := newOrg(t, db, nil)
	pr := &project{org: o}
	sys := testfix.System()
	testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) (err error) {
		pr.p, err = tx.Project.Create().SetOrganizationID(o.org.ID).SetKey("WS").SetName("WorkSynapse").SetVisibility("organization").
			SetOwnerID(o.alice.ID).Save(sys)
		return err
	})
	return pr
}

// column adds a board column mapped to status (wip 0: unlimited).
func (pr *project) column(name, status string, wip int) *ent.BoardColumn {
	sys := testfix.System()
	var col *ent.BoardColumn
	testfix.Tx(pr.t, sys, pr.db.Ent, func(tx *ent.Tx) error {
		b, err := tx.Board.Create().SetOrganizationID(pr.org.org.ID).SetProjectID(pr.p.ID).SetName("Board " + name).Save(sys)
		if err != nil {
			return err
		}
		c := tx.BoardColumn.Create().SetOrganizationID(pr.org.org.ID).SetBoardID(b.ID).SetName(name).
			SetMappedStatus(boardcolumn.MappedStatus(status))
		if wip > 0 {
			c.SetWipLimit(wip)
		}
		col, err = c.Save(sys)
		return err
	})
	return col
}

func (pr *project) tasksPath() string { return fmt.Sprintf("/projects/%s/tasks", pr.p.ID) }

func (pr *project) create(body map[string]any) taskJSON {
	pr.t.Helper()
	var out taskJSON
	pr.must(201, pr.adminT, "POST", pr.tasksPath(), body, &out)
	return out
}

// patch sends PATCH /tasks/{id} with If-Match.
func (pr *project) patch(id uuid.UUID, ifMatch string, body any) (int, []byte) {
	pr.t.Helper()
	raw := mustJSON(pr.t, body)
	h := http.Header{"Authorization": {"Bearer " + pr.adminT}}
	if ifMatch != "" {
		h.Set("If-Match", ifMatch)
	}
	resp, b := pr.s.Do(pr.t, "PATCH", "/tasks/"+id.String(), "application/json", raw, h)
	return resp.StatusCode, b
}

// TestTaskNumbersAreGapFreeUnderConcurrentCreates: 16 creates at once in
// one project get the numbers 1 to 16 and 16 different positions.
func TestTaskNumbersAreGapFreeUnderConcurrentCreates(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		pr := newProject(t, db)
		const n = 16
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			got  []int
			keys = map[string]bool{}
		)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, b := pr.call(pr.adminT, "POST", pr.tasksPath(), map[string]any{"title": fmt.Sprintf("task %d", i)})
				var tk taskJSON
				if code != 201 || decode(b, &tk) != nil {
					t.Errorf("create %d: %d %s", i, code, b)
					return
				}
				mu.Lock()
				got, keys[tk.Key] = append(got, tk.Number), true
				mu.Unlock()
			}()
		}
		wg.Wait()
		slices.Sort(got)
		for i, num := range got {
			if num != i+1 || !keys[fmt.Sprintf("WS-%d", num)] {
				t.Fatalf("numbers are not 1..%d with keys WS-n: %v %v", n, got, keys)
			}
		}
		if len(got) != n {
			t.Fatalf("created %d tasks, want %d", len(got), n)
		}
		sys := testfix.System()
		// Each lands in its own place in the lane: the position is read
		// after the project row is locked, as the number is.
		positions := db.Ent.Task.Query().Where(task.ProjectID(pr.p.ID)).Select(task.FieldPosition).IntsX(sys)
		slices.Sort(positions)
		if distinct := slices.Compact(slices.Clone(positions)); len(distinct) != n {
			t.Errorf("concurrent creates share positions: %v", positions)
		}
		if p := db.Ent.Project.GetX(sys, pr.p.ID); p.NextTaskNumber != n+1 {
			t.Errorf("next_task_number = %d, want %d", p.NextTaskNumber, n+1)
		}
		if c := db.Ent.ActivityLog.Query().Where(activitylog.Action("task.create")).CountX(sys); c != n {
			t.Errorf("%d task.create audit rows, want %d", c, n)
		}
		if c := db.Ent.ActivityLog.Query().Where(activitylog.ResourceType("Project")).CountX(sys); c != 1 {
			t.Errorf("numbering must not audit project updates: %d project rows", c)
		}
	})
}

func TestTaskCreateDefaultsAndReferences(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		pr := newProject(t, db)
		tk := pr.create(map[string]any{"title": "Plain", "assignee_id": pr.bob.ID})
		if tk.Status != "backlog" || tk.ColumnID != nil || tk.Reporter != pr.alice.ID || tk.Key != "WS-1" || tk.Version != 1 {
			t.Errorf("created task: %+v", tk)
		}
		col := pr.column("Doing", "in_progress", 0)
		inCol := pr.create(map[string]any{"title": "On board", "column_id": col.ID})
		if inCol.Status != "in_progress" || inCol.ColumnID == nil || *inCol.ColumnID != col.ID {
			t.Errorf("a task created in a column takes its status: %+v", inCol)
		}
		stranger := register(t, pr.s, "stranger")
		pr.must(422, pr.adminT, "POST", pr.tasksPath(), map[string]any{"title": "x", "assignee_id": stranger.ID}, nil)
		foreign := foreignTask(t, db)
		pr.must(422, pr.adminT, "POST", pr.tasksPath(), map[string]any{"title": "x", "parent_id": foreign.ID}, nil)
		pr.must(403, pr.viewT, "POST", pr.tasksPath(), map[string]any{"title": "viewer"}, nil)
		var byKey taskJSON
		pr.must(200, pr.viewT, "GET", pr.tasksPath()+"/by-key/WS-2", nil, &byKey)
		if byKey.ID != inCol.ID {
			t.Errorf("by-key WS-2 = %+v", byKey)
		}
		pr.must(404, pr.viewT, "GET", pr.tasksPath()+"/by-key/XX-2", nil, nil)
		if n := db.Ent.Task.Query().Where(task.ProjectID(pr.p.ID)).CountX(testfix.System()); n != 2 {
			t.Errorf("%d tasks, want 2 (rejected creates must leave nothing)", n)
		}
		if p := db.Ent.Project.GetX(testfix.System(), pr.p.ID); p.NextTaskNumber != 3 {
			t.Errorf("rejected creates consumed numbers: next = %d", p.NextTaskNumber)
		}
	})
}

func TestTaskPatchIsOptimisticAndIgnoresNothingSilently(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		pr := newProject(t, db)
		tk := pr.create(map[string]any{"title": "Original", "assignee_id": pr.bob.ID})
		code, b := pr.patch(tk.ID, `W/"1"`, map[string]any{"title": "First", "assignee_id": nil, "priority": "high"})
		var upd taskJSON
		if code != 200 || decode(b, &upd) != nil || upd.Version != 2 || upd.Title != "First" || upd.Assignee != nil || upd.Priority != "high" {
			t.Fatalf("PATCH with the current version: %d %s", code, b)
		}
		if code, b := pr.patch(tk.ID, "1", map[string]any{"title": "Lost update"}); code != 412 {
			t.Errorf("stale If-Match: want 412, got %d %s", code, b)
		}
		// The ETag of a read is what If-Match sends back.
		resp, _ := pr.s.Do(t, "GET", "/tasks/"+tk.ID.String(), "", nil, http.Header{"Authorization": {"Bearer " + pr.adminT}})
		if etag := resp.Header.Get("ETag"); etag != `"2"` {
			t.Errorf("GET task ETag = %q, want \"2\"", etag)
		}
		if code, _ := pr.patch(tk.ID, "", map[string]any{"title": "No version"}); code != 412 {
			t.Errorf("missing If-Match: want 412, got %d", code)
		}
		for field, v := range map[string]any{
			"project_id": uuid.New(), "number": 99, "reporter_id": pr.bob.ID, "organization_id": uuid.New(), "version": 7,
		} {
			if code, b := pr.patch(tk.ID, `"2"`, map[string]any{field: v}); code != 400 {
				t.Errorf("PATCH %s: want 400 (unknown field), got %d %s", field, code, b)
			}
		}
		got := db.Ent.Task.GetX(testfix.System(), tk.ID)
		if got.Title != "First" || got.Version != 2 || got.ProjectID != pr.p.ID || got.Number != 1 || got.ReporterID != pr.alice.ID {
			t.Errorf("rejected PATCHes changed the row: %+v", got)
		}
		child := pr.create(map[string]any{"title": "Child", "parent_id": tk.ID})
		if code, b := pr.patch(tk.ID, "2", map[string]any{"parent_id": child.ID}); code != 422 {
			t.Errorf("PATCH making a task its child's child: want 422, got %d %s", code, b)
		}
		if code, _ := pr.patch(tk.ID, "2", map[string]any{"parent_id": tk.ID}); code != 422 {
			t.Errorf("PATCH making a task its own parent: want 422, got %d", code)
		}
		col := pr.column("Review", "in_review", 0)
		pr.must(200, pr.adminT, "POST", "/tasks/"+tk.ID.String()+"/move", map[string]any{"column_id": col.ID}, nil)
		if code, _ := pr.patch(tk.ID, "3", map[string]any{"status": "done"}); code != 409 {
			t.Errorf("status PATCH of a task on a column: want 409, got %d", code)
		}
	})
}

func TestTaskMoveSetsStatusAuditsAndEnforcesWIP(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		pr := newProject(t, db)
		todo := pr.column("Todo", "todo", 1)
		a, b := pr.create(map[string]any{"title": "A"}), pr.create(map[string]any{"title": "B"})
		var moved taskJSON
		pr.must(200, pr.adminT, "POST", "/tasks/"+a.ID.String()+"/move", map[string]any{"column_id": todo.ID}, &moved)
		if moved.Status != "todo" || moved.ColumnID == nil || *moved.ColumnID != todo.ID || moved.Version != 2 {
			t.Errorf("moved task: %+v", moved)
		}
		sys := testfix.System()
		logs := db.Ent.ActivityLog.Query().Where(activitylog.ResourceID(a.ID), activitylog.Action("task.status_change")).AllX(sys)
		if len(logs) != 1 || logs[0].OldValues["status"] != "backlog" || logs[0].NewValues["status"] != "todo" ||
			logs[0].ActorUserID == nil || *logs[0].ActorUserID != pr.alice.ID {
			t.Fatalf("status_change audit rows: %+v", logs)
		}
		done := pr.column("Done", "done", 0)
		pr.must(403, pr.viewT, "POST", "/tasks/"+b.ID.String()+"/move", map[string]any{"column_id": done.ID}, nil)
		code, body := pr.call(pr.adminT, "POST", "/tasks/"+b.ID.String()+"/move", map[string]any{"column_id": todo.ID})
		if code != 409 || !contains(string(body), `Todo`) || !contains(string(body), "1") {
			t.Errorf("move into a full column: want 409 naming it, got %d %s", code, body)
		}
		if got := db.Ent.Task.GetX(sys, b.ID); got.ColumnID != nil || got.Status != "backlog" {
			t.Errorf("refused move changed the task: %+v", got)
		}
		var feed struct {
			Items []struct {
				Action    string         `json:"action"`
				OldValues map[string]any `json:"old_values"`
			} `json:"items"`
		}
		pr.must(200, pr.viewT, "GET", "/tasks/"+a.ID.String()+"/activity", nil, &feed)
		if len(feed.Items) != 2 || feed.Items[0].Action != "task.status_change" || feed.Items[1].Action != "task.create" {
			t.Errorf("activity feed (newest first): %+v", feed.Items)
		}
	})
}

func TestTaskListFiltersSortsAndPagesExactlyOnce(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		pr := newProject(t, db)
		prios := []string{"low", "urgent", "none", "high", "medium", "high", "low"}
		want := map[uuid.UUID]bool{}
		for i, p := range prios {
			body := map[string]any{"title": fmt.Sprintf("Item %d", i), "priority": p}
			if i%2 == 0 {
				body["due_date"] = time.Date(2026, 12, 1+i%3, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
			}
			if i == 3 {
				body["description"] = "Fix the LOGIN flow"
			}
			want[pr.create(body).ID] = true
		}
		for _, sort := range []string{"created", "updated_at", "due_date", "priority", "position", "created&order=asc", "due_date&order=desc"} {
			seen := map[uuid.UUID]int{}
			var prev *taskJSON
			url := pr.tasksPath() + "?limit=2&sort=" + sort
			for page := 0; ; page++ {
				var pg taskPage
				pr.must(200, pr.viewT, "GET", url, nil, &pg)
				for _, it := range pg.Items {
					seen[it.ID]++
					if sort == "priority" && prev != nil && rank(prev.Priority) < rank(it.Priority) {
						t.Errorf("priority order broken: %s before %s", prev.Priority, it.Priority)
					}
					it := it
					prev = &it
				}
				if page < 4 {
					pr.create(map[string]any{"title": "inserted meanwhile", "priority": "urgent"}) // must not disturb the walk
				}
				if pg.NextCursor == nil || page > 100 {
					break
				}
				url = pr.tasksPath() + "?limit=2&sort=" + sort + "&cursor=" + *pg.NextCursor
			}
			for id := range want {
				if seen[id] != 1 {
					t.Errorf("sort %s: task %s seen %d times", sort, id, seen[id])
				}
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("sort %s: task %s repeated %d times", sort, id, n)
				}
			}
		}
		var pg taskPage
		pr.must(200, pr.viewT, "GET", pr.tasksPath()+"?priority=high&q=login", nil, &pg)
		if len(pg.Items) != 1 || pg.Items[0].Title != "Item 3" {
			t.Errorf("priority=high&q=login: %+v", pg.Items)
		}
		pr.must(200, pr.viewT, "GET", pr.tasksPath()+"?due_after=2026-12-02&due_before=2026-12-02", nil, &pg)
		for _, it := range pg.Items {
			if it.DueDate == nil || *it.DueDate != "2026-12-02" {
				t.Errorf("due filter returned %+v", it)
			}
		}
		if len(pg.Items) == 0 {
			t.Error("due filter returned nothing")
		}
		pr.must(200, pr.viewT, "GET", pr.tasksPath()+"?reporter_id="+pr.alice.ID.String()+"&status=backlog&limit=100", nil, &pg)
		for _, it := range pg.Items {
			if it.Reporter != pr.alice.ID || it.Status != "backlog" {
				t.Errorf("reporter+status filter returned %+v", it)
			}
		}
		pr.must(200, pr.viewT, "GET", pr.tasksPath()+"?reporter_id="+pr.bob.ID.String(), nil, &pg)
		if len(pg.Items) != 0 {
			t.Errorf("reporter filter (bob reported nothing): %d items", len(pg.Items))
		}
		pr.must(422, pr.viewT, "GET", pr.tasksPath()+"?sort=title", nil, nil)
		var first taskPage
		pr.must(200, pr.viewT, "GET", pr.tasksPath()+"?limit=1&sort=priority", nil, &first)
		pr.must(422, pr.viewT, "GET", pr.tasksPath()+"?sort=due_date&cursor="+*first.NextCursor, nil, nil)
	})
}

func rank(p string) int { return slices.Index([]string{"none", "low", "medium", "high", "urgent"}, p) }

func TestTasksAreInvisibleToOtherOrganizations(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		pr := newProject(t, db)
		tk := pr.create(map[string]any{"title": "Secret"})
		other := testfix.Org(t, db.Ent, "Other")
		mallory := register(t, pr.s, "mallory")
		u := db.Ent.User.GetX(testfix.System(), mallory.ID)
		testfix.Member(t, db.Ent, other, u)
		testfix.Grant(t, db.Ent, other, u, seed.RoleAdmin)
		mt := login(t, pr.s, "mallory", goodPassword).AccessToken
		id := tk.ID.String()
		pr.must(404, mt, "GET", "/tasks/"+id, nil, nil)
		pr.must(404, mt, "GET", "/tasks/"+id+"/activity", nil, nil)
		pr.must(404, mt, "GET", pr.tasksPath(), nil, nil)
		pr.must(404, mt, "POST", pr.tasksPath(), map[string]any{"title": "intrude"}, nil)
		h := http.Header{"Authorization": {"Bearer " + mt}, "If-Match": {"1"}}
		if resp, b := pr.s.Do(t, "PATCH", "/tasks/"+id, "application/json", []byte(`{"title":"pwned"}`), h); resp.StatusCode != 404 {
			t.Errorf("cross-tenant PATCH: want 404, got %d %s", resp.StatusCode, b)
		}
		pr.must(404, mt, "DELETE", "/tasks/"+id, nil, nil)
		pr.must(404, mt, "POST", "/tasks/"+id+"/move", map[string]any{"column_id": uuid.New()}, nil)
		if got := db.Ent.Task.GetX(testfix.System(), tk.ID); got.Title != "Secret" || got.DeletedAt != nil {
			t.Errorf("cross-tenant requests changed the task: %+v", got)
		}
		pr.must(200, pr.viewT, "GET", "/tasks/"+id, nil, nil) // the VIEWER reads it but cannot change it
		pr.must(403, pr.viewT, "DELETE", "/tasks/"+id, nil, nil)
		hv := http.Header{"Authorization": {"Bearer " + pr.viewT}, "If-Match": {"1"}}
		if resp, b := pr.s.Do(t, "PATCH", "/tasks/"+id, "application/json", []byte(`{"title":"viewer"}`), hv); resp.StatusCode != 403 {
			t.Errorf("VIEWER PATCH: want 403, got %d %s", resp.StatusCode, b)
		}
		pr.must(204, pr.adminT, "DELETE", "/tasks/"+id, nil, nil)
		pr.must(404, pr.adminT, "GET", "/tasks/"+id, nil, nil)
		if got := db.Ent.Task.GetX(softdeleteSkip(), tk.ID); got.DeletedAt == nil {
			t.Error("DELETE must soft-delete")
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(b []byte, out any) error { return json.Unmarshal(b, out) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// softdeleteSkip is a system context that also sees soft-deleted rows.
func softdeleteSkip() context.Context { return softdelete.Skip(testfix.System()) }

// foreignTask is a task of another organization's project.
func foreignTask(t *testing.T, db *database.DB) *ent.Task {
	sys := testfix.System()
	o := testfix.Org(t, db.Ent, "Foreign")
	owner := testfix.User(t, db.Ent, "owner")
	var tk *ent.Task
	testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) error {
		p, err := tx.Project.Create().SetOrganizationID(o.ID).SetKey("FX").SetName("Foreign").SetOwnerID(owner.ID).SetVisibility("organization").Save(sys)
		if err != nil {
			return err
		}
		tk, err = tx.Task.Create().SetOrganizationID(o.ID).SetProjectID(p.ID).SetNumber(1).SetTitle("theirs").
			SetReporterID(owner.ID).Save(sys)
		return err
	})
	return tk
}

func TestTaskDescriptionIsStoredAsTypedAndRenderedSafely(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		pr := newProject(t, db)
		payload := "**Fix** it <script>alert(document.cookie)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> ; DROP TABLE tasks;--"
		tk := pr.create(map[string]any{"title": "XSS probe", "description": payload})
		if tk.Desc != payload {
			t.Errorf("the description must be stored as typed, got %q", tk.Desc)
		}
		for _, bad := range []string{"<script", "javascript:", "onerror"} {
			if strings.Contains(tk.DescHTML, bad) {
				t.Errorf("rendered HTML contains %q: %s", bad, tk.DescHTML)
			}
		}
		if !strings.Contains(tk.DescHTML, "<strong>Fix</strong>") || !strings.Contains(tk.DescHTML, "DROP TABLE tasks;--") {
			t.Errorf("formatting and text must survive: %s", tk.DescHTML)
		}
	})
}
