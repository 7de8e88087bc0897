package schema

import (
	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// taskStatuses is the task workflow; board columns map onto these values.
var taskStatuses = []string{"backlog", "todo", "in_progress", "in_review", "done", "cancelled"}

// Task is the unit of work of a project (issue, bug, story, epic or
// subtask). Its key is the project key plus a per-project number that is
// never reused, so links like "WS-42" stay stable even after deletion.
type Task struct{ ent.Schema }

// Mixin of the Task.
func (Task) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}, VersionMixin{}}
}

// Fields of the Task.
func (Task) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("project_id", uuidType).Immutable(),
		field.Int("number").Immutable().Min(1).Annotations(oasfield.Min(1), entoas.ReadOnly(true)).
			Comment("Per-project sequence number allocated from Project.next_task_number; the key is <project key>-<number>"),
		field.String("title").MaxLen(500).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable()),
		field.Text("description").MaxLen(100000).Optional().Annotations(oasfield.Writable()).
			Comment("Markdown, stored exactly as written; description_html is its sanitized HTML rendering"),
		field.Enum("status").Values(taskStatuses...).Default("backlog").Annotations(oasfield.Writable()),
		field.Enum("priority").Values("none", "low", "medium", "high", "urgent").Default("none").Annotations(oasfield.Writable()),
		field.Enum("type").Values("task", "bug", "story", "epic", "subtask").Default("task").Annotations(oasfield.Writable()),
		field.UUID("assignee_id", uuidType).Optional().Nillable().Annotations(oasfield.Writable()).
			Comment("Must be a member of the organization"),
		field.UUID("reporter_id", uuidType),
		field.UUID("parent_id", uuidType).Optional().Nillable().Annotations(oasfield.Writable()).
			Comment("Parent task (epic of a story, task of a subtask); same project"),
		field.UUID("sprint_id", uuidType).Optional().Nillable().Annotations(oasfield.Writable()).
			Comment("Sprint of the same project"),
		field.UUID("milestone_id", uuidType).Optional().Nillable().Annotations(oasfield.Writable()).
			Comment("Milestone of the same project"),
		field.UUID("column_id", uuidType).Optional().Nillable().Annotations(oasfield.CreateOnly()).
			Comment("Board column the task sits in; empty when the task is on no board lane"),
		field.Int64("position").Default(0).
			Comment("Sort key within the column, ascending. Sparse: new tasks go 1024 after the last one, " +
				"a move takes the midpoint of its new neighbours, and when no integer is left between them the " +
				"handler renumbers the column (steps of 1024) in the same transaction"),
		field.Time("start_date").Optional().Nillable().Annotations(oasfield.Date(), oasfield.Writable()).
			Comment("Calendar date, stored as 00:00 UTC"),
		field.Time("due_date").Optional().Nillable().Annotations(oasfield.Date(), oasfield.Writable()).
			Comment("Calendar date, stored as 00:00 UTC"),
		field.Time("completed_at").Optional().Nillable().Annotations(entoas.ReadOnly(true)).
			Comment("Set by the server when the task enters done or cancelled, cleared when it leaves them"),
		field.Int("estimate_minutes").Optional().Nillable().NonNegative().Annotations(oasfield.Min(0), oasfield.Writable()),
		field.Float("story_points").Optional().Nillable().Range(0, 1000).Annotations(oasfield.Range(0, 1000), oasfield.Writable()).
			Comment("Fractional values (0.5) allowed, as in planning poker"),
		field.Bool("is_ai_generated").Default(false).Immutable(),
		field.UUID("ai_generating_agent_id", uuidType).Optional().Nillable().Immutable().
			Comment("The agent that created the task (is_ai_generated)"),
	}
}

// Annotations of the Task: its API shapes (see oasfield.Resource).
func (Task) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "TaskInfo", Create: "TaskCreateRequest", Update: "TaskUpdateRequest",
		Description: "A task of a project, with its key and version (send the version back in If-Match to change it).",
		Computed: []oasfield.Prop{
			{Name: "key", Type: "string", MaxLength: 32, Description: "The task key, <project key>-<number>, e.g. WS-42"},
			{Name: "description_html", Type: "string", MaxLength: 400000, Nullable: true,
				Description: "The description rendered to HTML and sanitized (no script, event handlers or " +
					"javascript URLs), safe to insert into a page; null without a description"},
		},
	}}
}

// Edges of the Task.
func (Task) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("project", Project.Type).Field("project_id").Unique().Required().Immutable(),
		edge.To("assignee", User.Type).Field("assignee_id").Unique(),
		edge.To("reporter", User.Type).Field("reporter_id").Unique().Required(),
		edge.To("children", Task.Type).From("parent").Unique().Field("parent_id"),
		edge.To("sprint", Sprint.Type).Field("sprint_id").Unique(),
		edge.To("milestone", Milestone.Type).Field("milestone_id").Unique(),
		edge.To("column", BoardColumn.Type).Field("column_id").Unique(),
		edge.To("ai_generating_agent", Agent.Type).Field("ai_generating_agent_id").Unique().Immutable(),
		edge.To("labels", Label.Type).Through("label_links", TaskLabel.Type),
	}
}

// Indexes of the Task: numbers are unique per project over all rows,
// deleted ones included, so a key is never handed out twice; the rest
// serve the list views (keyset pagination by id).
func (Task) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("project_id", "number").Unique(),
		index.Fields("project_id", "status", "id"),
		index.Fields("assignee_id", "id"),
		index.Fields("sprint_id", "id"),
		index.Fields("milestone_id", "id"),
		index.Fields("parent_id"),
		index.Fields("project_id", "due_date"),
		index.Fields("column_id", "position"),
		// New tasks on no column go after the lane's last position (tasks.nextPosition:
		// column_id IS NULL ORDER BY position DESC LIMIT 1). PostgreSQL cannot read
		// (column_id, position) in position order for IS NULL, so without this partial
		// index every create sorted the whole project (measured by `make bench`).
		index.Fields("project_id", "position").Annotations(entsql.IndexWhere("column_id IS NULL")),
	}
}

// Hooks of the Task: the link rows of the labels it carries carry the organization.
func (Task) Hooks() []ent.Hook { return []ent.Hook{taskLabelLinks.hook("labels")} }

// Policy of the Task.
func (Task) Policy() ent.Policy { return rule.ProjectPolicy("task", rule.Via("project")) }
