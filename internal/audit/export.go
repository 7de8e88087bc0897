package audit

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Format is an export file format.
type Format int

// The export formats.
const (
	JSONL Format = iota // JSON Lines: one object per row, as the list API returns it
	CSV                 // RFC 4180 with a fixed header row
)

// ContentType is the media type of the format.
func (f Format) ContentType() string {
	if f == CSV {
		return "text/csv"
	}
	return "application/x-ndjson"
}

// Extension is the file name extension of the format.
func (f Format) Extension() string {
	if f == CSV {
		return "csv"
	}
	return "jsonl"
}

// ExportBatch is how many rows an export reads per query. The export holds
// one batch at a time, so its memory does not grow with the log.
const ExportBatch = 1000

// ExportActivity streams the visible ActivityLog rows matching f, newest
// first, in format. See export for the reader's contract.
func (r *Reader) ExportActivity(ctx context.Context, f ActivityFilter, format Format) (io.ReadCloser, error) {
	ps, err := f.predicates()
	if err != nil {
		return nil, err
	}
	if err := recordExport(ctx, r.client, "activity", format, f.OrganizationID, f.fields()); err != nil {
		return nil, err
	}
	return export(ctx, format, table[*gen.ActivityLog]{
		fetch: func(ctx context.Context, before uuid.UUID) ([]*gen.ActivityLog, error) {
			q := r.client.ActivityLog.Query().Where(ps...)
			if before != uuid.Nil {
				q.Where(activitylog.IDLT(before))
			}
			rows, err := q.Order(activitylog.ByID(sql.OrderDesc())).Limit(ExportBatch).All(ctx)
			for _, a := range rows {
				redactActivity(a)
			}
			return rows, err
		},
		id:     activityID,
		header: activityHeader,
		record: ActivityRecordOf,
		cells:  activityCells,
	})
}

// ExportSecurity streams the visible SecurityAuditLog rows matching f,
// newest first, in format. See export for the reader's contract.
func (r *Reader) ExportSecurity(ctx context.Context, f SecurityFilter, format Format) (io.ReadCloser, error) {
	ps, err := f.predicates()
	if err != nil {
		return nil, err
	}
	if err := recordExport(ctx, r.client, "security", format, f.OrganizationID, f.fields()); err != nil {
		return nil, err
	}
	return export(ctx, format, table[*gen.SecurityAuditLog]{
		fetch: func(ctx context.Context, before uuid.UUID) ([]*gen.SecurityAuditLog, error) {
			q := r.client.SecurityAuditLog.Query().Where(ps...)
			if before != uuid.Nil {
				q.Where(securityauditlog.IDLT(before))
			}
			rows, err := q.Order(securityauditlog.ByID(sql.OrderDesc())).Limit(ExportBatch).All(ctx)
			for _, s := range rows {
				redactSecurity(s)
			}
			return rows, err
		},
		id:     securityID,
		header: securityHeader,
		record: SecurityRecordOf,
		cells:  securityCells,
	})
}

// EventExported is the SecurityAuditLog event of an audit export.
const EventExported = "audit.exported"

// recordExport writes who exported which log with which filters: an export
// copies the organization's trail (IP addresses, user agents, changes) out
// of the system, so it is itself a security event, visible to the
// organization's auditors when the export names the organization. It is
// written before any row is sent; if it cannot be written, nothing is.
func recordExport(ctx context.Context, client *gen.Client, log string, format Format, org uuid.UUID, filters map[string]any) error {
	// Why a system context: a transaction of the audit package's own;
	// RecordSecurityEvent records the viewer as the row's actor.
	sys := viewer.NewSystemContext(ctx, "audit export event")
	// One insert is atomic by itself; it runs in a transaction because
	// every write does (database.WithTx, which ent/schema's import of this
	// package keeps out of reach).
	tx, err := client.Tx(sys)
	if err != nil {
		return fmt.Errorf("audit: record export: %w", err)
	}
	err = RecordSecurityEvent(ctx, tx, SecurityEvent{Type: EventExported, Org: org,
		Details: map[string]any{"log": log, "format": format.Extension(), "filters": filters}})
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("audit: record export: %w", err)
	}
	return nil
}

