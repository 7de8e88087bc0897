package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/ent/tasklabel"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// taskBoard is an organization (alice ADMIN, bob VIEWER, dave DEVELOPER) with
// one project "WS", plus eve, the ADMIN of another organization.
type taskBoard struct {
	*org
	project      *ent.Project
	dave         uuid.UUID
	devT, otherT string
}

func newBoard(t *testing.T, db *database.DB) *taskBoard {
	t.Helper()
	return newBoardEnv(t, db, nil)
}

func newBoardEnv(t *testing.T, db *database.DB, env testserver.Env) *taskBoard {
	t.Helper()
	b := &taskBoard{org: newOrg(t, db, env)}
	dave, eve := register(t, b.s, "daveed"), register(t, b.s, "evelyn")
	b.join(dave.ID, seed.RoleDeveloper)
	b.dave = dave.ID
	other := testfix.Org(t, db.Ent, "Globex")
	testfix.Member(t, db.Ent, other, db.Ent.User.GetX(testfix.System(), eve.ID))
	testfix.Grant(t, db.Ent, other, db.Ent.User.GetX(testfix.System(), eve.ID), seed.RoleAdmin)
	b.devT = login(t, b.s, "daveed", goodPassword).AccessToken
	b.otherT = login(t, b.s, "evelyn", goodPassword).AccessToken
	b.project = b.newProject("WS", b.org.org.ID)
	return b
}

// newProject creates an organization-wide project through ent (the
// projects API is built elsewhere; private projects are
// projects_visibility_test.go's).
func (b *taskBoard) newProject(key string, orgID uuid.UUID) *ent.Project {
	var p *ent.Project
	testfix.Tx(b.t, testfix.System(), b.db.Ent, func(tx *ent.Tx) (err error) {
		p, err = tx.Project.Create().SetOrganizationID(orgID).SetKey(key).SetName(key + " project").
			SetOwnerID(b.alice.ID).SetVisibility("organization").Save(testfix.System())
		return err
	})
	return p
}

// newTask creates task number n of the project with status.
func (b *taskBoard) newTask(p *ent.Project, n int, status task.Status, sprint, milestone *uuid.UUID) *ent.Task {
	var tk *ent.Task
	testfix.Tx(b.t, testfix.System(), b.db.Ent, func(tx *ent.Tx) (err error) {
		tk, err = tx.Task.Create().SetOrganizationID(p.OrganizationID).SetProjectID(p.ID).SetNumber(n).
			SetTitle(fmt.Sprintf("task %d", n)).SetStatus(status).SetReporterID(b.alice.ID).
			SetNillableSprintID(sprint).SetNillableMilestoneID(milestone).Save(testfix.System())
		return err
	})
	return tk
}

// activity counts the ActivityLog rows of a resource written by actor.
func (b *taskBoard) activity(id, actor uuid.UUID, kind activitylog.ActivityType) int {
	return b.db.Ent.ActivityLog.Query().Where(activitylog.ResourceID(id), activitylog.ActorUserID(actor),
		activitylog.ActivityTypeEQ(kind)).CountX(testfix.System())
}

func (b *taskBoard) wantActivity(id, actor uuid.UUID, kind activitylog.ActivityType) {
	b.t.Helper()
	if n := b.activity(id, actor, kind); n == 0 {
		b.t.Errorf("no %s ActivityLog row for %s by %s", kind, id, actor)
	}
}

type idJSON struct {
	ID uuid.UUID `json:"id"`
}

