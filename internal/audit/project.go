package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"entgo.io/ent"
	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/board"
	"github.com/worksynapse/worksynapse/ent/boardcolumn"
	"github.com/worksynapse/worksynapse/ent/channel"
	"github.com/worksynapse/worksynapse/ent/channelmember"
	"github.com/worksynapse/worksynapse/ent/label"
	"github.com/worksynapse/worksynapse/ent/message"
	"github.com/worksynapse/worksynapse/ent/milestone"
	"github.com/worksynapse/worksynapse/ent/note"
	"github.com/worksynapse/worksynapse/ent/notecomment"
	"github.com/worksynapse/worksynapse/ent/projectmember"
	"github.com/worksynapse/worksynapse/ent/sprint"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/ent/taskattachment"
	"github.com/worksynapse/worksynapse/ent/taskcomment"
	"github.com/worksynapse/worksynapse/ent/taskdependency"
	"github.com/worksynapse/worksynapse/ent/timelog"
)

// scope says where the project of a project-scoped row is: in column of
// table, which holds the project's id (parent == "") or the id of a row of
// parent whose own project_id column holds it.
type scope struct {
	table, column, parent string
}

// direct is a scope whose rows hold their project's id themselves.
func direct(table string) scope { return scope{table: table, column: "project_id"} }

// scopes lists the audited types whose ActivityLog rows carry a project
// (ActivityLog.project_id), which bounds who may read them
// (rule.ProjectBound): the rows the project rules (rule.ProjectPolicy)
// and the project's chat and notes hide from non-members. A Project is its
// own project (see projectIDs). A new project-scoped entity must be added
// here; WorkLog (a person's time, read by its own rules) and NoteShare
// (whose project is a grantee, not where the row lives) are deliberately
// not.
var scopes = map[string]scope{
	"Task":           direct(task.Table),
	"Board":          direct(board.Table),
	"Sprint":         direct(sprint.Table),
	"Milestone":      direct(milestone.Table),
	"Label":          direct(label.Table),
	"ProjectMember":  direct(projectmember.Table),
	"Note":           direct(note.Table),
	"Channel":        direct(channel.Table),
	"BoardColumn":    {table: boardcolumn.Table, column: boardcolumn.FieldBoardID, parent: board.Table},
	"TaskComment":    {table: taskcomment.Table, column: taskcomment.FieldTaskID, parent: task.Table},
	"TaskAttachment": {table: taskattachment.Table, column: taskattachment.FieldTaskID, parent: task.Table},
	"TimeLog":        {table: timelog.Table, column: timelog.FieldTaskID, parent: task.Table},
	"TaskDependency": {table: taskdependency.Table, column: taskdependency.FieldTaskID, parent: task.Table},
	"Message":        {table: message.Table, column: message.FieldChannelID, parent: channel.Table},
	"ChannelMember":  {table: channelmember.Table, column: channelmember.FieldChannelID, parent: channel.Table},
	"NoteComment":    {table: notecomment.Table, column: notecomment.FieldNoteID, parent: note.Table},
}

// projectIDs returns the project of each of ids (rows of m's type) that
// has one. Creates are resolved after the insert and other changes before
// it, so the rows exist either way (a purge's too). The common cases cost
// no query: a row naming its project itself, created or changed one at a
// time, answers from the mutation (an update's old values are loaded once
// for the audit row anyway).
func projectIDs(ctx context.Context, m mutation, ids []uuid.UUID) (map[uuid.UUID]uuid.UUID, error) {
	out := map[uuid.UUID]uuid.UUID{}
	if m.Type() == "Project" {
		for _, id := range ids {
			out[id] = id
		}
		return out, nil
	}
	s, ok := scopes[m.Type()]
	if !ok || len(ids) == 0 {
		return out, nil
	}
	if s.parent == "" && len(ids) == 1 {
		if p, known := ownProject(ctx, m, s.column); known {
			if p != uuid.Nil {
				out[ids[0]] = p
			}
			return out, nil
		}
	}
	// In chunks: a bulk change may touch more rows than PostgreSQL takes
	// bind parameters in one statement (65,535).
	for chunk := range slices.Chunk(ids, 10_000) {
		if err := queryProjects(ctx, m.Client(), s, chunk, out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// ownProject is the project column of the one row m creates or updates,
// when the mutation knows it (known false: ask the database).
func ownProject(ctx context.Context, m mutation, column string) (project uuid.UUID, known bool) {
	if m.Op().Is(ent.OpCreate) {
		id, _ := fieldUUID(m, column)
		return id, true
	}
	if m.Op().Is(ent.OpUpdateOne) {
		v, err := m.OldField(ctx, column)
		if err != nil {
			return uuid.Nil, false
		}
		switch id := v.(type) {
		case uuid.UUID:
			return id, true
		case *uuid.UUID:
			if id == nil {
				return uuid.Nil, true
			}
			return *id, true
		}
	}
	return uuid.Nil, false
}

// queryProjects reads the projects of ids in one statement (soft-deleted
// rows included: their history is still theirs).
func queryProjects(ctx context.Context, c *gen.Client, s scope, ids []uuid.UUID, out map[uuid.UUID]uuid.UUID) error {
	from, project := fmt.Sprintf("%q x", s.table), fmt.Sprintf("x.%q", s.column)
	if s.parent != "" {
		from += fmt.Sprintf(" JOIN %q p ON p.id = x.%q", s.parent, s.column)
		project = `p."project_id"`
	}
	// $n placeholders in order bind positionally on PostgreSQL and SQLite.
	marks := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		marks[i], args[i] = fmt.Sprintf("$%d", i+1), id
	}
	query := fmt.Sprintf("SELECT x.id, %s FROM %s WHERE x.id IN (%s) AND %s IS NOT NULL",
		project, from, strings.Join(marks, ", "), project)
	rows, err := c.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("audit: projects of %s: %w", s.table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, p uuid.UUID
		if err := rows.Scan(&id, &p); err != nil {
			return fmt.Errorf("audit: projects of %s: %w", s.table, err)
		}
		out[id] = p
	}
	return rows.Err()
}
