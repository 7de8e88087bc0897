package api_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// auditWorld: alice is ADMIN of A, bob ADMIN of B, carol DEVELOPER of A
// (no audit permission), root the SUPER_ADMIN. Fixture rows are written
// directly (system context) with known times in 2020, so every filter has
// an exact expected answer; the rows the API calls themselves write are
// checked against the visibility rule only.
type auditWorld struct {
	*workspace
	a, b      uuid.UUID
	agent     uuid.UUID
	act       map[string]*ent.ActivityLog      // fixture activity rows by name
	sec       map[string]*ent.SecurityAuditLog // fixture security rows by name
	resources map[string]uuid.UUID
}

var auditT0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func newAuditWorld(t *testing.T, db *database.DB) *auditWorld {
	t.Helper()
	w := &auditWorld{workspace: newWorkspace(t, db, "alice", "bob", "carol", "root"),
		agent: uuid.New(), act: map[string]*ent.ActivityLog{}, sec: map[string]*ent.SecurityAuditLog{},
		resources: map[string]uuid.UUID{"r1": uuid.New(), "r2": uuid.New(), "r3": uuid.New(), "p1": uuid.New()}}
	testfix.Tx(t, testfix.System(), db.Ent, func(tx *ent.Tx) error {
		return tx.User.UpdateOneID(w.users["root"]).SetIsSuperuser(true).Exec(testfix.System())
	})
	w.a = w.createOrg("alice", "audit-a").ID
	w.b = w.createOrg("bob", "audit-b").ID
	w.addMember("alice", w.a, "carol", "DEVELOPER")
	alice, bob, carol, root := w.users["alice"], w.users["bob"], w.users["carol"], w.users["root"]
	res := w.resources
	w.activity("a1", w.a, alice, uuid.Nil, "Task", res["r1"], "task.update", 0, nil)
	w.activity("a2", w.a, carol, uuid.Nil, "Task", res["r2"], "task.status_change", 1, func(c *ent.ActivityLogCreate) {
		c.SetIP("10.0.0.2").SetUserAgent("=HYPERLINK(\"http://evil.example\")").SetRequestID("-2+3")
	})
	w.activity("a3", w.a, uuid.Nil, w.agent, "Project", res["p1"], "project.update", 2, nil)
	w.activity("b1", w.b, bob, uuid.Nil, "Task", res["r3"], "task.update", 3, func(c *ent.ActivityLogCreate) {
		// Secrets that slipped past the write-time redaction, nested too.
		c.SetNewValues(map[string]any{"title": "ok", "api_key": "sk-live-123", "config": map[string]any{"client_secret": "hush"}})
	})
	w.activity("b2", w.b, carol, uuid.Nil, "Task", res["r3"], "task.update", 4, nil)
	w.activity("n1", uuid.Nil, root, uuid.Nil, "User", root, "user.update", 5, nil)

	w.security("s1", w.a, alice, "rbac.role_created", securityauditlog.SeverityInfo, "10.0.0.1", 0, nil)
	w.security("s2", uuid.Nil, carol, "auth.login_failed", securityauditlog.SeverityWarning, "192.0.2.7", 1, nil)
	w.security("s3", w.b, bob, "rbac.role_assigned", securityauditlog.SeverityCritical, "2001:db8::1", 2, nil)
	w.security("s4", uuid.Nil, alice, "auth.login", securityauditlog.SeverityInfo, "10.0.0.1", 3,
		map[string]any{"session_id": "s-1", "refresh_token": "rt-secret-value"})
	return w
}

// activity writes one fixture row hours after auditT0.
func (w *auditWorld) activity(name string, org, user, agent uuid.UUID, typ string, id uuid.UUID, action string, hours int, more func(*ent.ActivityLogCreate)) {
	w.t.Helper()
	sys := testfix.System()
	c := w.db.Ent.ActivityLog.Create().SetCreatedAt(auditT0.Add(time.Duration(hours) * time.Hour)).
		SetActorType(activitylog.ActorTypeUser).SetActivityType(activitylog.ActivityTypeUpdate).
		SetAction(action).SetResourceType(typ).SetResourceID(id).
		SetOldValues(map[string]any{"title": "before"}).SetNewValues(map[string]any{"title": "after"})
	if org != uuid.Nil {
		c.SetOrganizationID(org)
	}
	if user != uuid.Nil {
		c.SetActorUserID(user)
	}
	if agent != uuid.Nil {
		c.SetActorAgentID(agent).SetActorType(activitylog.ActorTypeAgent)
	}
	if more != nil {
		more(c)
	}
	w.act[name] = c.SaveX(sys)
}