type pageJSON[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func TestLabels(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoard(t, db)
		tk := b.newTask(b.project, 1, task.StatusTodo, nil, nil)
		labels := fmt.Sprintf("/projects/%s/labels", b.project.ID)
		var l struct {
			idJSON
			Name, Color string
		}
		b.must(201, b.adminT, "POST", labels, map[string]string{"name": "frontend", "color": "#3B82F6"}, &l)
		b.must(409, b.adminT, "POST", labels, map[string]string{"name": "frontend"}, nil)
		b.must(403, b.viewT, "POST", labels, map[string]string{"name": "backend"}, nil)
		b.mustPatchAt(b.adminT, "/labels/"+l.ID.String(), `"1"`, map[string]string{"color": "#EF4444"}, &l)
		if l.Name != "frontend" || l.Color != "#EF4444" {
			t.Errorf("updated label: %+v", l)
		}
		var page pageJSON[idJSON]
		b.must(200, b.viewT, "GET", labels, nil, &page)
		if len(page.Items) != 1 || page.Items[0].ID != l.ID {
			t.Errorf("labels: %+v", page)
		}

		on := fmt.Sprintf("/tasks/%s/labels/%s", tk.ID, l.ID)
		b.must(204, b.devT, "PUT", on, nil, nil)
		b.must(204, b.devT, "PUT", on, nil, nil) // idempotent
		if ids := db.Ent.Task.QueryLabels(tk).IDsX(testfix.System()); len(ids) != 1 || ids[0] != l.ID {
			t.Errorf("task labels after PUT: %v", ids)
		}
		b.wantActivity(tk.ID, b.dave, activitylog.ActivityTypeUpdate)
		wantLinkAudited(t, db, tk.ID, "+labels", l.ID)
		links := db.Ent.TaskLabel.Query().Where(tasklabel.TaskID(tk.ID)).AllX(testfix.System())
		if len(links) != 1 || links[0].LabelID != l.ID || links[0].OrganizationID != tk.OrganizationID {
			t.Errorf("link rows of the task: %+v (want one, of organization %s)", links, tk.OrganizationID)
		}
		// Links are added one parent at a time: a bulk update has no one
		// organization to give them.
		err := database.WithTx(testfix.System(), db.Ent, func(tx *ent.Tx) error {
			return tx.Task.Update().Where(task.ID(tk.ID)).AddLabelIDs(l.ID).Exec(testfix.System())
		})
		if err == nil || !strings.Contains(err.Error(), "one Task at a time") {
			t.Errorf("bulk label add: %v", err)
		}
		// Nor does any path link a task to another organization's label,
		// whatever its context: the link hook checks the tenant itself.
		foreign := b.newProject("FX", testfix.Org(t, db.Ent, "Foreign").ID)
		var alien *ent.Label
		testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) (err error) {
			alien, err = tx.Label.Create().SetOrganizationID(foreign.OrganizationID).SetProjectID(foreign.ID).
				SetName("alien").Save(testfix.System())
			return err
		})
		err = database.WithTx(testfix.System(), db.Ent, func(tx *ent.Tx) error {
			return tx.Task.UpdateOneID(tk.ID).AddLabelIDs(alien.ID).Exec(testfix.System())
		})
		if !errors.Is(err, privacy.Deny) {
			t.Errorf("linking another organization's label: want deny, got %v", err)
		}
		other := b.newTask(b.project, 2, task.StatusTodo, nil, nil)
		var tagged pageJSON[idJSON]
		b.must(200, b.viewT, "GET", fmt.Sprintf("/projects/%s/tasks?label_id=%s", b.project.ID, l.ID), nil, &tagged)
		if len(tagged.Items) != 1 || tagged.Items[0].ID != tk.ID {
			t.Errorf("label filter: want only %s (not %s), got %+v", tk.ID, other.ID, tagged.Items)
		}
		b.must(403, b.viewT, "PUT", on, nil, nil)
		b.must(204, b.devT, "DELETE", on, nil, nil)
		b.must(204, b.devT, "DELETE", on, nil, nil)
		if n := db.Ent.Task.QueryLabels(tk).CountX(testfix.System()); n != 0 {
			t.Errorf("task still has %d labels", n)
		}
		wantLinkAudited(t, db, tk.ID, "-labels", l.ID)

		b.must(404, b.otherT, "GET", "/labels/"+l.ID.String(), nil, nil)
		b.must(404, b.otherT, "GET", labels, nil, nil)
		b.must(404, b.otherT, "PUT", on, nil, nil)
		b.must(204, b.adminT, "DELETE", "/labels/"+l.ID.String(), nil, nil)
		b.must(404, b.adminT, "GET", "/labels/"+l.ID.String(), nil, nil)
		b.must(201, b.adminT, "POST", labels, map[string]string{"name": "frontend"}, nil) // name free again
		for _, kind := range []activitylog.ActivityType{activitylog.ActivityTypeCreate, activitylog.ActivityTypeUpdate, activitylog.ActivityTypeDelete} {
			b.wantActivity(l.ID, b.alice.ID, kind)
		}
	})
}

