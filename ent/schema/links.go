package schema

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/privacy"
)

// The link tables of the many-to-many edges (a task's labels, a note's
// tags, an agent's tools) are edge schemas so that every link row carries
// its tenant's organization_id like every other tenant row: tenant-wide
// reads, exports, deletion and a future shard key find them by index.
// Nobody reads or writes them directly: the parent's edge is the API
// (task.AddLabelIDs, note.RemoveTagIDs, ...), and linkHook writes the rows.

// TaskLabel is a label on a task (edge schema of Task.labels).
type TaskLabel struct{ ent.Schema }

// Mixin of the TaskLabel.
func (TaskLabel) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TenantMixin{}, linkMixin{from: "task", fromType: Task.Type, to: "label", toType: Label.Type}}
}

// Annotations of the TaskLabel.
func (TaskLabel) Annotations() []schema.Annotation { return taskLabelLinks.annotations() }

// Policy of the TaskLabel.
func (TaskLabel) Policy() ent.Policy { return systemOnlyPolicy() }

// NoteTag is a tag on a note (edge schema of Note.tags).
type NoteTag struct{ ent.Schema }

// Mixin of the NoteTag.
func (NoteTag) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TenantMixin{}, linkMixin{from: "note", fromType: Note.Type, to: "note_tag_definition", toType: NoteTagDefinition.Type}}
}

// Annotations of the NoteTag.
func (NoteTag) Annotations() []schema.Annotation { return noteTagLinks.annotations() }

// Policy of the NoteTag.
func (NoteTag) Policy() ent.Policy { return systemOnlyPolicy() }

// AgentToolBinding attaches a tool to an agent (edge schema of
// Agent.tools).
type AgentToolBinding struct{ ent.Schema }

// Mixin of the AgentToolBinding.
func (AgentToolBinding) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TenantMixin{}, linkMixin{from: "agent", fromType: Agent.Type, to: "agent_tool", toType: AgentTool.Type}}
}

// Annotations of the AgentToolBinding.
func (AgentToolBinding) Annotations() []schema.Annotation { return agentToolLinks.annotations() }

// Policy of the AgentToolBinding.
func (AgentToolBinding) Policy() ent.Policy { return systemOnlyPolicy() }

// linkMixin gives an edge schema its two ends: columns <from>_id and
// <to>_id, each a required, immutable edge.
type linkMixin struct {
	mixin.Schema
	from, to         string
	fromType, toType any
}

// Fields of the linkMixin.
func (l linkMixin) Fields() []ent.Field {
	return []ent.Field{
		field.UUID(l.from+"_id", uuidType).Immutable(),
		field.UUID(l.to+"_id", uuidType).Immutable(),
	}
}

// Edges of the linkMixin. Like every other foreign key of the schema
// they do not cascade: tasks, notes, agents and their tools are only ever
// soft-deleted.
func (l linkMixin) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To(l.from, l.fromType).Field(l.from + "_id").Unique().Required().Immutable(),
		edge.To(l.to, l.toType).Field(l.to + "_id").Unique().Required().Immutable(),
	}
}

// linkTable is one link table: its name, the columns of its two ends and
// the table each points into.
type linkTable struct{ table, from, fromTable, to, toTable string }

// annotations of the link table's edge schema: its name and no API of its
// own. (A link has an id of its own rather than the pair of its ends as
// primary key because entoas cannot describe an entity without an id; ent
// keeps the pair unique.)
func (l linkTable) annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Table(l.table), entoas.Skip(true)}
}

// The link tables, with the columns of their two ends.
var (
	taskLabelLinks = linkTable{table: "task_labels", from: "task_id", fromTable: "tasks", to: "label_id", toTable: "labels"}
	noteTagLinks   = linkTable{table: "note_tags", from: "note_id", fromTable: "notes",
		to: "note_tag_definition_id", toTable: "note_tag_definitions"}
	agentToolLinks = linkTable{table: "agent_tool_bindings", from: "agent_id", fromTable: "agents",
		to: "agent_tool_id", toTable: "agent_tools"}
)

// hook is the hook of the owner's side of the edge (Task.labels).
func (l linkTable) hook(edgeName string) ent.Hook { return linkHook(edgeName, l) }

// inverse is the hook of the inverse side (Label.tasks): the same rows
// seen from the other end, in the same organization.
func (l linkTable) inverse(edgeName string) ent.Hook {
	return linkHook(edgeName, linkTable{table: l.table, from: l.to, fromTable: l.toTable, to: l.from, toTable: l.fromTable})
}

