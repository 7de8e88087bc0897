package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// Password of the seeded user (the login scenario signs in with it).
const (
	username = "bench"
	password = "correct horse battery staple"
)

// fixture is what the scenarios work on.
type fixture struct {
	Token     string
	OrgID     uuid.UUID
	ProjectID uuid.UUID
	UserID    uuid.UUID
	TaskIDs   []uuid.UUID // a sample of the seeded tasks, for get
}

// seedFixture signs a user up, creates an organization and a project
// through the API (so they are exactly what the product makes), then bulk
// inserts n tasks into the project.
func seedFixture(ctx context.Context, s *stack, c *http.Client, n int) (*fixture, error) {
	f := &fixture{}
	var me struct {
		ID uuid.UUID `json:"id"`
	}
	if err := call(ctx, c, s.URL, "", "POST", "/auth/register", map[string]string{
		"email": username + "@example.com", "username": username, "password": password}, 201, &me); err != nil {
		return nil, err
	}
	f.UserID = me.ID
	var tokens struct {
		AccessToken string `json:"access_token"`
	}
	if err := call(ctx, c, s.URL, "", "POST", "/auth/login", loginBody, 200, &tokens); err != nil {
		return nil, err
	}
	f.Token = tokens.AccessToken
	var obj struct {
		ID uuid.UUID `json:"id"`
	}
	if err := call(ctx, c, s.URL, f.Token, "POST", "/organizations", map[string]string{"name": "Bench", "slug": "bench"}, 201, &obj); err != nil {
		return nil, err
	}
	f.OrgID = obj.ID
	if err := call(ctx, c, s.URL, f.Token, "POST", fmt.Sprintf("/organizations/%s/projects", f.OrgID),
		map[string]string{"key": "WS", "name": "Bench"}, 201, &obj); err != nil {
		return nil, err
	}
	f.ProjectID = obj.ID
	if err := bulkInsertTasks(ctx, s, f, n); err != nil {
		return nil, err
	}
	return f, sampleTasks(ctx, s, f)
}

var loginBody = map[string]string{"identifier": username, "password": password}

// bulkInsertSQL inserts $4 tasks numbered 1..$4 in one statement, the way
// Create would have left them: UUIDv7 ids built from created_at (one
// millisecond apart, oldest first, so id order is creation order as for
// real rows), statuses and priorities cycling through their values, and
// the project's counter moved past the last number. Seeded rows get no
// audit rows: the benchmark measures reads and new writes, not history.
const bulkInsertSQL = `
WITH rows AS (
  SELECT g, $5::timestamptz + g * interval '1 millisecond' AS at
  FROM generate_series(1, $4::int) AS g
), ins AS (
  INSERT INTO tasks (id, created_at, updated_at, number, title, description, status, priority, type,
                     position, is_ai_generated, version, organization_id, project_id, reporter_id)
  SELECT (lpad(to_hex((extract(epoch FROM at) * 1000)::bigint), 12, '0') || '7' ||
          substr(md5(g::text), 1, 3) || '8' || substr(md5(g::text), 4, 15))::uuid,
         at, at, g, 'Seeded task ' || g, 'Seeded by the load generator',
         (ARRAY['backlog','todo','in_progress','in_review','done','cancelled'])[1 + g % 6],
         (ARRAY['none','low','medium','high','urgent'])[1 + g % 5],
         'task', g * 1024, false, 1, $1, $2, $3
  FROM rows
  RETURNING 1
)
UPDATE projects SET next_task_number = (SELECT count(*) FROM ins) + 1 WHERE id = $2`

func bulkInsertTasks(ctx context.Context, s *stack, f *fixture, n int) error {
	start := time.Now().Add(-time.Duration(n+60_000) * time.Millisecond)
	if _, err := s.DB.SQL.ExecContext(ctx, bulkInsertSQL, f.OrgID, f.ProjectID, f.UserID, n, start); err != nil {
		return fmt.Errorf("loadgen: seed %d tasks: %w", n, err)
	}
	// Fresh statistics, as autovacuum would have gathered on a live table.
	if _, err := s.DB.SQL.ExecContext(ctx, "ANALYZE tasks"); err != nil {
		return fmt.Errorf("loadgen: analyze: %w", err)
	}
	return nil
}

// sampleTasks picks up to 1000 seeded task ids spread over the table.
func sampleTasks(ctx context.Context, s *stack, f *fixture) error {
	rows, err := s.DB.SQL.QueryContext(ctx,
		`SELECT id FROM tasks WHERE project_id = $1 ORDER BY md5(id::text) LIMIT 1000`, f.ProjectID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return err
		}
		f.TaskIDs = append(f.TaskIDs, id)
	}
	return rows.Err()
}

// call sends a JSON request and decodes the response into out unless the
// status differs from want.
func call(ctx context.Context, c *http.Client, base, token, method, path string, body any, want int, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("loadgen: %s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