func TestDependencyCycleIsRefusedWithItsPath(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoard(t, db)
		other := b.newProject("OPS", b.org.org.ID)
		t1, t2 := b.newTask(b.project, 1, task.StatusTodo, nil, nil), b.newTask(b.project, 2, task.StatusTodo, nil, nil)
		t3 := b.newTask(other, 1, task.StatusTodo, nil, nil)
		link := func(want int, from, to *ent.Task, kind string) []byte {
			t.Helper()
			code, body := b.call(b.devT, "POST", fmt.Sprintf("/tasks/%s/dependencies", from.ID),
				map[string]any{"depends_on_id": to.ID, "type": kind})
			if code != want {
				t.Fatalf("link %d %s %d: want %d, got %d %s", from.Number, kind, to.Number, want, code, body)
			}
			return body
		}
		var d idJSON
		json.Unmarshal(link(201, t1, t2, "blocks"), &d)
		b.wantActivity(d.ID, b.dave, activitylog.ActivityTypeCreate)
		link(201, t2, t3, "blocks")     // across projects of one organization
		link(201, t3, t1, "relates_to") // not a blocking edge: no cycle
		link(409, t1, t2, "blocks")     // duplicate
		link(422, t1, t1, "blocks")

		for _, kind := range []string{"blocks", "blocked_by"} {
			from, to := t3, t1 // t3 blocks t1 closes t1 -> t2 -> t3
			if kind == "blocked_by" {
				from, to = t1, t3 // t1 blocked by t3: the same edge, reversed
			}
			var p struct{ Detail string }
			json.Unmarshal(link(409, from, to, kind), &p)
			if !strings.Contains(p.Detail, "OPS-1 -> WS-1 -> WS-2 -> OPS-1") {
				t.Errorf("%s cycle detail: %q", kind, p.Detail)
			}
		}

		var page pageJSON[idJSON]
		b.must(200, b.viewT, "GET", fmt.Sprintf("/tasks/%s/dependencies", t1.ID), nil, &page)
		if len(page.Items) != 2 {
			t.Errorf("t1 links (blocks t2, related to t3): %+v", page.Items)
		}
		b.must(404, b.otherT, "GET", fmt.Sprintf("/tasks/%s/dependencies", t1.ID), nil, nil)
		b.must(404, b.otherT, "DELETE", "/dependencies/"+d.ID.String(), nil, nil)
		b.must(204, b.adminT, "DELETE", "/dependencies/"+d.ID.String(), nil, nil)
		link(201, t3, t1, "blocks") // the cycle is gone with t1 -> t2
		b.wantActivity(d.ID, b.alice.ID, activitylog.ActivityTypeDelete)

		foreign := b.newTask(b.newProject("GX", testfix.Org(t, db.Ent, "Initech").ID), 1, task.StatusTodo, nil, nil)
		link(422, t1, foreign, "relates_to")
	})
}