// linkHook writes the link rows of a parent's edge (the parent's side of
// the many-to-many edge) with the parent's organization. ent would insert
// added links itself, but only with the edge schema's default values, and
// organization_id has none. So the hook takes the edge's changes off the
// mutation and applies them after the parent's change has passed its
// privacy rules and been saved. It must run inside the audit hook, which
// records the changes as "+edge"/"-edge" values of the parent's row: the
// hooks of a schema run inside those of its mixins.
//
// The rows are written with plain SQL, through the mutation's transaction:
// the schema must compile before the code generated from it exists, and
// "$n" placeholders read the same on PostgreSQL and SQLite. Two limits,
// neither used today: a create's audit row is written after the hook and
// so lacks the "+edge" value, and CreateBulk inserts its rows only after
// every builder's hooks ran, so links cannot be added in a bulk create.
func linkHook(edgeName string, l linkTable) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			added := m.AddedIDs(edgeName)
			if len(added) == 0 {
				// Removing links needs no organization: ent deletes them.
				return next.Mutate(ctx, m)
			}
			lm, ok := m.(linkParentMutation)
			if !ok || !m.Op().Is(ent.OpCreate|ent.OpUpdateOne) {
				return nil, fmt.Errorf("links %s: add %s to one %s at a time (got %s)", l.table, edgeName, m.Type(), m.Op())
			}
			ch := linkChange{added: added, removed: m.RemovedIDs(edgeName), cleared: m.EdgeCleared(edgeName)}
			org, err := parentOrganization(ctx, m)
			if err != nil {
				return nil, fmt.Errorf("links %s: %w", l.table, err)
			}
			if err := m.ResetEdge(edgeName); err != nil {
				return nil, fmt.Errorf("links %s: %w", l.table, err)
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			parent, ok := lm.ID()
			if !ok {
				return nil, fmt.Errorf("links %s: %s has no id", l.table, m.Type())
			}
			return v, l.apply(ctx, lm.Client(), org, parent, ch)
		})
	}
}

// linkParentMutation is what linkHook needs of a generated mutation
// beyond ent.Mutation.
type linkParentMutation interface {
	ent.Mutation
	ID() (uuid.UUID, bool)
	Client() *gen.Client
}

// linkChange is what a mutation did to an edge, in ent's order: clear,
// then remove, then add.
type linkChange struct {
	added, removed []ent.Value
	cleared        bool
}

// parentOrganization is the organization of the mutated parent: the one
// it is created in, or the one it has (organization_id is immutable).
func parentOrganization(ctx context.Context, m ent.Mutation) (uuid.UUID, error) {
	v, ok := m.Field("organization_id")
	if !ok {
		old, err := m.OldField(ctx, "organization_id")
		if err != nil {
			return uuid.Nil, fmt.Errorf("organization of the %s: %w", m.Type(), err)
		}
		v = old
	}
	org, ok := v.(uuid.UUID)
	if !ok || org == uuid.Nil {
		return uuid.Nil, fmt.Errorf("the %s has no organization", m.Type())
	}
	return org, nil
}

// apply writes ch for parent in the mutation's transaction. Adding a link
// that exists does nothing, as it does through ent.
func (l linkTable) apply(ctx context.Context, c *gen.Client, org, parent uuid.UUID, ch linkChange) error {
	if ch.cleared {
		if _, err := c.ExecContext(ctx, "DELETE FROM "+l.table+" WHERE "+l.from+" = $1", parent); err != nil {
			return fmt.Errorf("links %s: clear: %w", l.table, err)
		}
	}
	if len(ch.removed) > 0 {
		args := []any{parent}
		for _, id := range ch.removed {
			args = append(args, id)
		}
		q := "DELETE FROM " + l.table + " WHERE " + l.from + " = $1 AND " + l.to + " IN (" + placeholders(2, len(ch.removed)) + ")"
		if _, err := c.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("links %s: remove: %w", l.table, err)
		}
	}
	if err := l.sameOrganization(ctx, c, org, ch.added); err != nil {
		return err
	}
	rows := make([]string, len(ch.added))
	args := make([]any, 0, 2+2*len(ch.added))
	args = append(args, parent, org)
	for i, id := range ch.added {
		args = append(args, newID(), id)
		rows[i] = fmt.Sprintf("($%d, $1, $%d, $2)", 2*i+3, 2*i+4)
	}
	q := "INSERT INTO " + l.table + " (id, " + l.from + ", " + l.to + ", organization_id) VALUES " +
		strings.Join(rows, ", ") + " ON CONFLICT DO NOTHING"
	if _, err := c.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("links %s: add: %w", l.table, err)
	}
	return nil
}

// sameOrganization refuses a link to a row of another organization: the
// services check it first (and answer 404), this keeps any other path from
// linking across tenants.
func (l linkTable) sameOrganization(ctx context.Context, c *gen.Client, org uuid.UUID, ids []ent.Value) error {
	args := []any{org}
	seen := map[ent.Value]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			args = append(args, id)
		}
	}
	rows, err := c.QueryContext(ctx, "SELECT count(*) FROM "+l.toTable+" WHERE organization_id = $1 AND id IN ("+
		placeholders(2, len(args)-1)+")", args...)
	if err != nil {
		return fmt.Errorf("links %s: organization of the linked rows: %w", l.table, err)
	}
	defer rows.Close()
	var n int
	if rows.Next() {
		err = rows.Scan(&n)
	}
	if err = errors.Join(err, rows.Err()); err != nil {
		return fmt.Errorf("links %s: organization of the linked rows: %w", l.table, err)
	}
	if n != len(args)-1 {
		return fmt.Errorf("links %s: %w: a linked %s row is not of organization %s", l.table, privacy.Deny, l.toTable, org)
	}
	return nil
}

// placeholders returns "$first, $first+1, ..." for n values.
func placeholders(first, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", first+i)
	}
	return strings.Join(ps, ", ")
}