// security writes one fixture event hours after auditT0.
func (w *auditWorld) security(name string, org, user uuid.UUID, kind string, sev securityauditlog.Severity, ip string, hours int, details map[string]any) {
	w.t.Helper()
	c := w.db.Ent.SecurityAuditLog.Create().SetCreatedAt(auditT0.Add(time.Duration(hours) * time.Hour)).
		SetEventType(kind).SetSeverity(sev).SetIP(ip).SetUserID(user).SetDetails(details)
	if org != uuid.Nil {
		c.SetOrganizationID(org)
	}
	w.sec[name] = c.SaveX(testfix.System())
}

// page is a list response (either log).
type auditPage[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// listAll pages through path?query as user and returns every row.
func listAll[T any](w *auditWorld, user, path string, query url.Values) []T {
	w.t.Helper()
	var all []T
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("limit", "100")
	for range 1000 {
		var p auditPage[T]
		w.must(200, user, "GET", path+"?"+q.Encode(), nil, &p)
		all = append(all, p.Items...)
		if p.NextCursor == nil {
			return all
		}
		q.Set("cursor", *p.NextCursor)
	}
	w.t.Fatalf("%s: endless pagination", path)
	return nil
}

func activityIDs(rows []audit.ActivityRecord) []uuid.UUID {
	out := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

func securityIDs(rows []audit.SecurityRecord) []uuid.UUID {
	out := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// fixtures names the fixture rows among ids, in the order of ids.
func fixtures[T interface {
	*ent.ActivityLog | *ent.SecurityAuditLog
}](named map[string]T, id func(T) uuid.UUID, ids []uuid.UUID) []string {
	byID := map[uuid.UUID]string{}
	for n, r := range named {
		byID[id(r)] = n
	}
	var out []string
	for _, i := range ids {
		if n, ok := byID[i]; ok {
			out = append(out, n)
		}
	}
	return out
}

func (w *auditWorld) activityNames(user string, query url.Values) []string {
	w.t.Helper()
	return fixtures(w.act, func(a *ent.ActivityLog) uuid.UUID { return a.ID },
		activityIDs(listAll[audit.ActivityRecord](w, user, "/audit/activity", query)))
}

func (w *auditWorld) securityNames(user string, query url.Values) []string {
	w.t.Helper()
	return fixtures(w.sec, func(s *ent.SecurityAuditLog) uuid.UUID { return s.ID },
		securityIDs(listAll[audit.SecurityRecord](w, user, "/audit/security", query)))
}

func wantNames(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %v, want %v (newest first)", what, got, want)
	}
}

func TestAuditActivityFilters(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAuditWorld(t, db)
		q := func(kv ...string) url.Values {
			v := url.Values{}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		id := func(u uuid.UUID) string { return u.String() }
		wantNames(t, "no filter", w.activityNames("root", nil), "n1", "b2", "b1", "a3", "a2", "a1")
		wantNames(t, "actor_user_id", w.activityNames("root", q("actor_user_id", id(w.users["carol"]))), "b2", "a2")
		wantNames(t, "actor_agent_id", w.activityNames("root", q("actor_agent_id", id(w.agent))), "a3")
		wantNames(t, "organization_id", w.activityNames("root", q("organization_id", id(w.b))), "b2", "b1")
		wantNames(t, "resource_type", w.activityNames("root", q("resource_type", "Project")), "a3")
		wantNames(t, "resource_id", w.activityNames("root", q("resource_id", id(w.resources["r3"]))), "b2", "b1")
		wantNames(t, "action", w.activityNames("root", q("action", "task.status_change")), "a2")
		wantNames(t, "from/to", w.activityNames("root",
			q("from", auditT0.Add(time.Hour).Format(time.RFC3339), "to", auditT0.Add(3*time.Hour).Format(time.RFC3339))), "a3", "a2")
		wantNames(t, "combined", w.activityNames("root",
			q("organization_id", id(w.a), "resource_type", "Task", "to", auditT0.Add(time.Hour).Format(time.RFC3339))), "a1")

		code, body := w.do("root", "GET", "/audit/activity?from=2020-01-02T00:00:00Z&to=2020-01-01T00:00:00Z", nil, nil)
		if code != 422 || !strings.Contains(string(body), `"to"`) {
			t.Errorf("inverted time range: want 422 naming to, got %d %s", code, body)
		}
		if code, body := w.do("root", "GET", "/audit/activity?actor_user_id=nope", nil, nil); code != 422 {
			t.Errorf("malformed uuid filter: want 422, got %d %s", code, body)
		}
	})
}

func TestAuditSecurityFilters(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAuditWorld(t, db)
		q := func(k, v string) url.Values { return url.Values{k: {v}} }
		wantNames(t, "no filter", w.securityNames("root", nil), "s4", "s3", "s2", "s1")
		wantNames(t, "user_id", w.securityNames("root", q("user_id", w.users["alice"].String())), "s4", "s1")
		wantNames(t, "organization_id", w.securityNames("root", q("organization_id", w.a.String())), "s1")
		wantNames(t, "event_type", w.securityNames("root", q("event_type", "auth.login_failed")), "s2")
		wantNames(t, "severity", w.securityNames("root", q("severity", "critical")), "s3")
		wantNames(t, "ip", w.securityNames("root", q("ip", "10.0.0.1")), "s4", "s1")
		wantNames(t, "ip in another spelling", w.securityNames("root", q("ip", "2001:DB8:0:0::1")), "s3")
		wantNames(t, "from", w.securityNames("root", q("from", auditT0.Add(2*time.Hour).Format(time.RFC3339))), "s4", "s3")
		for _, bad := range []string{"ip=10.0.0", "severity=fatal", "from=yesterday"} {
			if code, body := w.do("root", "GET", "/audit/security?"+bad, nil, nil); code != 422 {
				t.Errorf("%s: want 422, got %d %s", bad, code, body)
			}
		}
	})
}

