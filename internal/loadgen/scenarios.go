package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/google/uuid"
)

// Scenario names, in the order they run.
const (
	ScenarioGet    = "get task"
	ScenarioGetSQL = "get task (bare SQL)"
	// The task read alone, without the session read (what a request
	// needs once the session cache holds its session), prepared and as
	// an unnamed statement planned on every call (what ent sends).
	ScenarioGetTaskSQL           = "get task (bare SQL, task only)"
	ScenarioGetTaskSQLUnprepared = "get task (bare SQL, task only, unprepared)"
	ScenarioList                 = "list tasks"
	ScenarioListSQL              = "list tasks (bare SQL)"
	ScenarioListStatus           = "list tasks status=todo"
	ScenarioCreate               = "create task"
	ScenarioCreateSQL            = "create task (bare SQL)"
	ScenarioLogin                = "login"
)

// scenario is one named workload.
type scenario struct {
	name string
	op   op
}

// scenarios are the workloads on one seeded stack. Reads run first, so
// they see exactly n tasks; the creates then add rows.
func scenarios(s *stack, f *fixture, c *client, conc int) []scenario {
	tasksPath := "/projects/" + f.ProjectID.String() + "/tasks"
	return []scenario{
		{ScenarioGet, func(ctx context.Context, _ int) error {
			_, err := c.do(ctx, "GET", "/tasks/"+pick(f.TaskIDs).String(), "", 200)
			return err
		}},
		{ScenarioGetSQL, bareGet(s, f)},
		{ScenarioGetTaskSQL, bareTask(s, f, true)},
		{ScenarioGetTaskSQLUnprepared, bareTask(s, f, false)},
		{ScenarioList, pager(c, tasksPath+"?limit=50", conc)},
		{ScenarioListSQL, bareList(s, f, conc)},
		{ScenarioListStatus, pager(c, tasksPath+"?limit=50&status=todo", conc)},
		{ScenarioCreate, func(ctx context.Context, _ int) error {
			_, err := c.do(ctx, "POST", tasksPath, `{"title":"Load generator task"}`, 201)
			return err
		}},
		{ScenarioCreateSQL, bareCreate(s, f)},
		{ScenarioLogin, func(ctx context.Context, _ int) error {
			body, _ := json.Marshal(loginBody)
			_, err := c.do(ctx, "POST", "/auth/login", string(body), 200)
			return err
		}},
	}
}

// pagesPerWalk is how deep each worker pages (following next_cursor)
// before it starts again from the first page: deep pages must cost what
// the first does (keyset pagination, no OFFSET).
const pagesPerWalk = 20

// pager walks a list's pages, one request per call, each worker on its
// own cursor.
func pager(c *client, path string, conc int) op {
	cursors := make([]string, conc)
	depth := make([]int, conc)
	return func(ctx context.Context, w int) error {
		p := path
		if cursors[w] != "" {
			p += "&cursor=" + url.QueryEscape(cursors[w])
		}
		b, err := c.do(ctx, "GET", p, "", 200)
		if err != nil {
			return err
		}
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor *string           `json:"next_cursor"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			return err
		}
		if len(page.Items) == 0 {
			return fmt.Errorf("GET %s: empty page", p)
		}
		depth[w]++
		cursors[w] = ""
		if page.NextCursor != nil && depth[w] < pagesPerWalk {
			cursors[w] = *page.NextCursor
		} else {
			depth[w] = 0
		}
		return nil
	}
}

// bareCreate is the SQL a task creation cannot do without, straight
// through database/sql: take the project's next number (the row lock
// that serializes creators), insert the task and its audit row, in one
// transaction. Create's cost over this is the product's own overhead
// (HTTP, JSON, privacy rules, reference checks, ent).
func bareCreate(s *stack, f *fixture) op {
	return func(ctx context.Context, _ int) error {
		tx, err := s.DB.SQL.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // a no-op after Commit
		var next int
		if err := tx.QueryRowContext(ctx, `UPDATE projects SET next_task_number = next_task_number + 1
			WHERE id = $1 AND deleted_at IS NULL RETURNING next_task_number`, f.ProjectID).Scan(&next); err != nil {
			return err
		}
		id, now := uuid.Must(uuid.NewV7()), time.Now()
		const title = "Bare SQL task"
		if _, err := tx.ExecContext(ctx, `INSERT INTO tasks (id, created_at, updated_at, number, title, description,
			status, priority, type, position, is_ai_generated, version, organization_id, project_id, reporter_id)
			VALUES ($1, $2, $2, $3, $4, '', 'backlog', 'none', 'task', 0, false, 1, $5, $6, $7)`,
			id, now, next-1, title, f.OrgID, f.ProjectID, f.UserID); err != nil {
			return err
		}
		values, _ := json.Marshal(map[string]any{"title": title, "number": next - 1, "status": "backlog",
			"project_id": f.ProjectID, "organization_id": f.OrgID, "reporter_id": f.UserID})
		if _, err := tx.ExecContext(ctx, `INSERT INTO activity_logs (id, created_at, organization_id, actor_type,
			actor_user_id, activity_type, action, resource_type, resource_id, new_values)
			VALUES ($1, $2, $3, 'user', $4, 'create', 'task.create', 'Task', $5, $6)`,
			uuid.Must(uuid.NewV7()), now, f.OrgID, f.UserID, id, string(values)); err != nil {
			return err
		}
		return tx.Commit()
	}
}