func TestThreadedComments(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoard(t, db)
		tk, other := b.newTask(b.project, 1, task.StatusTodo, nil, nil), b.newTask(b.project, 2, task.StatusTodo, nil, nil)
		comments := fmt.Sprintf("/tasks/%s/comments", tk.ID)
		type commentJSON struct {
			idJSON
			Body     string     `json:"body"`
			AuthorID *uuid.UUID `json:"author_id"`
			ParentID *uuid.UUID `json:"parent_id"`
			EditedAt *time.Time `json:"edited_at"`
		}
		var root, reply commentJSON
		b.must(201, b.devT, "POST", comments, map[string]any{"body": "First"}, &root)
		if root.AuthorID == nil || *root.AuthorID != b.dave || root.EditedAt != nil {
			t.Errorf("comment: %+v", root)
		}
		b.must(201, b.adminT, "POST", comments, map[string]any{"body": "Reply", "parent_id": root.ID}, &reply)
		if reply.ParentID == nil || *reply.ParentID != root.ID {
			t.Errorf("reply: %+v", reply)
		}
		b.must(422, b.adminT, "POST", fmt.Sprintf("/tasks/%s/comments", other.ID), map[string]any{"body": "x", "parent_id": root.ID}, nil)
		b.must(403, b.viewT, "POST", comments, map[string]any{"body": "viewers read"}, nil)
		b.must(404, b.otherT, "POST", comments, map[string]any{"body": "outsider"}, nil)

		b.must(403, b.adminT, "PATCH", "/comments/"+root.ID.String(), map[string]any{"body": "not mine"}, nil)
		b.must(200, b.devT, "PATCH", "/comments/"+root.ID.String(), map[string]any{"body": "First, edited"}, &root)
		if root.Body != "First, edited" || root.EditedAt == nil {
			t.Errorf("edited: %+v", root)
		}
		b.wantActivity(root.ID, b.dave, activitylog.ActivityTypeUpdate)

		var page pageJSON[commentJSON]
		b.must(200, b.viewT, "GET", comments+"?limit=1", nil, &page)
		if len(page.Items) != 1 || page.Items[0].ID != reply.ID || page.NextCursor == nil {
			t.Fatalf("first page: %+v", page)
		}
		b.must(200, b.viewT, "GET", comments+"?limit=1&cursor="+*page.NextCursor, nil, &page)
		if len(page.Items) != 1 || page.Items[0].ID != root.ID || page.NextCursor != nil {
			t.Fatalf("second page: %+v", page)
		}
		b.must(404, b.otherT, "GET", comments, nil, nil)

		b.must(403, b.viewT, "DELETE", "/comments/"+root.ID.String(), nil, nil)
		b.must(403, b.devT, "DELETE", "/comments/"+reply.ID.String(), nil, nil) // not the author, no comment:delete
		b.must(204, b.devT, "DELETE", "/comments/"+root.ID.String(), nil, nil)  // own comment
		b.must(204, b.adminT, "DELETE", "/comments/"+reply.ID.String(), nil, nil)
		b.wantActivity(root.ID, b.dave, activitylog.ActivityTypeDelete)
		b.wantActivity(reply.ID, b.alice.ID, activitylog.ActivityTypeDelete)
		b.must(200, b.viewT, "GET", comments, nil, &page)
		if len(page.Items) != 0 {
			t.Errorf("deleted comments listed: %+v", page.Items)
		}
	})
}

func TestTimeLogs(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoard(t, db)
		tk := b.newTask(b.project, 1, task.StatusTodo, nil, nil)
		logs := fmt.Sprintf("/tasks/%s/time-logs", tk.ID)
		var tl struct {
			idJSON
			Minutes int       `json:"minutes"`
			UserID  uuid.UUID `json:"user_id"`
		}
		b.must(201, b.devT, "POST", logs, map[string]any{"started_at": "2026-01-05T09:00:00Z", "ended_at": "2026-01-05T10:30:00Z"}, &tl)
		if tl.Minutes != 90 || tl.UserID != b.dave {
			t.Errorf("interval log: %+v", tl)
		}
		b.wantActivity(tl.ID, b.dave, activitylog.ActivityTypeCreate)
		b.must(201, b.adminT, "POST", logs, map[string]any{"minutes": 30, "note": "review"}, nil)
		b.must(201, b.devT, "POST", logs, map[string]any{"minutes": 15}, nil)
		b.must(422, b.devT, "POST", logs, map[string]any{"started_at": "2026-01-05T09:00:00Z", "ended_at": "2026-01-05T08:00:00Z"}, nil)
		b.must(422, b.devT, "POST", logs, map[string]any{"note": "no time"}, nil)
		b.must(403, b.viewT, "POST", logs, map[string]any{"minutes": 5}, nil)
		b.must(404, b.otherT, "POST", logs, map[string]any{"minutes": 5}, nil)

		var page pageJSON[idJSON]
		b.must(200, b.viewT, "GET", logs, nil, &page)
		if len(page.Items) != 3 {
			t.Errorf("time logs: %d", len(page.Items))
		}
		var sum struct {
			TotalMinutes int64 `json:"total_minutes"`
			ByUser       []struct {
				UserID  uuid.UUID `json:"user_id"`
				Minutes int64     `json:"minutes"`
			} `json:"by_user"`
		}
		b.must(200, b.viewT, "GET", logs+"/summary", nil, &sum)
		per := map[uuid.UUID]int64{}
		for _, u := range sum.ByUser {
			per[u.UserID] = u.Minutes
		}
		if sum.TotalMinutes != 135 || per[b.dave] != 105 || per[b.alice.ID] != 30 || len(per) != 2 {
			t.Errorf("summary: %+v", sum)
		}
		b.must(404, b.otherT, "GET", logs+"/summary", nil, nil)
	})
}