func TestAuditVisibility(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAuditWorld(t, db)
		alice, carol := w.users["alice"], w.users["carol"]
		wantNames(t, "ADMIN of A, activity", w.activityNames("alice", nil), "a3", "a2", "a1")
		wantNames(t, "ADMIN of B, activity", w.activityNames("bob", nil), "b2", "b1")
		wantNames(t, "DEVELOPER of A sees own actions only", w.activityNames("carol", nil), "b2", "a2")
		wantNames(t, "ADMIN of A, security", w.securityNames("alice", nil), "s4", "s1")
		wantNames(t, "DEVELOPER of A, security", w.securityNames("carol", nil), "s2")
		wantNames(t, "superuser, security", w.securityNames("root", nil), "s4", "s3", "s2", "s1")

		// Filters never widen the visible set.
		org := url.Values{"organization_id": {w.b.String()}}
		wantNames(t, "ADMIN of A asking for B", w.activityNames("alice", org))
		wantNames(t, "member asking for A", w.activityNames("carol", url.Values{"organization_id": {w.a.String()}}), "a2")
		wantNames(t, "member asking for another actor", w.activityNames("carol", url.Values{"actor_user_id": {alice.String()}}))

		// Every row a user gets (fixtures and the rows the API calls
		// themselves wrote) is in their organization or their own.
		for _, r := range listAll[audit.ActivityRecord](w, "alice", "/audit/activity", nil) {
			if !(r.OrganizationID != nil && *r.OrganizationID == w.a) && !(r.ActorUserID != nil && *r.ActorUserID == alice) {
				t.Errorf("alice sees activity %s of org %v by %v", r.ID, r.OrganizationID, r.ActorUserID)
			}
		}
		for _, r := range listAll[audit.ActivityRecord](w, "carol", "/audit/activity", nil) {
			if r.ActorUserID == nil || *r.ActorUserID != carol {
				t.Errorf("carol sees activity %s by %v", r.ID, r.ActorUserID)
			}
		}
		for _, r := range listAll[audit.SecurityRecord](w, "carol", "/audit/security", nil) {
			if r.UserID == nil || *r.UserID != carol {
				t.Errorf("carol sees security event %s (%s) of %v", r.ID, r.EventType, r.UserID)
			}
		}
		// And export follows the same rule.
		_, body := w.export("carol", "/audit/activity/export?format=jsonl", nil)
		for _, r := range decodeJSONL[audit.ActivityRecord](t, body) {
			if r.ActorUserID == nil || *r.ActorUserID != carol {
				t.Errorf("carol exports activity %s by %v", r.ID, r.ActorUserID)
			}
		}
	})
}

