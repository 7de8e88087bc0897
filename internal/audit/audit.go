// Package audit writes the ActivityLog: one row per created, updated or
// deleted entity, in the same transaction as the change, so a rolled-back
// change leaves no audit row and a committed one always has one.
package audit

import (
	"context"
	"fmt"
	"strings"

	"entgo.io/ent"
	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/internal/requestmeta"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// mutation is what the hook needs of every generated mutation.
type mutation interface {
	ent.Mutation
	Client() *gen.Client
	Tx() (*gen.Tx, error)
	ID() (uuid.UUID, bool)
	IDs(context.Context) ([]uuid.UUID, error)
}

// Hook is the ent hook, registered by the AuditMixin of every business
// entity.
func Hook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			am, ok := m.(mutation)
			if !ok {
				return nil, fmt.Errorf("audit: unexpected mutation type %T", m)
			}
			// Outside a transaction the audit row could be lost or outlive a
			// failed change; refuse rather than audit on a best-effort basis.
			if _, err := am.Tx(); err != nil {
				return nil, fmt.Errorf("audit: %s %s must run in a transaction", m.Op(), m.Type())
			}
			return record(ctx, am, next)
		})
	}
}

func record(ctx context.Context, m mutation, next ent.Mutator) (ent.Value, error) {
	var (
		entries []entry
		err     error
	)
	if !m.Op().Is(ent.OpCreate) {
		if entries, err = before(ctx, m); err != nil {
			return nil, err
		}
		// Before the change: a purge removes the row, an update may move it.
		if err := setProjects(ctx, m, entries); err != nil {
			return nil, err
		}
	}
	v, err := next.Mutate(ctx, m)
	if err != nil {
		return v, err
	}
	if m.Op().Is(ent.OpCreate) {
		id, _ := m.ID()
		org, _ := fieldUUID(m, "organization_id")
		entries = []entry{{id: id, org: org, newValues: changedFields(m)}}
		if err := setProjects(ctx, m, entries); err != nil {
			return nil, err
		}
	}
	return v, write(ctx, m, entries)
}

// entry is one ActivityLog row in the making.
type entry struct {
	id                   uuid.UUID
	org                  uuid.UUID
	project              uuid.UUID // none when uuid.Nil
	oldValues, newValues map[string]any
}

// setProjects fills in the project of each entry about a project-scoped
// row (see scopes), which bounds who may read the audit row.
func setProjects(ctx context.Context, m mutation, entries []entry) error {
	ids := make([]uuid.UUID, len(entries))
	for i, e := range entries {
		ids[i] = e.id
	}
	// Why a system context: the project is looked up whatever the viewer
	// may read; the change itself is decided by its own privacy rules.
	projects, err := projectIDs(viewer.NewSystemContext(ctx, "audit hook: project of a row"), m, ids)
	if err != nil {
		return err
	}
	for i := range entries {
		entries[i].project = projects[entries[i].id]
	}
	return nil
}

// before captures ids and old values, which are gone once the change runs.
func before(ctx context.Context, m mutation) ([]entry, error) {
	if id, ok := m.ID(); ok && m.Op().Is(ent.OpUpdateOne) {
		old := map[string]any{}
		for _, f := range m.Fields() {
			if v, err := m.OldField(ctx, f); err == nil {
				old[f] = v
			}
		}
		for _, f := range m.ClearedFields() {
			if v, err := m.OldField(ctx, f); err == nil {
				old[f] = v
			}
		}
		org, _ := oldUUID(ctx, m, "organization_id")
		return []entry{{id: id, org: org, oldValues: redact(old), newValues: changedFields(m)}}, nil
	}
	// Bulk changes: one row per affected entity; old values are not loaded
	// per row (handlers change rows one at a time where history matters).
	ids, err := m.IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: ids of %s: %w", m.Type(), err)
	}
	entries := make([]entry, len(ids))
	for i, id := range ids {
		entries[i] = entry{id: id, newValues: changedFields(m)}
	}
	return entries, nil
}

