package rule

import (
	"context"

	"entgo.io/ent/entql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/board"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/ent/project"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Project visibility adds a per-project audience to the organization's
// permissions (which still bound every read and write through Require):
//
//	organization  every member of the organization whose roles grant the
//	              row's resource (as for any tenant row)
//	private       (the default) only the project's live members and its
//	              owner, those holding project:manage in the organization
//	              (ADMIN) and the SUPER_ADMIN
//
// It covers the project and everything scoped to it: members, boards and
// their columns, sprints, milestones, labels, tasks and their comments,
// attachments, time logs and dependencies. Reads, updates and deletes are
// filtered in SQL (a subquery on project_members by the viewer's user id,
// from the viewer loaded once per request: no per-row lookups, and a list
// stays one query), so a private project's rows are "not found" (404) for
// everyone else and absent from lists. Creates check the parent (project,
// board or task) they are written under. An AI agent (its key's viewer
// has no user) is nobody's project member: it sees organization projects
// only, as it reads public chat channels only.

// Path names the edges from a row to its project; an empty path is the
// project itself.
type Path []string

// Via is the path of edges from a row to its project, e.g.
// Via("task", "project") for a task's comments.
func Via(edges ...string) Path { return edges }

// ProjectPolicy is TenantPolicy(resource) for rows of a project reached
// through paths (all of them must lead to projects the viewer may see).
func ProjectPolicy(resource string, paths ...Path) ent.Policy {
	query := privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser()}
	mutation := privacy.MutationPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser()}
	for _, p := range paths {
		query = append(query, projectVisibleRule{path: p, live: len(p) > 0})
		mutation = append(mutation, projectVisibleRule{path: p, live: len(p) > 0})
	}
	return privacy.Policy{Query: append(query, Require(resource)), Mutation: append(mutation, Require(resource))}
}

// projectVisibleRule filters rows to those whose project (reached through
// path) the viewer may see, and checks the parent of a create; it never
// decides, so the rules after it (Require) always run. Rows matching
// exempt (when set) pass whatever their project.
type projectVisibleRule struct {
	path   Path
	exempt entql.P
	// live also hides the rows of soft-deleted projects, for everyone:
	// a deleted project's tasks, comments, boards... go with it (the
	// project itself is hidden by its soft-delete interceptor). Audit rows
	// (ProjectBound) stay readable.
	live bool
}

// ProjectBound is the project visibility of ProjectPolicy as an upper
// bound on reads of rows that may be about a project without being a
// project's rows (audit rows, organization-wide notes linked to a
// project): a row whose project (through path) the viewer may not see is
// filtered out, unless it matches exempt (e.g. it has no project). It
// never decides; the entity's own rules still do.
func ProjectBound(path Path, exempt entql.P) privacy.QueryRule {
	return projectVisibleRule{path: path, exempt: exempt}
}

// EvalQuery filters reads.
func (r projectVisibleRule) EvalQuery(ctx context.Context, q ent.Query) error {
	if p, ok := r.predicate(viewer.FromContext(ctx)); ok {
		return where(p).EvalQuery(ctx, q)
	}
	return privacy.Skip
}

// EvalMutation checks the parent of a create and filters updates and
// deletes.
func (r projectVisibleRule) EvalMutation(ctx context.Context, m ent.Mutation) error {
	v := viewer.FromContext(ctx)
	if m.Op().Is(ent.OpCreate) {
		return r.checkParent(ctx, v, m)
	}
	if p, ok := r.predicate(v); ok {
		return where(p).EvalMutation(ctx, m)
	}
	return privacy.Skip
}

// where narrows a query or mutation to p and lets the next rule decide.
func where(p entql.P) privacy.FilterFunc {
	return func(_ context.Context, f privacy.Filter) error {
		f.Where(p)
		return privacy.Skip
	}
}

// predicate is the filter of the rows the viewer may see; false when the
// viewer manages projects in every organization they belong to (nothing
// to filter: Require bounds the organizations).
func (r projectVisibleRule) predicate(v *viewer.Viewer) (entql.P, bool) {
	managed := v.OrganizationsWhere("project", viewer.ActionManage)
	var live entql.P
	if r.live {
		live = r.through(entql.FieldNil("deleted_at"))
	}
	if len(managed) == len(v.Memberships) {
		return live, live != nil
	}
	visible := r.through(projectOpen(v))
	if r.exempt != nil {
		visible = entql.Or(r.exempt, visible)
	}
	if len(managed) > 0 {
		visible = entql.Or(fieldIn("organization_id", managed), visible)
	}
	if live != nil {
		visible = entql.And(live, visible)
	}
	return visible, true
}

// through turns a predicate over projects into one over the rule's rows,
// following its path.
func (r projectVisibleRule) through(p entql.P) entql.P {
	for i := len(r.path) - 1; i >= 0; i-- {
		p = entql.HasEdgeWith(r.path[i], p)
	}
	return p
}

