package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// TestAuditExportConstantMemory exports a large activity log (75,000
// rows, ~46 MB of JSON Lines and ~33 MB of CSV, on PostgreSQL; 30,000 on
// SQLite, where the rows are inserted through ent) while sampling the live
// heap of the whole process (server and client), and requires the peak
// growth to stay far below the export's size: the export holds one batch,
// never the log.
func TestAuditExportConstantMemory(t *testing.T) {
	// Not parallel: measures the process-wide heap.
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		// The bound is on memory, not time: under -race on a loaded machine
		// the export may take longer than the default request deadline.
		w := newWorkspaceEnv(t, db, testserver.Env{"WORKSYNAPSE_HTTP_REQUEST_TIMEOUT": "10m"}, "alice")
		org := w.createOrg("alice", "bulk")
		// On PostgreSQL each export is at least twice the bound (checked
		// below): ~46 MB of JSON Lines, ~33 MB of CSV.
		rows := 75_000
		if db.Dialect == dialect.SQLite {
			rows = 30_000
		}
		start := time.Now()
		bulkActivity(t, db, org.ID, w.users["alice"], rows)
		t.Logf("%s: inserted %d rows in %s", db.Dialect, rows, time.Since(start).Round(time.Millisecond))

		for _, format := range []string{"jsonl", "csv"} {
			// The org admin's export goes through the privacy filter.
			start := time.Now()
			var n int
			var size int64
			growth, base := peakHeapGrowth(func() { n, size = streamExport(t, w, "alice", org.ID, format) })
			t.Logf("%s %s: %d rows, %.1f MB in %s; live heap %.1f MB before, peak growth %.1f MB",
				db.Dialect, format, n, mb(size), time.Since(start).Round(time.Millisecond), mb(int64(base)), mb(int64(growth)))
			if n != rows {
				t.Errorf("%s: exported %d rows, want %d", format, n, rows)
			}
			const bound = 16 << 20
			if growth > bound {
				t.Errorf("%s: live heap grew by %.1f MB exporting %.1f MB (bound %.0f MB): the export is not streaming",
					format, mb(int64(growth)), mb(size), mb(bound))
			}
			if db.Dialect == dialect.Postgres && size < 2*bound {
				t.Errorf("%s: export of %.1f MB is too small to show constant memory", format, mb(size))
			}
		}
	})
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// bulkActivity inserts n activity rows of org by user, each ~600 bytes as
// JSON: on PostgreSQL with one INSERT ... SELECT generate_series, on SQLite
// with ent bulk creates.
func bulkActivity(t *testing.T, db *database.DB, org, user uuid.UUID, n int) {
	t.Helper()
	ctx := context.Background()
	if db.Dialect == dialect.Postgres {
		_, err := db.SQL.ExecContext(ctx, `
INSERT INTO activity_logs (id, created_at, organization_id, actor_type, actor_user_id, activity_type, action,
	resource_type, resource_id, old_values, new_values, ip, user_agent, request_id)
SELECT `+testdb.UUIDv7SQL("now() - g * interval '1 millisecond'")+`, now() - g * interval '1 millisecond', $1::uuid, 'user', $2::uuid, 'update', 'task.update',
	'Task', gen_random_uuid(),
	jsonb_build_object('title', 'old title ' || g, 'description', repeat('x', 40)),
	jsonb_build_object('title', 'new title ' || g, 'description', repeat('y', 40)),
	'10.0.0.1', 'Mozilla/5.0 (X11; Linux x86_64) bulk-export-test', 'req-' || g
FROM generate_series(1, $3::int) AS g`, org, user, n)
		if err != nil {
			t.Fatalf("bulk insert: %v", err)
		}
		return
	}
	sys := testfix.System()
	for done := 0; done < n; {
		batch := make([]*ent.ActivityLogCreate, 0, 500)
		for ; done < n && len(batch) < cap(batch); done++ {
			batch = append(batch, db.Ent.ActivityLog.Create().SetOrganizationID(org).SetActorUserID(user).
				SetActorType(activitylog.ActorTypeUser).SetActivityType(activitylog.ActivityTypeUpdate).
				SetAction("task.update").SetResourceType("Task").SetResourceID(uuid.New()).
				SetOldValues(map[string]any{"title": fmt.Sprintf("old title %d", done), "description": strings.Repeat("x", 40)}).
				SetNewValues(map[string]any{"title": fmt.Sprintf("new title %d", done), "description": strings.Repeat("y", 40)}).
				SetIP("10.0.0.1").SetUserAgent("Mozilla/5.0 (X11; Linux x86_64) bulk-export-test").
				SetRequestID(fmt.Sprintf("req-%d", done)))
		}
		if err := db.Ent.ActivityLog.CreateBulk(batch...).Exec(sys); err != nil {
			t.Fatalf("bulk insert: %v", err)
		}
	}
}

