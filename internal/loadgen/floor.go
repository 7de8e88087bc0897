package loadgen

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
)

// The floor: what a read cannot do without, as prepared statements
// straight through database/sql (planned once per connection), on the
// same pool and database as the server. A request's throughput over its
// floor's is the share of the machine the product's own work leaves to
// the database (the goals in docs/performance.md).

// floorAuthSQL is what authenticating a request reads: the user, their
// live session, and per organization their roles with the permissions
// aggregated (the statement internal/identity sends).
const floorAuthSQL = `SELECT u.is_superuser, s.last_seen_at, m.organization_id, r.name,
	coalesce(string_agg(p.resource || ':' || p.action, ','), '')
FROM users u
JOIN sessions s ON s.user_id = u.id AND s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
LEFT JOIN organization_members m ON m.user_id = u.id AND m.status = 'active' AND m.deleted_at IS NULL
LEFT JOIN user_roles ur ON ur.user_id = u.id AND ur.organization_id = m.organization_id
LEFT JOIN roles r ON r.id = ur.role_id AND r.deleted_at IS NULL
LEFT JOIN role_permissions rp ON rp.role_id = r.id
LEFT JOIN permissions p ON p.id = rp.permission_id
WHERE u.id = $3 AND u.status = 'active' AND u.deleted_at IS NULL
GROUP BY u.is_superuser, s.last_seen_at, m.organization_id, r.name`

// floorTaskColumns are the columns a task response carries.
const floorTaskColumns = `t.id, t.created_at, t.updated_at, t.number, t.title, t.description, t.status,
	t.priority, t.type, t.position, t.version, t.project_id, t.reporter_id, t.assignee_id, p.key`

const floorGetSQL = `SELECT ` + floorTaskColumns + ` FROM tasks t JOIN projects p ON p.id = t.project_id
WHERE t.id = $1 AND t.deleted_at IS NULL`

// floorListSQL is the default list order (newest first, keyset on the
// UUIDv7 id), a page of 50 plus one to know whether there is a next.
const floorListSQL = `SELECT ` + floorTaskColumns + ` FROM tasks t JOIN projects p ON p.id = t.project_id
WHERE t.project_id = $1 AND t.deleted_at IS NULL AND t.id < $2 ORDER BY t.id DESC LIMIT 51`

// floor holds the prepared statements, prepared on first use.
type floor struct {
	prepare          func() error
	auth, get, list  *sql.Stmt
	sessionID, owner uuid.UUID
}

func newFloor(s *stack, f *fixture) *floor {
	fl := &floor{owner: f.UserID}
	fl.prepare = sync.OnceValue(func() error {
		ctx := context.Background()
		if err := s.DB.SQL.QueryRowContext(ctx, `SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL
			ORDER BY created_at DESC LIMIT 1`, f.UserID).Scan(&fl.sessionID); err != nil {
			return fmt.Errorf("floor: the fixture's session: %w", err)
		}
		for _, p := range []struct {
			stmt  **sql.Stmt
			query string
		}{{&fl.auth, floorAuthSQL}, {&fl.get, floorGetSQL}, {&fl.list, floorListSQL}} {
			st, err := s.DB.SQL.PrepareContext(ctx, p.query)
			if err != nil {
				return fmt.Errorf("floor: prepare: %w", err)
			}
			*p.stmt = st
		}
		return nil
	})
	return fl
}

// authenticate runs the authentication read and drains it.
func (fl *floor) authenticate(ctx context.Context) error {
	return drain(fl.auth.QueryContext(ctx, fl.sessionID, time.Now(), fl.owner))
}

// bareGet is a task read's floor: authenticate, then the task with its
// project's key.
func bareGet(s *stack, f *fixture) op {
	fl := newFloor(s, f)
	return func(ctx context.Context, _ int) error {
		if err := fl.prepare(); err != nil {
			return err
		}
		if err := fl.authenticate(ctx); err != nil {
			return err
		}
		return drain(fl.get.QueryContext(ctx, pick(f.TaskIDs)))
	}
}

// bareTask is the task read alone, as a prepared statement or, when
// prepared is false, as the unnamed statement lib/pq sends for ent
// (parsed and planned on every call): the difference is what planning
// once would buy.
func bareTask(s *stack, f *fixture, prepared bool) op {
	fl := newFloor(s, f)
	return func(ctx context.Context, _ int) error {
		if !prepared {
			return drain(s.DB.SQL.QueryContext(ctx, floorGetSQL, pick(f.TaskIDs)))
		}
		if err := fl.prepare(); err != nil {
			return err
		}
		return drain(fl.get.QueryContext(ctx, pick(f.TaskIDs)))
	}
}

// bareList is a list page's floor: authenticate, then the next page of
// 50, each worker walking pagesPerWalk pages deep like the API's pager.
func bareList(s *stack, f *fixture, conc int) op {
	fl := newFloor(s, f)
	after := make([]uuid.UUID, conc)
	depth := make([]int, conc)
	return func(ctx context.Context, w int) error {
		if err := fl.prepare(); err != nil {
			return err
		}
		if err := fl.authenticate(ctx); err != nil {
			return err
		}
		if depth[w] == 0 {
			after[w] = uuid.Max
		}
		rows, err := fl.list.QueryContext(ctx, f.ProjectID, after[w])
		if err != nil {
			return err
		}
		defer rows.Close()
		var id uuid.UUID
		vals, err := scanTargets(rows, &id)
		if err != nil {
			return err
		}
		n, last := 0, uuid.Nil
		for rows.Next() {
			if err := rows.Scan(vals...); err != nil {
				return err
			}
			if n++; n <= 50 {
				last = id
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("floor: empty page")
		}
		depth[w]++
		after[w] = last
		if n <= 50 || depth[w] >= pagesPerWalk {
			depth[w] = 0
		}
		return nil
	}
}

// drain reads every row of a query (what a server would decode).
func drain(rows *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	vals, err := scanTargets(rows)
	if err != nil {
		return err
	}
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanTargets returns Scan's destinations for every column of rows: first
// for the leading columns, a throwaway value for the others.
func scanTargets(rows *sql.Rows, first ...any) ([]any, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(cols))
	for i := range vals {
		if i < len(first) {
			vals[i] = first[i]
		} else {
			vals[i] = new(any)
		}
	}
	return vals, nil
}
