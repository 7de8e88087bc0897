package tasks

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/milestone"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/occ"
	"github.com/worksynapse/worksynapse/internal/pagination"
)

// MilestoneInput are the milestone fields a request sets (nil: unchanged;
// an update clears the due date with ClearDueDate).
type MilestoneInput struct {
	Name, Description *string
	DueDate           *time.Time
	ClearDueDate      bool
	Status            *milestone.Status
}

// Progress counts a milestone's tasks; cancelled ones count in neither.
type Progress struct {
	Total, Done int
}

// Ratio is done/total, 0 without tasks.
func (p Progress) Ratio() float64 {
	if p.Total == 0 {
		return 0
	}
	return float64(p.Done) / float64(p.Total)
}

// ListMilestones pages a project's milestones with their progress.
func (s *Service) ListMilestones(ctx context.Context, projectID uuid.UUID, p pagination.Params) (pagination.Page[*ent.Milestone], map[uuid.UUID]Progress, error) {
	if _, err := visibleProject(ctx, s.client, projectID); err != nil {
		return pagination.Page[*ent.Milestone]{}, nil, err
	}
	page, err := pagination.List(ctx, s.client.Milestone.Query().Where(milestone.ProjectID(projectID)), p,
		func(m *ent.Milestone) uuid.UUID { return m.ID })
	if err != nil {
		return page, nil, err
	}
	ids := make([]uuid.UUID, len(page.Items))
	for i, m := range page.Items {
		ids[i] = m.ID
	}
	prog, err := progressOf(ctx, s.client, ids...)
	return page, prog, err
}

// GetMilestone loads a milestone with its progress.
func (s *Service) GetMilestone(ctx context.Context, id uuid.UUID) (*ent.Milestone, Progress, error) {
	m, err := s.client.Milestone.Get(ctx, id)
	if err != nil {
		return nil, Progress{}, err
	}
	prog, err := progressOf(ctx, s.client, id)
	return m, prog[id], err
}

// CreateMilestone adds a milestone to a project.
func (s *Service) CreateMilestone(ctx context.Context, projectID uuid.UUID, in MilestoneInput) (*ent.Milestone, error) {
	p, err := visibleProject(ctx, s.client, projectID)
	if err != nil {
		return nil, err
	}
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.Milestone, error) {
		return tx.Milestone.Create().SetOrganizationID(p.OrganizationID).SetProjectID(p.ID).SetName(*in.Name).
			SetNillableDescription(in.Description).SetNillableDueDate(in.DueDate).Save(ctx)
	})
}

// UpdateMilestone changes a milestone if it is still at version (package
// occ: 412 when stale).
func (s *Service) UpdateMilestone(ctx context.Context, id uuid.UUID, version int, in MilestoneInput) (*ent.Milestone, error) {
	return database.InTx(ctx, s.client, func(tx *ent.Tx) (*ent.Milestone, error) {
		reload := occ.Reloader(tx.Milestone.Get, id, func(m *ent.Milestone) int { return m.Version })
		read, err := reload(ctx)
		if err != nil {
			return nil, err
		}
		upd := tx.Milestone.UpdateOneID(id).SetNillableName(in.Name).SetNillableDescription(in.Description).
			SetNillableDueDate(in.DueDate).SetNillableStatus(in.Status)
		if in.ClearDueDate && in.DueDate == nil {
			upd.ClearDueDate()
		}
		return occ.Save(ctx, upd, "milestone", read, version, reload)
	})
}

// DeleteMilestone deletes a milestone; its tasks lose the milestone.
func (s *Service) DeleteMilestone(ctx context.Context, id uuid.UUID) error {
	if _, err := s.client.Milestone.Get(ctx, id); err != nil {
		return err
	}
	_, err := database.InTx(ctx, s.client, func(tx *ent.Tx) (struct{}, error) {
		if err := tx.Task.Update().Where(task.MilestoneID(id)).ClearMilestoneID().AddVersion(1).Exec(ctx); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, tx.Milestone.DeleteOneID(id).Exec(ctx)
	})
	return err
}

// progressOf counts the tasks of milestones by status in one aggregate
// query (GROUP BY milestone_id, status).
func progressOf(ctx context.Context, c *ent.Client, ids ...uuid.UUID) (map[uuid.UUID]Progress, error) {
	out := make(map[uuid.UUID]Progress, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		MilestoneID uuid.UUID   `json:"milestone_id"`
		Status      task.Status `json:"status"`
		Count       int         `json:"count"`
	}
	err := c.Task.Query().Where(task.MilestoneIDIn(ids...), task.StatusNEQ(task.StatusCancelled)).
		GroupBy(task.FieldMilestoneID, task.FieldStatus).Aggregate(ent.Count()).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		p := out[r.MilestoneID]
		p.Total += r.Count
		if r.Status == task.StatusDone {
			p.Done += r.Count
		}
		out[r.MilestoneID] = p
	}
	return out, nil
}
