package audit

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/auditseal"
	"github.com/worksynapse/worksynapse/ent/predicate"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
)

// row is one audit row in canonical form. Line is what is hashed, what a
// seal file's per-row hash is of, and what retention exports: one JSON
// object of every column (keys sorted, times in UTC RFC 3339), so a row
// read back from an export file hashes exactly like the row in the table.
type row struct {
	ID   uuid.UUID
	Org  *uuid.UUID
	Line []byte
}

// leaf is the row's hash, the unit the rows_hash is built from.
func (r row) leaf() [32]byte { return sha256.Sum256(r.Line) }

// rowFilter selects rows of one table in id order: After < id < Before
// (uuid.Nil / uuid.Max for no bound), optionally of one organization and
// created before a time, at most Limit rows.
type rowFilter struct {
	After, Before uuid.UUID
	Org           *uuid.UUID
	CreatedBefore time.Time
	Limit         int
}

// logTable adapts one audit table (ActivityLog or SecurityAuditLog) to the
// sealing, verification and retention code, which are table-agnostic.
type logTable struct {
	name auditseal.LogTable
	// sqlTable is the table's name in the database.
	sqlTable string
	rows     func(ctx context.Context, c *gen.Client, f rowFilter) ([]row, error)
	delete   func(ctx context.Context, tx *gen.Tx, ids []uuid.UUID) (int, error)
}

// Tables are the sealed audit tables, in the order they are processed.
var tables = []logTable{
	{name: auditseal.LogTableActivityLog, sqlTable: activitylog.Table, rows: activityRows, delete: deleteActivity},
	{name: auditseal.LogTableSecurityAuditLog, sqlTable: securityauditlog.Table, rows: securityRows, delete: deleteSecurity},
}

// tableNamed returns the adapter of a log_table value.
func tableNamed(name string) (logTable, error) {
	for _, t := range tables {
		if string(t.name) == name {
			return t, nil
		}
	}
	return logTable{}, fmt.Errorf("audit: unknown log table %q (want activity_log or security_audit_log)", name)
}

func activityRows(ctx context.Context, c *gen.Client, f rowFilter) ([]row, error) {
	ps := []predicate.ActivityLog{activitylog.IDGT(f.After), activitylog.IDLT(f.Before)}
	if f.Org != nil {
		ps = append(ps, activitylog.OrganizationIDEQ(*f.Org))
	}
	if !f.CreatedBefore.IsZero() {
		ps = append(ps, activitylog.CreatedAtLT(f.CreatedBefore))
	}
	items, err := c.ActivityLog.Query().Where(ps...).Order(activitylog.ByID()).Limit(f.Limit).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: read activity_log: %w", err)
	}
	return canonAll(items, activityLine)
}

func securityRows(ctx context.Context, c *gen.Client, f rowFilter) ([]row, error) {
	ps := []predicate.SecurityAuditLog{securityauditlog.IDGT(f.After), securityauditlog.IDLT(f.Before)}
	if f.Org != nil {
		ps = append(ps, securityauditlog.OrganizationIDEQ(*f.Org))
	}
	if !f.CreatedBefore.IsZero() {
		ps = append(ps, securityauditlog.CreatedAtLT(f.CreatedBefore))
	}
	items, err := c.SecurityAuditLog.Query().Where(ps...).Order(securityauditlog.ByID()).Limit(f.Limit).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: read security_audit_log: %w", err)
	}
	return canonAll(items, securityLine)
}

func deleteActivity(ctx context.Context, tx *gen.Tx, ids []uuid.UUID) (int, error) {
	return tx.ActivityLog.Delete().Where(activitylog.IDIn(ids...)).Exec(ctx)
}

func deleteSecurity(ctx context.Context, tx *gen.Tx, ids []uuid.UUID) (int, error) {
	return tx.SecurityAuditLog.Delete().Where(securityauditlog.IDIn(ids...)).Exec(ctx)
}

func canonAll[T any](items []T, columns func(T) (uuid.UUID, *uuid.UUID, map[string]any)) ([]row, error) {
	out := make([]row, len(items))
	for i, it := range items {
		id, org, cols := columns(it)
		line, err := json.Marshal(cols)
		if err != nil {
			return nil, fmt.Errorf("audit: encode row %s: %w", id, err)
		}
		out[i] = row{ID: id, Org: org, Line: line}
	}
	return out, nil
}

// orgOf is a row's organization in the canonical and exported forms: nil
// (null) for the nil UUID, which the column holds for rows outside any
// organization (oasfield.NilIsNull). Rows sealed while the column was
// nullable and held NULL encode exactly as they did.
func orgOf(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// activityLine lists every column of activity_logs; TestCanonicalColumns
// fails when a column is added to the schema but not here (it would
// escape the seal). project_id came later: a row without one encodes
// without the key, exactly as rows sealed before the column existed, so
// their seals still verify; a row with one has it sealed.
func activityLine(a *gen.ActivityLog) (uuid.UUID, *uuid.UUID, map[string]any) {
	cols := activityColumns(a)
	if a.ProjectID != nil {
		cols[activitylog.FieldProjectID] = a.ProjectID
	}
	return a.ID, orgOf(a.OrganizationID), cols
}

// activityColumns are the columns every activity row has always encoded.
func activityColumns(a *gen.ActivityLog) map[string]any {
	return map[string]any{
		activitylog.FieldID:             a.ID,
		activitylog.FieldCreatedAt:      canonTime(a.CreatedAt),
		activitylog.FieldOrganizationID: orgOf(a.OrganizationID),
		activitylog.FieldActorType:      a.ActorType,
		activitylog.FieldActorUserID:    a.ActorUserID,
		activitylog.FieldActorAgentID:   a.ActorAgentID,
		activitylog.FieldActivityType:   a.ActivityType,
		activitylog.FieldAction:         a.Action,
		activitylog.FieldResourceType:   a.ResourceType,
		activitylog.FieldResourceID:     a.ResourceID,
		activitylog.FieldOldValues:      a.OldValues,
		activitylog.FieldNewValues:      a.NewValues,
		activitylog.FieldIP:             a.IP,
		activitylog.FieldUserAgent:      a.UserAgent,
		activitylog.FieldRequestID:      a.RequestID,
	}
}

// securityLine lists every column of security_audit_logs (see activityLine).
func securityLine(s *gen.SecurityAuditLog) (uuid.UUID, *uuid.UUID, map[string]any) {
	return s.ID, orgOf(s.OrganizationID), map[string]any{
		securityauditlog.FieldID:             s.ID,
		securityauditlog.FieldCreatedAt:      canonTime(s.CreatedAt),
		securityauditlog.FieldOrganizationID: orgOf(s.OrganizationID),
		securityauditlog.FieldEventType:      s.EventType,
		securityauditlog.FieldSeverity:       s.Severity,
		securityauditlog.FieldUserID:         s.UserID,
		securityauditlog.FieldAgentID:        s.AgentID,
		securityauditlog.FieldIP:             s.IP,
		securityauditlog.FieldUserAgent:      s.UserAgent,
		securityauditlog.FieldRequestID:      s.RequestID,
		securityauditlog.FieldDetails:        s.Details,
	}
}

// canonTime is a time in UTC with as many fractional digits as stored, so
// the same stored instant always encodes the same way whatever the
// session time zone of the driver.
func canonTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
