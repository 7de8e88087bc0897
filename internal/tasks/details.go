// Package tasks holds the task domain logic behind the API handlers. The
// files labels.go, dependencies.go, comments.go, timelogs.go, sprints.go and
// milestones.go are the task sub-resources and planning; every function
// takes the viewer's context, so ent privacy decides what is visible (a
// task of another organization is simply not found) and the audit hook
// records every write.
package tasks

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
)

// visibleTask loads a task the viewer may read (404 otherwise).
func visibleTask(ctx context.Context, c *ent.Client, id uuid.UUID) (*ent.Task, error) {
	t, err := c.Task.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("tasks: load task %s: %w", id, err)
	}
	return t, nil
}

// visibleProject loads a project the viewer may read (404 otherwise).
func visibleProject(ctx context.Context, c *ent.Client, id uuid.UUID) (*ent.Project, error) {
	p, err := c.Project.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("tasks: load project %s: %w", id, err)
	}
	return p, nil
}
