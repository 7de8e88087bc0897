package tasks

import (
	"context"
	"fmt"
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/organization"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/ent/taskdependency"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// ListDependencies pages the links from and to a task.
func (s *Service) ListDependencies(ctx context.Context, taskID uuid.UUID, p pagination.Params) (pagination.Page[*ent.TaskDependency], error) {
	if _, err := visibleTask(ctx, s.client, taskID); err != nil {
		return pagination.Page[*ent.TaskDependency]{}, err
	}
	q := s.client.TaskDependency.Query().Where(taskdependency.Or(
		taskdependency.TaskID(taskID), taskdependency.DependsOnID(taskID)))
	return pagination.List(ctx, q, p, func(d *ent.TaskDependency) uuid.UUID { return d.ID })
}

// CreateDependency links taskID to dependsOn. Both must be visible tasks
// of one organization (projects may differ, as in Jira). A blocking link
// (blocks, or blocked_by as the reverse edge) that closes a cycle is a 409
// naming the cycle.
func (s *Service) CreateDependency(ctx context.Context, taskID, dependsOn uuid.UUID, kind taskdependency.Type) (*ent.TaskDependency, error) {
	if taskID == dependsOn {
		return nil, problem.Validation("a task cannot depend on itself",
			problem.FieldError{Field: "depends_on_id", Message: "must differ from the task"})
	}
	from, err := visibleTask(ctx, s.client, taskID)
	if err != nil {
		return nil, err
	}
	to, err := s.client.Task.Get(ctx, dependsOn)
	if ent.IsNotFound(err) || (err == nil && to.OrganizationID != from.OrganizationID) {
		return nil, problem.Validation("the linked task does not exist",
			problem.FieldError{Field: "depends_on_id", Message: "no such task in this organization"})
	}
	if err != nil {
		return nil, err
	}
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.TaskDependency, error) {
		if blocker, blocked, ok := blockingEdge(taskID, dependsOn, kind); ok {
			if err := lockOrganization(ctx, tx, from.OrganizationID); err != nil {
				return nil, err
			}
			if err := refuseCycle(ctx, tx, blocker, blocked); err != nil {
				return nil, err
			}
		}
		d, err := tx.TaskDependency.Create().SetOrganizationID(from.OrganizationID).
			SetTaskID(taskID).SetDependsOnID(dependsOn).SetType(kind).Save(ctx)
		if ent.IsConstraintError(err) {
			return nil, problem.Conflict("the tasks are already linked this way")
		}
		return d, err
	})
}

// DeleteDependency (soft-)deletes a link.
func (s *Service) DeleteDependency(ctx context.Context, id uuid.UUID) error {
	_, err := database.InTx(ctx, s.client, func(tx *ent.Tx) (struct{}, error) {
		return struct{}{}, tx.TaskDependency.DeleteOneID(id).Exec(ctx)
	})
	return err
}

// blockingEdge normalizes a link to "blocker blocks blocked".
func blockingEdge(taskID, dependsOn uuid.UUID, kind taskdependency.Type) (blocker, blocked uuid.UUID, ok bool) {
	switch kind {
	case taskdependency.TypeBlocks:
		return taskID, dependsOn, true
	case taskdependency.TypeBlockedBy:
		return dependsOn, taskID, true
	}
	return uuid.Nil, uuid.Nil, false
}

// lockOrganization serializes cycle checks of one organization: two
// concurrent links could otherwise each pass the check and close a cycle
// together. PostgreSQL locks the row; SQLite serializes writers anyway.
func lockOrganization(ctx context.Context, tx *ent.Tx, org uuid.UUID) error {
	// Why a system context: the lock is taken whatever the viewer's
	// permissions on the organization row; nothing is read from it.
	sys := viewer.NewSystemContext(ctx, "dependencies: serialize cycle check")
	_, err := tx.Organization.Query().Where(organization.ID(org)).Modify(func(s *sql.Selector) {
		if s.Dialect() == dialect.Postgres {
			s.ForUpdate()
		}
	}).IDs(sys)
	return err
}

// refuseCycle returns a 409 when blocked already (transitively) blocks
// blocker: the new edge would close that path into a cycle. It walks the
// blocking graph breadth-first, one query per level.
func refuseCycle(ctx context.Context, tx *ent.Tx, blocker, blocked uuid.UUID) error {
	// Why a system context: a cycle is a cycle even through tasks the
	// viewer cannot see; only the names in the answer are filtered below.
	sys := viewer.NewSystemContext(ctx, "dependencies: cycle check")
	parent := map[uuid.UUID]uuid.UUID{blocked: uuid.Nil}
	frontier := []uuid.UUID{blocked}
	for len(frontier) > 0 {
		edges, err := tx.TaskDependency.Query().Where(taskdependency.Or(
			taskdependency.And(taskdependency.TypeEQ(taskdependency.TypeBlocks), taskdependency.TaskIDIn(frontier...)),
			taskdependency.And(taskdependency.TypeEQ(taskdependency.TypeBlockedBy), taskdependency.DependsOnIDIn(frontier...)),
		)).All(sys)
		if err != nil {
			return fmt.Errorf("tasks: cycle check: %w", err)
		}
		var next []uuid.UUID
		for _, e := range edges {
			from, to, _ := blockingEdge(e.TaskID, e.DependsOnID, e.Type)
			if _, seen := parent[to]; seen {
				continue
			}
			parent[to] = from
			if to == blocker {
				return cycleConflict(ctx, tx, pathTo(parent, blocker))
			}
			next = append(next, to)
		}
		frontier = next
	}
	return nil
}

// pathTo is the cycle in blocking order: blocker, blocked, ..., blocker.
func pathTo(parent map[uuid.UUID]uuid.UUID, blocker uuid.UUID) []uuid.UUID {
	var rev []uuid.UUID
	for id := blocker; id != uuid.Nil; id = parent[id] {
		rev = append(rev, id)
	}
	out := []uuid.UUID{blocker}
	for i := len(rev) - 1; i >= 0; i-- {
		out = append(out, rev[i])
	}
	return out
}

// cycleConflict names the cycle by task keys (PROJ-12) where the viewer
// can see the task, by id otherwise.
func cycleConflict(ctx context.Context, tx *ent.Tx, cycle []uuid.UUID) error {
	ts, err := tx.Task.Query().Where(task.IDIn(cycle...)).WithProject().All(ctx)
	if err != nil {
		return err
	}
	keys := map[uuid.UUID]string{}
	for _, t := range ts {
		if t.Edges.Project != nil {
			keys[t.ID] = fmt.Sprintf("%s-%d", t.Edges.Project.Key, t.Number)
		}
	}
	names := make([]string, len(cycle))
	for i, id := range cycle {
		if names[i] = keys[id]; names[i] == "" {
			names[i] = id.String()
		}
	}
	return problem.Conflict("the link would create a blocking cycle: " + strings.Join(names, " -> "))
}