func TestSprintLifecycleMovesUnfinishedTasks(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoard(t, db)
		sprints := fmt.Sprintf("/projects/%s/sprints", b.project.ID)
		var s1, s2 struct {
			idJSON
			Status      string     `json:"status"`
			CompletedAt *time.Time `json:"completed_at"`
		}
		b.must(201, b.adminT, "POST", sprints, map[string]any{"name": "Sprint 1", "start_date": "2026-01-05T00:00:00Z", "end_date": "2026-01-19T00:00:00Z"}, &s1)
		b.must(201, b.adminT, "POST", sprints, map[string]any{"name": "Sprint 2"}, &s2)
		b.must(422, b.adminT, "POST", sprints, map[string]any{"name": "Bad", "start_date": "2026-01-05T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, nil)
		b.must(403, b.devT, "POST", sprints, map[string]any{"name": "Dev sprint"}, nil)
		b.must(404, b.otherT, "GET", "/sprints/"+s1.ID.String(), nil, nil)
		b.must(404, b.otherT, "POST", "/sprints/"+s1.ID.String()+"/start", nil, nil)

		done := b.newTask(b.project, 1, task.StatusDone, &s1.ID, nil)
		open1 := b.newTask(b.project, 2, task.StatusInProgress, &s1.ID, nil)
		open2 := b.newTask(b.project, 3, task.StatusTodo, &s1.ID, nil)

		b.must(409, b.adminT, "POST", "/sprints/"+s1.ID.String()+"/complete", map[string]any{"move_to": "backlog"}, nil)
		b.must(200, b.adminT, "POST", "/sprints/"+s1.ID.String()+"/start", nil, &s1)
		if s1.Status != "active" {
			t.Errorf("started: %+v", s1)
		}
		b.must(409, b.adminT, "POST", "/sprints/"+s2.ID.String()+"/start", nil, nil) // one active sprint per project
		b.must(409, b.adminT, "POST", "/sprints/"+s1.ID.String()+"/start", nil, nil)
		b.must(422, b.adminT, "POST", "/sprints/"+s1.ID.String()+"/complete", map[string]any{"move_to": s1.ID}, nil)

		b.must(200, b.adminT, "POST", "/sprints/"+s1.ID.String()+"/complete", map[string]any{"move_to": s2.ID}, &s1)
		if s1.Status != "completed" || s1.CompletedAt == nil {
			t.Errorf("completed: %+v", s1)
		}
		sprintOf := func(tk *ent.Task) *uuid.UUID { return db.Ent.Task.GetX(testfix.System(), tk.ID).SprintID }
		if s := sprintOf(done); s == nil || *s != s1.ID {
			t.Errorf("done task moved to %v", s)
		}
		for _, tk := range []*ent.Task{open1, open2} {
			if s := sprintOf(tk); s == nil || *s != s2.ID {
				t.Errorf("unfinished task %d in %v, want sprint 2", tk.Number, s)
			}
			b.wantActivity(tk.ID, b.alice.ID, activitylog.ActivityTypeUpdate)
		}
		b.wantActivity(s1.ID, b.alice.ID, activitylog.ActivityTypeUpdate)

		b.must(200, b.adminT, "POST", "/sprints/"+s2.ID.String()+"/start", nil, nil)
		b.must(200, b.adminT, "POST", "/sprints/"+s2.ID.String()+"/complete", map[string]any{"move_to": "backlog"}, nil)
		if s := sprintOf(open1); s != nil {
			t.Errorf("task in %v, want the backlog", s)
		}
		var page pageJSON[idJSON]
		b.must(200, b.viewT, "GET", sprints, nil, &page)
		if len(page.Items) != 2 {
			t.Errorf("sprints: %+v", page.Items)
		}
		b.mustPatchAt(b.adminT, "/sprints/"+s2.ID.String(), `"3"`, map[string]any{"goal": "Done"}, nil) // started, completed
		b.must(204, b.adminT, "DELETE", "/sprints/"+s2.ID.String(), nil, nil)
		b.wantActivity(s2.ID, b.alice.ID, activitylog.ActivityTypeDelete)
	})
}