// table is how the rows of one audit table are read and written.
type table[T any] struct {
	// fetch reads the next ExportBatch rows by id descending, all of them
	// with ids below before (any id when before is uuid.Nil).
	fetch  func(ctx context.Context, before uuid.UUID) ([]T, error)
	id     func(T) uuid.UUID
	header []string
	record func(T) any      // the JSON Lines object
	cells  func(T) []string // the CSV row, in header order
}

// export reads the first batch now, so that an error before any byte is
// sent (the database unreachable, a query refused) is still a proper
// error response, then streams the rest from a goroutine through a pipe:
// the caller's reads pace the database reads (keyset batches: rows
// inserted meanwhile, with newer ids, never shift or repeat a row).
//
// The reader ends with io.EOF after the last row, or with the error that
// stopped the export (a failed query, ctx cancelled or past its deadline).
// The caller must Close it; closing early stops the goroutine.
func export[T any](ctx context.Context, format Format, t table[T]) (io.ReadCloser, error) {
	first, err := t.fetch(ctx, uuid.Nil)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	// A write blocked on a reader that went away must not hold the
	// goroutine (and its batch) forever: cancelling ctx unblocks it.
	stop := context.AfterFunc(ctx, func() { pr.CloseWithError(context.Cause(ctx)) })
	go func() {
		defer stop()
		pw.CloseWithError(t.write(ctx, pw, first, format))
	}()
	return pr, nil
}

// write encodes rows and then every following batch into w.
func (t table[T]) write(ctx context.Context, w io.Writer, rows []T, format Format) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	put, err := t.encoder(bw, format)
	if err != nil {
		return err
	}
	for {
		for _, r := range rows {
			if err := put(r); err != nil {
				return err
			}
		}
		if len(rows) < ExportBatch {
			return bw.Flush()
		}
		var err error
		if rows, err = t.fetch(ctx, t.id(rows[len(rows)-1])); err != nil {
			return fmt.Errorf("audit: export batch: %w", err)
		}
	}
}