// peakHeapGrowth runs fn while sampling the live heap (HeapInuse right
// after a forced GC, so garbage awaiting collection does not count) every
// 50 ms, and returns the peak growth over the live heap before fn.
func peakHeapGrowth(fn func()) (growth, base uint64) {
	live := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	base = live()
	var (
		peak uint64
		wg   sync.WaitGroup
	)
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				peak = max(peak, live())
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	if peak < base {
		return 0, base
	}
	return peak - base, base
}

// streamExport reads the export of org as user line by line, without
// keeping it, checking that ids strictly descend (each row once, newest
// first); it returns the rows and bytes read.
func streamExport(t *testing.T, w *workspace, user string, org uuid.UUID, format string) (rows int, size int64) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), "GET",
		fmt.Sprintf("%s/audit/activity/export?format=%s&resource_type=Task&organization_id=%s", w.s.URL, format, org), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.tokens[user])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("export: %d %s", resp.StatusCode, b)
	}
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	var prev string
	for {
		line, err := r.ReadSlice('\n')
		size += int64(len(line))
		if len(line) > 0 {
			id := lineID(t, line, format)
			if id == "id" && rows == 0 && format == "csv" {
				continue // the header
			}
			if prev != "" && id >= prev {
				t.Fatalf("row %d: id %s after %s: not strictly newest first", rows, id, prev)
			}
			prev = id
			rows++
		}
		if err == io.EOF {
			return rows, size
		}
		if err != nil {
			t.Fatalf("export read after %d rows: %v", rows, err)
		}
	}
}

// lineID is the id of one exported row (the first CSV column).
func lineID(t *testing.T, line []byte, format string) string {
	if format == "csv" {
		id, _, _ := bytes.Cut(line, []byte(","))
		return string(id)
	}
	var r struct {
		ID uuid.UUID `json:"id"`
	}
	if err := json.Unmarshal(line, &r); err != nil {
		t.Fatalf("JSONL line %.100q: %v", line, err)
	}
	return r.ID.String()
}

// TestAuditExportFailureAbortsTheTransfer: an export that fails after the
// response started (here the request deadline passes while the client is
// slow) must not end like a complete file: the connection is aborted, so
// the client reads an error instead of a clean end of file.
func TestAuditExportFailureAbortsTheTransfer(t *testing.T) {
	// Not parallel with other tests: depends on a wall-clock request
	// deadline. The two dialects only wait side by side.
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		// The deadline must pass after the response started, not before.
		deadline := 3 * time.Second
		if raceEnabled {
			deadline = 30 * time.Second
		}
		w := &workspace{t: t, s: testserver.Start(t, db, testserver.Env{"WORKSYNAPSE_HTTP_REQUEST_TIMEOUT": deadline.String(), "WORKSYNAPSE_APPROVALS_MAX_WAIT": "500ms"}),
			db: db, users: map[string]uuid.UUID{}, tokens: map[string]string{}}
		testfix.Seed(t, db.Ent)
		w.users["alice"] = register(t, w.s, "alice").ID
		w.tokens["alice"] = login(t, w.s, "alice", goodPassword).AccessToken
		org := w.createOrg("alice", "slow")
		bulkActivity(t, db, org.ID, w.users["alice"], 20_000) // ~12 MB: more than socket buffers hold

		req, err := http.NewRequestWithContext(context.Background(), "GET", w.s.URL+"/audit/activity/export", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+w.tokens["alice"])
		sent := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("export: %d", resp.StatusCode)
		}
		if _, err := io.ReadFull(resp.Body, make([]byte, 64<<10)); err != nil {
			t.Fatal(err)
		}
		// Stop reading until the request deadline has passed: the server's
		// next write then fails (it notices once the client reads again).
		time.Sleep(time.Until(sent.Add(deadline + 500*time.Millisecond)))
		n, err := io.Copy(io.Discard, resp.Body)
		if err == nil {
			t.Fatalf("the export ended cleanly after %d more bytes despite failing", n)
		}
		if !strings.Contains(w.s.Logs.String(), "audit export aborted") {
			t.Errorf("the aborted export was not logged")
		}
	})
}