func TestAuditPaginationIsStable(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAuditWorld(t, db)
		target := uuid.New()
		for i := range 7 {
			w.activity(fmt.Sprintf("p%d", i+1), w.a, w.users["alice"], uuid.Nil, "Page", target, "page.update", 10+i, nil)
		}
		path := "/audit/activity?limit=3&resource_id=" + target.String()
		var seen []string
		next := func(cursor string) *string {
			var p auditPage[audit.ActivityRecord]
			u := path
			if cursor != "" {
				u += "&cursor=" + url.QueryEscape(cursor)
			}
			w.must(200, "alice", "GET", u, nil, &p)
			seen = append(seen, fixtures(w.act, func(a *ent.ActivityLog) uuid.UUID { return a.ID }, activityIDs(p.Items))...)
			return p.NextCursor
		}
		c := next("")
		// Rows written between two pages are newer: they never shift,
		// repeat or skip the rows of later pages.
		w.activity("late1", w.a, w.users["alice"], uuid.Nil, "Page", target, "page.update", 20, nil)
		w.activity("late2", w.a, w.users["alice"], uuid.Nil, "Page", target, "page.update", 21, nil)
		c = next(*c)
		if c == nil {
			t.Fatal("second page claims to be the last")
		}
		if c = next(*c); c != nil {
			t.Errorf("third page has a next cursor %q", *c)
		}
		wantNames(t, "pages", seen, "p7", "p6", "p5", "p4", "p3", "p2", "p1")
		if code, body := w.do("alice", "GET", path+"&cursor=garbage", nil, nil); code != 422 {
			t.Errorf("bad cursor: want 422, got %d %s", code, body)
		}
	})
}

// export GETs path as user with extra headers and returns the response
// (status 200 required) and body.
func (w *auditWorld) export(user, path string, header http.Header) (*http.Response, []byte) {
	w.t.Helper()
	h := http.Header{"Authorization": {"Bearer " + w.tokens[user]}}
	for k, v := range header {
		h[k] = v
	}
	resp, body := w.s.Do(w.t, "GET", path, "", nil, h)
	if resp.StatusCode != 200 {
		w.t.Fatalf("GET %s: want 200, got %d %s", path, resp.StatusCode, body)
	}
	return resp, body
}

func decodeJSONL[T any](t *testing.T, body []byte) []T {
	t.Helper()
	var out []T
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r T
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("JSONL line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameRows compares exported rows with the list API's, created_at to the
// second (the list API encodes RFC 3339 seconds, the export keeps more).
func sameRows[T any](t *testing.T, what string, got, want []T, norm func(*T)) {
	t.Helper()
	for i := range got {
		norm(&got[i])
	}
	for i := range want {
		norm(&want[i])
	}
	g, _ := json.Marshal(got)
	x, _ := json.Marshal(want)
	if !bytes.Equal(g, x) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, x)
	}
}

func normActivity(r *audit.ActivityRecord) { r.CreatedAt = r.CreatedAt.Truncate(time.Second).UTC() }
func normSecurity(r *audit.SecurityRecord) { r.CreatedAt = r.CreatedAt.Truncate(time.Second).UTC() }