// encoder returns the function writing one row in format (the CSV header
// is written first).
func (t table[T]) encoder(w *bufio.Writer, format Format) (func(T) error, error) {
	if format == JSONL {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return func(r T) error { return enc.Encode(t.record(r)) }, nil
	}
	cw := csv.NewWriter(w)
	put := func(cells []string) error {
		for i, c := range cells {
			cells[i] = csvSafe(c)
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
		// csv.Writer buffers on its own; hand each row on to w, whose
		// buffer is the one that paces the pipe.
		cw.Flush()
		return cw.Error()
	}
	if err := put(append([]string(nil), t.header...)); err != nil {
		return nil, err
	}
	return func(r T) error { return put(t.cells(r)) }, nil
}

// csvSafe defuses spreadsheet formula injection as OWASP advises: a cell
// starting with =, +, -, @, tab or carriage return is prefixed with a
// single quote, so spreadsheet software shows it as text instead of
// evaluating it (user agents, request ids and resource values are
// attacker-controlled).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ActivityRecord is an ActivityLog row as exported: the same fields and
// names as the API's AuditActivityEntry.
type ActivityRecord struct {
	ID             uuid.UUID      `json:"id"`
	CreatedAt      time.Time      `json:"created_at"`
	OrganizationID *uuid.UUID     `json:"organization_id,omitempty"`
	ActorType      string         `json:"actor_type"`
	ActorUserID    *uuid.UUID     `json:"actor_user_id,omitempty"`
	ActorAgentID   *uuid.UUID     `json:"actor_agent_id,omitempty"`
	ActivityType   string         `json:"activity_type"`
	Action         string         `json:"action"`
	ResourceType   string         `json:"resource_type"`
	ResourceID     uuid.UUID      `json:"resource_id"`
	OldValues      map[string]any `json:"old_values,omitempty"`
	NewValues      map[string]any `json:"new_values,omitempty"`
	IP             string         `json:"ip,omitempty"`
	UserAgent      string         `json:"user_agent,omitempty"`
	RequestID      string         `json:"request_id,omitempty"`
}

// ActivityRecordOf is the exported form of a (redacted) row.
func ActivityRecordOf(a *gen.ActivityLog) any {
	return ActivityRecord{
		ID: a.ID, CreatedAt: a.CreatedAt.UTC(), OrganizationID: orgOf(a.OrganizationID),
		ActorType: string(a.ActorType), ActorUserID: a.ActorUserID, ActorAgentID: a.ActorAgentID,
		ActivityType: string(a.ActivityType), Action: a.Action, ResourceType: a.ResourceType, ResourceID: a.ResourceID,
		OldValues: a.OldValues, NewValues: a.NewValues, IP: a.IP, UserAgent: a.UserAgent, RequestID: a.RequestID,
	}
}

// activityHeader is the fixed CSV header of the activity export.
var activityHeader = []string{
	"id", "created_at", "organization_id", "actor_type", "actor_user_id", "actor_agent_id", "activity_type",
	"action", "resource_type", "resource_id", "old_values", "new_values", "ip", "user_agent", "request_id",
}

func activityCells(a *gen.ActivityLog) []string {
	return []string{
		a.ID.String(), csvTime(a.CreatedAt), csvID(orgOf(a.OrganizationID)), string(a.ActorType), csvID(a.ActorUserID),
		csvID(a.ActorAgentID), string(a.ActivityType), a.Action, a.ResourceType, a.ResourceID.String(),
		csvJSON(a.OldValues), csvJSON(a.NewValues), a.IP, a.UserAgent, a.RequestID,
	}
}

// SecurityRecord is a SecurityAuditLog row as exported: the same fields
// and names as the API's SecurityEvent.
type SecurityRecord struct {
	ID             uuid.UUID      `json:"id"`
	CreatedAt      time.Time      `json:"created_at"`
	OrganizationID *uuid.UUID     `json:"organization_id,omitempty"`
	EventType      string         `json:"event_type"`
	Severity       string         `json:"severity"`
	UserID         *uuid.UUID     `json:"user_id,omitempty"`
	AgentID        *uuid.UUID     `json:"agent_id,omitempty"`
	IP             string         `json:"ip,omitempty"`
	UserAgent      string         `json:"user_agent,omitempty"`
	RequestID      string         `json:"request_id,omitempty"`
	Details        map[string]any `json:"details,omitempty"`
}

// SecurityRecordOf is the exported form of a (redacted) row.
func SecurityRecordOf(s *gen.SecurityAuditLog) any {
	return SecurityRecord{
		ID: s.ID, CreatedAt: s.CreatedAt.UTC(), OrganizationID: orgOf(s.OrganizationID), EventType: s.EventType,
		Severity: string(s.Severity), UserID: s.UserID, AgentID: s.AgentID, IP: s.IP, UserAgent: s.UserAgent,
		RequestID: s.RequestID, Details: s.Details,
	}
}

// securityHeader is the fixed CSV header of the security export.
var securityHeader = []string{
	"id", "created_at", "organization_id", "event_type", "severity", "user_id", "agent_id", "ip", "user_agent",
	"request_id", "details",
}

func securityCells(s *gen.SecurityAuditLog) []string {
	return []string{
		s.ID.String(), csvTime(s.CreatedAt), csvID(orgOf(s.OrganizationID)), s.EventType, string(s.Severity),
		csvID(s.UserID), csvID(s.AgentID), s.IP, s.UserAgent, s.RequestID, csvJSON(s.Details),
	}
}

func csvTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func csvID(id *uuid.UUID) string {
	if id == nil {
		return ""
	}
	return id.String()
}

// csvJSON is a JSON object column: empty when absent.
func csvJSON(m map[string]any) string {
	if m == nil {
		return ""
	}
	b, err := json.Marshal(m)
	if err != nil {
		// Values were decoded from JSON by the driver, so they encode.
		return ""
	}
	return string(b)
}