// projectOpen is the predicate (over projects) of the projects open to the
// viewer whatever their role: organization-wide ones, and for a user those
// they own or are a live member of.
func projectOpen(v *viewer.Viewer) entql.P {
	org := entql.FieldEQ(project.FieldVisibility, project.VisibilityOrganization.String())
	if v.UserID == uuid.Nil {
		return org
	}
	return entql.Or(org,
		entql.FieldEQ(project.FieldOwnerID, v.UserID),
		entql.HasEdgeWith(project.EdgeMembers, entql.FieldEQ("user_id", v.UserID), entql.FieldNil("deleted_at")))
}

// checkParent denies a create under a project the viewer may not see (a
// task in a private project, a comment on one of its tasks). The parent is
// the first edge of the path; creating a project has none.
func (r projectVisibleRule) checkParent(ctx context.Context, v *viewer.Viewer, m ent.Mutation) error {
	if len(r.path) == 0 {
		return privacy.Skip
	}
	if org, ok := organizationOf(m); ok && v.Can(org, "project", viewer.ActionManage) {
		return privacy.Skip
	}
	edge := r.path[0]
	value, _ := m.Field(edge + "_id")
	id, ok := value.(uuid.UUID)
	if !ok {
		return privacy.Denyf("rule: %s without %s_id", m.Type(), edge)
	}
	// The rest of the path leads from the parent to its project.
	rest := projectOpen(v)
	if r.live {
		rest = entql.And(entql.FieldNil("deleted_at"), rest)
	}
	for i := len(r.path) - 1; i >= 1; i-- {
		rest = entql.HasEdgeWith(r.path[i], rest)
	}
	// Why a system context: only the project's audience is checked here
	// (the permission to create is Require's); the parent's own read rules
	// must not decide about a write.
	sys := viewer.NewSystemContext(ctx, "rule: project of a new row")
	var (
		exists bool
		err    error
	)
	c, ok := m.(interface{ Client() *ent.Client })
	if !ok {
		return privacy.Denyf("rule: mutation %T has no client", m)
	}
	switch edge {
	case "project":
		q := c.Client().Project.Query().Where(project.ID(id))
		q.Filter().Where(rest)
		exists, err = q.Exist(sys)
	case "board":
		q := c.Client().Board.Query().Where(board.ID(id))
		q.Filter().Where(rest)
		exists, err = q.Exist(sys)
	case "task", "depends_on":
		q := c.Client().Task.Query().Where(task.ID(id))
		q.Filter().Where(rest)
		exists, err = q.Exist(sys)
	default:
		return privacy.Denyf("rule: unknown project path %v", r.path)
	}
	if err != nil {
		return privacy.Denyf("rule: load %s %s: %v", edge, id, err)
	}
	if !exists {
		return privacy.Denyf("rule: the %s is in a project the viewer cannot see", edge)
	}
	return privacy.Skip
}

// TaskCommentPolicy: comments follow their task's project (see
// ProjectPolicy) and the organization's comment:* permissions, except that
// authors own their words: only the author edits a body (and still needs
// comment:update), and the author deletes their own comment without
// comment:delete (as in Jira), which moderators (ADMIN, MANAGER) hold for
// every comment of their organization. Decided here, so no handler can
// forget it.
func TaskCommentPolicy() ent.Policy {
	visible := projectVisibleRule{path: Via("task", "project"), live: true}
	authors := privacy.TaskCommentMutationRuleFunc(func(ctx context.Context, m *ent.TaskCommentMutation) error {
		v := viewer.FromContext(ctx)
		switch {
		case m.Op().Is(ent.OpCreate):
			return privacy.Skip
		case actionOf(m) == viewer.ActionDelete:
			m.Filter().Where(entql.Or(
				entql.And(commentAuthor(v), fieldIn("organization_id", v.OrganizationIDs())),
				fieldIn("organization_id", v.OrganizationsWhere("comment", viewer.ActionDelete)),
			))
			return privacy.Allow
		case anyFieldIn(m, commentBodyFields...):
			m.Filter().Where(commentAuthor(v))
		}
		return privacy.Skip
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible, Require("comment")},
		Mutation: privacy.MutationPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible, authors, Require("comment"),
		},
	}
}

// commentAuthor is the predicate of the comments the viewer wrote: a
// user's own, or an agent's own (acting through its key).
func commentAuthor(v *viewer.Viewer) entql.P {
	switch {
	case v.AgentID != uuid.Nil:
		return entql.FieldEQ("author_agent_id", v.AgentID)
	case v.UserID != uuid.Nil:
		return entql.FieldEQ("author_id", v.UserID)
	}
	return entql.FieldNil("id") // ids are never NULL: nobody's
}