func write(ctx context.Context, m mutation, entries []entry) error {
	if len(entries) == 0 {
		return nil
	}
	v := viewer.FromContext(ctx)
	meta := requestmeta.FromContext(ctx)
	kind, action := classify(m)
	// Why a system context: ActivityLog is append-only and no principal may
	// insert into it directly; this hook is its only writer.
	sys := viewer.NewSystemContext(ctx, "audit hook")
	builders := make([]*gen.ActivityLogCreate, len(entries))
	for i, e := range entries {
		org := e.org
		if m.Type() == "Organization" {
			org = e.id
		}
		builders[i] = newRow(m.Client(), v, meta, org).
			SetActivityType(kind).
			SetAction(action).
			SetResourceType(m.Type()).
			SetResourceID(e.id).
			SetOldValues(e.oldValues).
			SetNewValues(e.newValues)
		if e.project != uuid.Nil {
			builders[i].SetProjectID(e.project)
		}
	}
	if err := m.Client().ActivityLog.CreateBulk(builders...).Exec(sys); err != nil {
		return fmt.Errorf("audit: write %s: %w", action, err)
	}
	return nil
}

// newRow starts an ActivityLog row of organization org (uuid.Nil, the
// column's sentinel, for none: see oasfield.NilIsNull) with the actor v
// and the request's metadata.
func newRow(c *gen.Client, v *viewer.Viewer, meta requestmeta.Meta, org uuid.UUID) *gen.ActivityLogCreate {
	b := c.ActivityLog.Create().
		SetOrganizationID(org).
		SetActorType(actorType(v)).
		SetIP(meta.ClientIP).
		SetUserAgent(meta.UserAgent).
		SetRequestID(meta.RequestID)
	if v != nil && v.UserID != uuid.Nil {
		b.SetActorUserID(v.UserID)
	}
	if v != nil && v.AgentID != uuid.Nil {
		b.SetActorAgentID(v.AgentID)
	}
	return b
}

// classify names the change: create, update, delete (soft) or purge (hard),
// and the action, e.g. "task.update" or "task.status_change".
func classify(m mutation) (activitylog.ActivityType, string) {
	prefix := snake(m.Type()) + "."
	switch {
	case m.Op().Is(ent.OpCreate):
		return activitylog.ActivityTypeCreate, prefix + "create"
	case m.Op().Is(ent.OpDelete | ent.OpDeleteOne):
		return activitylog.ActivityTypePurge, prefix + "purge"
	}
	if _, ok := m.Field("deleted_at"); ok {
		return activitylog.ActivityTypeDelete, prefix + "delete"
	}
	if _, ok := m.Field("status"); ok {
		return activitylog.ActivityTypeUpdate, prefix + "status_change"
	}
	return activitylog.ActivityTypeUpdate, prefix + "update"
}

func actorType(v *viewer.Viewer) activitylog.ActorType {
	switch {
	case v == nil || v.IsSystem():
		return activitylog.ActorTypeSystem
	case v.AgentID != uuid.Nil:
		return activitylog.ActorTypeAgent
	case v.Service:
		return activitylog.ActorTypeService
	default:
		return activitylog.ActorTypeUser
	}
}

// changedFields are the new values of the fields this mutation sets or
// clears, plus edges it adds or removes, secrets redacted.
func changedFields(m mutation) map[string]any {
	out := map[string]any{}
	for _, f := range m.Fields() {
		v, _ := m.Field(f)
		out[f] = v
	}
	for _, f := range m.ClearedFields() {
		out[f] = nil
	}
	for _, e := range m.AddedEdges() {
		out["+"+e] = m.AddedIDs(e)
	}
	for _, e := range m.RemovedEdges() {
		out["-"+e] = m.RemovedIDs(e)
	}
	return redact(out)
}

func fieldUUID(m mutation, name string) (uuid.UUID, bool) {
	v, ok := m.Field(name)
	if !ok {
		return uuid.Nil, false
	}
	id, ok := v.(uuid.UUID)
	return id, ok
}

func oldUUID(ctx context.Context, m mutation, name string) (uuid.UUID, bool) {
	v, err := m.OldField(ctx, name)
	if err != nil {
		return uuid.Nil, false
	}
	id, ok := v.(uuid.UUID)
	return id, ok
}

// Redacted replaces a secret value in old/new values.
const Redacted = "[REDACTED]"

// secretSuffixes name fields whose values never reach the audit trail.
var secretSuffixes = []string{"password", "password_hash", "_hash", "secret", "recovery_codes", "mfa_last_used_step", "_key", "token"}

func redact(values map[string]any) map[string]any {
	for k := range values {
		name := strings.TrimLeft(k, "+-")
		for _, s := range secretSuffixes {
			if strings.HasSuffix(name, s) {
				values[k] = Redacted
				break
			}
		}
	}
	return values
}

// snake converts "TaskComment" to "task_comment".
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