func TestMilestoneProgress(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoard(t, db)
		milestones := fmt.Sprintf("/projects/%s/milestones", b.project.ID)
		type msJSON struct {
			idJSON
			Status     string  `json:"status"`
			TotalTasks int     `json:"total_tasks"`
			DoneTasks  int     `json:"done_tasks"`
			Progress   float64 `json:"progress"`
		}
		var m msJSON
		b.must(201, b.adminT, "POST", milestones, map[string]any{"name": "v2.0", "due_date": "2026-03-01T00:00:00Z"}, &m)
		b.must(403, b.devT, "POST", milestones, map[string]any{"name": "dev"}, nil)
		b.newTask(b.project, 1, task.StatusDone, nil, &m.ID)
		b.newTask(b.project, 2, task.StatusTodo, nil, &m.ID)
		b.newTask(b.project, 3, task.StatusCancelled, nil, &m.ID)
		b.newTask(b.project, 4, task.StatusDone, nil, nil)
		b.must(200, b.viewT, "GET", "/milestones/"+m.ID.String(), nil, &m)
		if m.TotalTasks != 2 || m.DoneTasks != 1 || m.Progress != 0.5 {
			t.Errorf("progress: %+v", m)
		}
		var page pageJSON[msJSON]
		b.must(200, b.viewT, "GET", milestones, nil, &page)
		if len(page.Items) != 1 || page.Items[0].Progress != 0.5 {
			t.Errorf("milestones: %+v", page.Items)
		}
		b.mustPatchAt(b.adminT, "/milestones/"+m.ID.String(), `"1"`, map[string]any{"status": "closed"}, &m)
		if m.Status != "closed" || m.TotalTasks != 2 {
			t.Errorf("closed: %+v", m)
		}
		b.must(404, b.otherT, "GET", "/milestones/"+m.ID.String(), nil, nil)
		b.must(404, b.otherT, "GET", milestones, nil, nil)
		b.must(204, b.adminT, "DELETE", "/milestones/"+m.ID.String(), nil, nil)
		b.must(404, b.adminT, "GET", "/milestones/"+m.ID.String(), nil, nil)
		for _, kind := range []activitylog.ActivityType{activitylog.ActivityTypeCreate, activitylog.ActivityTypeUpdate, activitylog.ActivityTypeDelete} {
			b.wantActivity(m.ID, b.alice.ID, kind)
		}
	})
}