func TestAuditExportJSONLAndCSV(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAuditWorld(t, db)
		want := listAll[audit.ActivityRecord](w, "alice", "/audit/activity", nil)

		resp, body := w.export("alice", "/audit/activity/export", http.Header{"Accept": {"application/x-ndjson"}})
		if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="activity-log-`) || !strings.HasSuffix(cd, `.jsonl"`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		got := decodeJSONL[audit.ActivityRecord](t, body)
		sameRows(t, "JSONL export vs list", got, want, normActivity)

		resp, body = w.export("alice", "/audit/activity/export?format=csv", nil)
		if ct := resp.Header.Get("Content-Type"); ct != "text/csv" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.HasSuffix(cd, `.csv"`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		sameRows(t, "CSV export vs list", csvActivity(t, body), want, normActivity)

		// Formula injection: attacker-controlled cells are defused in CSV,
		// and kept verbatim in JSON.
		a2 := w.act["a2"].ID.String()
		recs, _ := csv.NewReader(bytes.NewReader(body)).ReadAll()
		for _, rec := range recs {
			if rec[0] == a2 && (rec[13] != `'=HYPERLINK("http://evil.example")` || rec[14] != "'-2+3") {
				t.Errorf("CSV cells not defused: user_agent %q, request_id %q", rec[13], rec[14])
			}
		}

		// Security log, filtered, both formats.
		wantSec := listAll[audit.SecurityRecord](w, "root", "/audit/security", url.Values{"ip": {"10.0.0.1"}})
		_, body = w.export("root", "/audit/security/export?ip=10.0.0.1", nil) // no Accept: JSON Lines
		sameRows(t, "security JSONL", decodeJSONL[audit.SecurityRecord](t, body), wantSec, normSecurity)
		_, body = w.export("root", "/audit/security/export?ip=10.0.0.1", http.Header{"Accept": {"text/csv"}})
		sameRows(t, "security CSV", csvSecurity(t, body), wantSec, normSecurity)
		if len(wantSec) != 2 {
			t.Errorf("security export rows: %d, want 2", len(wantSec))
		}

		// An export is itself a security event, seen by the auditors of
		// the organization it names (not by another organization's).
		w.export("bob", "/audit/activity/export?format=csv&organization_id="+w.b.String(), nil)
		exported := url.Values{"event_type": {audit.EventExported}, "organization_id": {w.b.String()}}
		events := listAll[audit.SecurityRecord](w, "bob", "/audit/security", exported)
		if len(events) != 1 || events[0].UserID == nil || *events[0].UserID != w.users["bob"] ||
			events[0].Details["log"] != "activity" || events[0].Details["format"] != "csv" ||
			fmt.Sprint(events[0].Details["filters"]) != fmt.Sprintf("map[organization_id:%s]", w.b) {
			t.Errorf("export events: %+v", events)
		}
		if n := len(listAll[audit.SecurityRecord](w, "alice", "/audit/security", exported)); n != 0 {
			t.Errorf("alice sees %d export events of B", n)
		}
	})
}

// csvActivity parses an activity CSV export back into records.
func csvActivity(t *testing.T, body []byte) []audit.ActivityRecord {
	t.Helper()
	rows := csvRows(t, body, "id,created_at,organization_id,actor_type,actor_user_id,actor_agent_id,activity_type,"+
		"action,resource_type,resource_id,old_values,new_values,ip,user_agent,request_id")
	out := make([]audit.ActivityRecord, len(rows))
	for i, c := range rows {
		out[i] = audit.ActivityRecord{
			ID: uuid.MustParse(c[0]), CreatedAt: csvTime(t, c[1]), OrganizationID: csvUUID(c[2]), ActorType: c[3],
			ActorUserID: csvUUID(c[4]), ActorAgentID: csvUUID(c[5]), ActivityType: c[6], Action: c[7],
			ResourceType: c[8], ResourceID: uuid.MustParse(c[9]), OldValues: csvObject(t, c[10]), NewValues: csvObject(t, c[11]),
			IP: c[12], UserAgent: unquote(c[13]), RequestID: unquote(c[14]),
		}
	}
	return out
}

// csvSecurity parses a security CSV export back into records.
func csvSecurity(t *testing.T, body []byte) []audit.SecurityRecord {
	t.Helper()
	rows := csvRows(t, body, "id,created_at,organization_id,event_type,severity,user_id,agent_id,ip,user_agent,request_id,details")
	out := make([]audit.SecurityRecord, len(rows))
	for i, c := range rows {
		out[i] = audit.SecurityRecord{
			ID: uuid.MustParse(c[0]), CreatedAt: csvTime(t, c[1]), OrganizationID: csvUUID(c[2]), EventType: c[3],
			Severity: c[4], UserID: csvUUID(c[5]), AgentID: csvUUID(c[6]), IP: c[7], UserAgent: unquote(c[8]),
			RequestID: unquote(c[9]), Details: csvObject(t, c[10]),
		}
	}
	return out
}

