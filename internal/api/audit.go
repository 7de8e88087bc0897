package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/requestmeta"
)

// The audit operations map their filters onto internal/audit; which rows a
// caller sees is decided by rule.AuditLogPolicy, never here.

// ListAuditActivity implements GET /audit/activity.
func (h *Handler) ListAuditActivity(ctx context.Context, params oas.ListAuditActivityParams) (oas.ListAuditActivityRes, error) {
	f := audit.ActivityFilter{
		ActorUserID: params.ActorUserID.Or(uuid.Nil), ActorAgentID: params.ActorAgentID.Or(uuid.Nil),
		OrganizationID: params.OrganizationID.Or(uuid.Nil), ResourceID: params.ResourceID.Or(uuid.Nil),
		ResourceType: params.ResourceType.Or(""), Action: params.Action.Or(""),
		TimeRange: timeRange(params.From, params.To),
	}
	page, err := h.audit.ListActivity(ctx, f, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.AuditActivityPage{Items: convertAll(page.Items, deref(ToAPIAuditActivity)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// ExportAuditActivity implements GET /audit/activity/export.
func (h *Handler) ExportAuditActivity(ctx context.Context, params oas.ExportAuditActivityParams) (oas.ExportAuditActivityRes, error) {
	format, err := negotiateExport(string(params.Format.Or("")), params.Accept.Or(""))
	if err != nil {
		return nil, err
	}
	f := audit.ActivityFilter{
		ActorUserID: params.ActorUserID.Or(uuid.Nil), ActorAgentID: params.ActorAgentID.Or(uuid.Nil),
		OrganizationID: params.OrganizationID.Or(uuid.Nil), ResourceID: params.ResourceID.Or(uuid.Nil),
		ResourceType: params.ResourceType.Or(""), Action: params.Action.Or(""),
		TimeRange: timeRange(params.From, params.To),
	}
	body, err := h.audit.ExportActivity(ctx, f, format)
	if err != nil {
		return nil, err
	}
	return exportResponse(h.streamed(ctx, body), "activity-log", format), nil
}

// ListSecurityEvents implements GET /audit/security.
func (h *Handler) ListSecurityEvents(ctx context.Context, params oas.ListSecurityEventsParams) (oas.ListSecurityEventsRes, error) {
	f := audit.SecurityFilter{
		UserID: params.UserID.Or(uuid.Nil), AgentID: params.AgentID.Or(uuid.Nil),
		OrganizationID: params.OrganizationID.Or(uuid.Nil), EventType: params.EventType.Or(""),
		Severity: string(params.Severity.Or("")), IP: params.IP.Or(""),
		TimeRange: timeRange(params.From, params.To),
	}
	page, err := h.audit.ListSecurity(ctx, f, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.SecurityEventPage{Items: convertAll(page.Items, deref(ToAPISecurityEvent)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// ExportSecurityEvents implements GET /audit/security/export.
func (h *Handler) ExportSecurityEvents(ctx context.Context, params oas.ExportSecurityEventsParams) (oas.ExportSecurityEventsRes, error) {
	format, err := negotiateExport(string(params.Format.Or("")), params.Accept.Or(""))
	if err != nil {
		return nil, err
	}
	f := audit.SecurityFilter{
		UserID: params.UserID.Or(uuid.Nil), AgentID: params.AgentID.Or(uuid.Nil),
		OrganizationID: params.OrganizationID.Or(uuid.Nil), EventType: params.EventType.Or(""),
		Severity: string(params.Severity.Or("")), IP: params.IP.Or(""),
		TimeRange: timeRange(params.From, params.To),
	}
	body, err := h.audit.ExportSecurity(ctx, f, format)
	if err != nil {
		return nil, err
	}
	return exportResponse(h.streamed(ctx, body), "security-log", format), nil
}

func timeRange(from, to oas.OptDateTime) audit.TimeRange {
	return audit.TimeRange{From: from.Or(time.Time{}), To: to.Or(time.Time{})}
}

// exportResponse is the 200 of both exports: the body in format as an
// attachment named after the log and the current time. (The two types
// answer both export operations.)
func exportResponse(body io.Reader, name string, format audit.Format) interface {
	oas.ExportAuditActivityRes
	oas.ExportSecurityEventsRes
} {
	file := fmt.Sprintf("%s-%s.%s", name, time.Now().UTC().Format("20060102T150405Z"), format.Extension())
	disposition := oas.NewOptString(`attachment; filename="` + file + `"`)
	if format == audit.CSV {
		return &oas.AuditExportTextCsvHeaders{ContentDisposition: disposition, Response: oas.AuditExportTextCsv{Data: body}}
	}
	return &oas.AuditExportApplicationXNdjsonHeaders{ContentDisposition: disposition,
		Response: oas.AuditExportApplicationXNdjson{Data: body}}
}

// streamed wraps an export body for the response writer. Once the status
// and the first bytes are sent, a failure can no longer become a problem
// response, and ending the body normally would hand the client a file that
// looks complete; so, as middleware.Recover does for panics after the
// response started, the connection is aborted (http.ErrAbortHandler) and
// the client sees a truncated transfer.
func (h *Handler) streamed(ctx context.Context, body io.ReadCloser) io.ReadCloser {
	return &abortOnError{ReadCloser: body, fail: func(err error) {
		if !errors.Is(err, context.Canceled) {
			h.log.LogAttrs(ctx, slog.LevelError, "audit export aborted",
				slog.String("error", err.Error()),
				slog.String("request_id", requestmeta.FromContext(ctx).RequestID))
		}
	}}
}

// abortOnError is an export body whose read error aborts the response.
type abortOnError struct {
	io.ReadCloser
	fail func(error)
}

func (a *abortOnError) Read(p []byte) (int, error) {
	n, err := a.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		a.fail(err)
		_ = a.ReadCloser.Close()
		panic(http.ErrAbortHandler)
	}
	return n, err
}