// TestPlanningShapesAndNullClears covers the generated sprint, milestone,
// label and comment shapes: every field is present (goal and description
// as "" when empty, no deleted_at), null in a PATCH clears an optional
// field, and an unknown field or a PATCH without the one field it changes
// is a 400.
func TestPlanningShapesAndNullClears(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoard(t, db)
		var s map[string]any
		b.must(201, b.adminT, "POST", fmt.Sprintf("/projects/%s/sprints", b.project.ID),
			map[string]any{"name": "S", "start_date": "2026-01-05T00:00:00Z", "end_date": "2026-01-19T00:00:00Z"}, &s)
		if s["goal"] != "" || s["completed_at"] != nil || s["organization_id"] == nil {
			t.Errorf("sprint: %v", s)
		}
		if _, ok := s["deleted_at"]; ok {
			t.Errorf("sprint shows deleted_at: %v", s)
		}
		sprint := "/sprints/" + s["id"].(string)
		b.mustPatchAt(b.adminT, sprint, `"1"`, map[string]any{"goal": "Ship", "end_date": nil}, &s)
		if s["goal"] != "Ship" || s["end_date"] != nil || s["start_date"] == nil {
			t.Errorf("end date cleared: %v", s)
		}
		b.mustPatchAt(b.adminT, sprint, `"2"`, map[string]any{"goal": nil, "start_date": nil}, &s)
		if s["goal"] != "" || s["start_date"] != nil {
			t.Errorf("goal and start date cleared: %v", s)
		}
		if code, body := b.patchAt(b.adminT, sprint, `"3"`, map[string]any{"status": "active"}); code != 400 {
			t.Errorf("status is not writable: %d %s", code, body)
		}

		var m map[string]any
		b.must(201, b.adminT, "POST", fmt.Sprintf("/projects/%s/milestones", b.project.ID),
			map[string]any{"name": "v1", "description": "First", "due_date": "2026-03-01T00:00:00Z"}, &m)
		milestone := "/milestones/" + m["id"].(string)
		b.mustPatchAt(b.adminT, milestone, `"1"`, map[string]any{"description": nil, "due_date": nil}, &m)
		if m["description"] != "" || m["due_date"] != nil || m["organization_id"] == nil || m["total_tasks"] != 0.0 {
			t.Errorf("milestone cleared: %v", m)
		}
		b.must(400, b.adminT, "POST", fmt.Sprintf("/projects/%s/milestones", b.project.ID),
			map[string]any{"name": "v2", "status": "closed"}, nil) // status changes on update only

		b.must(400, b.adminT, "POST", fmt.Sprintf("/projects/%s/labels", b.project.ID),
			map[string]any{"name": "ui", "version": 3}, nil)

		tk := b.newTask(b.project, 1, task.StatusTodo, nil, nil)
		var c map[string]any
		b.must(201, b.devT, "POST", fmt.Sprintf("/tasks/%s/comments", tk.ID), map[string]any{"body": "Hi"}, &c)
		if c["author_agent_id"] != nil || c["parent_id"] != nil || c["edited_at"] != nil || c["body_html"] == "" {
			t.Errorf("comment: %v", c)
		}
		b.must(400, b.devT, "PATCH", "/comments/"+c["id"].(string), map[string]any{}, nil)
		b.must(400, b.devT, "PATCH", "/comments/"+c["id"].(string), map[string]any{"parent_id": c["id"]}, nil)
		if code, body := b.patchAt(b.adminT, "/boards/"+uuid.NewString(), `"1"`, map[string]any{}); code != 400 {
			t.Errorf("board PATCH without a name: %d %s", code, body)
		}
	})
}

// wantLinkAudited fails unless an ActivityLog row of resource id records
// the link change key ("+labels", "-tools") of linked.
func wantLinkAudited(t *testing.T, db *database.DB, id uuid.UUID, key string, linked uuid.UUID) {
	t.Helper()
	rows := db.Ent.ActivityLog.Query().Where(activitylog.ResourceID(id)).AllX(testfix.System())
	for _, row := range rows {
		if strings.Contains(fmt.Sprint(row.NewValues[key]), linked.String()) {
			return
		}
	}
	t.Errorf("no activity of %s records %s %s (%d rows)", id, key, linked, len(rows))
}

// TestConcurrentIdenticalLabelPutsChangeOnce: of simultaneous PUTs of the
// same label on a task, one stores the link and writes the audit row; the
// others find it done (each answers 204).
func TestConcurrentIdenticalLabelPutsChangeOnce(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoard(t, db)
		tk := b.newTask(b.project, 1, task.StatusTodo, nil, nil)
		var l idJSON
		b.must(201, b.adminT, "POST", fmt.Sprintf("/projects/%s/labels", b.project.ID), map[string]string{"name": "race"}, &l)
		on := fmt.Sprintf("/tasks/%s/labels/%s", tk.ID, l.ID)
		statuses := make(chan int, 8)
		var wg sync.WaitGroup
		for range cap(statuses) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, _ := b.call(b.devT, "PUT", on, nil)
				statuses <- code
			}()
		}
		wg.Wait()
		close(statuses)
		for code := range statuses {
			if code != http.StatusNoContent {
				t.Errorf("concurrent PUT answered %d", code)
			}
		}
		if n := db.Ent.TaskLabel.Query().Where(tasklabel.TaskID(tk.ID)).CountX(testfix.System()); n != 1 {
			t.Errorf("%d link rows, want 1", n)
		}
		audited := 0
		for _, row := range db.Ent.ActivityLog.Query().Where(activitylog.ResourceID(tk.ID)).AllX(testfix.System()) {
			if _, ok := row.NewValues["+labels"]; ok {
				audited++
			}
		}
		if audited != 1 {
			t.Errorf("%d audit rows record the label, want 1", audited)
		}
	})
}