// csvRows checks the fixed header and returns the data rows.
func csvRows(t *testing.T, body []byte, header string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != header {
		t.Fatalf("CSV header %v", recs)
	}
	return recs[1:]
}

func csvTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("CSV time %q: %v", s, err)
	}
	return v
}

func csvUUID(s string) *uuid.UUID {
	if s == "" {
		return nil
	}
	id := uuid.MustParse(s)
	return &id
}

func csvObject(t *testing.T, s string) map[string]any {
	t.Helper()
	if s == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("CSV JSON cell %q: %v", s, err)
	}
	return m
}

// unquote undoes the formula-injection guard of a text cell.
func unquote(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

func TestAuditExportNegotiation(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAuditWorld(t, db)
		for _, c := range []struct {
			query, accept, want string
		}{
			{"", "", "application/x-ndjson"},
			{"", "*/*", "application/x-ndjson"},
			{"", "text/csv", "text/csv"},
			{"", "text/*", "text/csv"},
			{"", "text/csv, */*", "text/csv"},
			{"", "text/csv;q=0.5, application/x-ndjson", "application/x-ndjson"},
			{"", "application/json, text/csv;q=0.1", "text/csv"},
			{"format=jsonl", "text/csv", "application/x-ndjson"}, // the parameter wins
			{"format=csv", "application/json", "text/csv"},
		} {
			h := http.Header{}
			if c.accept != "" {
				h.Set("Accept", c.accept)
			}
			resp, _ := w.export("root", "/audit/security/export?"+c.query, h)
			if ct := resp.Header.Get("Content-Type"); ct != c.want {
				t.Errorf("format %q, Accept %q: got %s, want %s", c.query, c.accept, ct, c.want)
			}
		}
		for _, c := range []struct {
			query, accept string
			status        int
		}{
			{"", "application/json", http.StatusNotAcceptable},
			{"", "text/csv;q=0, application/xml", http.StatusNotAcceptable},
			{"format=xml", "", http.StatusUnprocessableEntity},
		} {
			resp, body := w.s.Do(t, "GET", "/audit/activity/export?"+c.query, "", nil,
				http.Header{"Authorization": {"Bearer " + w.tokens["root"]}, "Accept": {c.accept}})
			if resp.StatusCode != c.status || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("format %q, Accept %q: got %d %s %s, want a %d problem", c.query, c.accept,
					resp.StatusCode, resp.Header.Get("Content-Type"), body, c.status)
			}
		}
		if resp, _ := w.s.Do(t, "GET", "/audit/activity/export", "", nil, nil); resp.StatusCode != 401 {
			t.Errorf("anonymous export: %d", resp.StatusCode)
		}
	})
}

func TestAuditRowsCarryNoSecrets(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAuditWorld(t, db)
		// The audit hook redacts at write time: a password change through
		// the API leaves no hash in the trail.
		w.must(204, "bob", "POST", "/auth/password/change", map[string]string{
			"current_password": goodPassword, "new_password": "another long passphrase!"}, nil)
		var bodies [][]byte
		for _, p := range []string{"/audit/activity", "/audit/activity/export", "/audit/activity/export?format=csv",
			"/audit/security", "/audit/security/export", "/audit/security/export?format=csv"} {
			_, b := w.export("root", p, nil)
			bodies = append(bodies, b)
		}
		hash := w.db.Ent.User.GetX(testfix.System(), w.users["bob"]).PasswordHash
		for i, b := range bodies {
			for _, secret := range []string{"sk-live-123", "hush", "rt-secret-value", hash, "another long passphrase"} {
				if bytes.Contains(b, []byte(secret)) {
					t.Errorf("response %d contains secret %q", i, secret)
				}
			}
		}
		if !bytes.Contains(bodies[1], []byte(`"api_key":"[REDACTED]"`)) || !bytes.Contains(bodies[4], []byte(`"refresh_token":"[REDACTED]"`)) {
			t.Errorf("redaction marker missing")
		}
	})
}
