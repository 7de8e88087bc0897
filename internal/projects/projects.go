// Package projects is the organization and project workspace: creating an
// organization with its first ADMIN, its membership, and projects with
// their default board, members and lifecycle (archive, delete). Every
// operation runs as the viewer inside one transaction, so the ent privacy
// rules decide who may do what and the audit hook records each change;
// system contexts are used only where noted, with the reason.
package projects

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/boardcolumn"
	"github.com/worksynapse/worksynapse/ent/organization"
	"github.com/worksynapse/worksynapse/ent/project"
	"github.com/worksynapse/worksynapse/ent/projectmember"
	"github.com/worksynapse/worksynapse/internal/chat"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/occ"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Service implements the workspace operations.
type Service struct {
	client *ent.Client
	// chat keeps project channels' members (and the stream events their
	// changes write) in step with project membership.
	chat *chat.Service
	now  func() time.Time
}

// New returns the service on client; project membership changes go to
// chatSvc's project channels in the same transaction.
func New(client *ent.Client, chatSvc *chat.Service) *Service {
	return &Service{client: client, chat: chatSvc, now: time.Now}
}

var errOrgNotFound = rule.OrganizationNotFound()

// lockOnPostgres makes a query take row locks (SELECT ... FOR UPDATE), so
// that guards like "another ADMIN remains" cannot pass in two concurrent
// transactions at once (write skew). SQLite has no row locks and needs
// none: it runs one write transaction at a time.
func lockOnPostgres(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.ForUpdate()
	}
}

// lockedOrg locks organization org for the rest of tx (404 if invisible).
func lockedOrg(ctx context.Context, tx *ent.Tx, org uuid.UUID) error {
	q := tx.Organization.Query().Where(organization.ID(org)).Unique(false)
	q.Modify(lockOnPostgres)
	if _, err := q.OnlyID(ctx); ent.IsNotFound(err) {
		return errOrgNotFound
	} else if err != nil {
		return fmt.Errorf("projects: lock organization: %w", err)
	}
	return nil
}

// lockedProject locks project id for the rest of tx (404 if invisible).
func lockedProject(ctx context.Context, tx *ent.Tx, id uuid.UUID) (*ent.Project, error) {
	q := tx.Project.Query().Where(project.ID(id)).Unique(false)
	q.Modify(lockOnPostgres)
	return q.Only(ctx)
}

// ProjectInput is what a client may set on a project; nil leaves a field
// as it is (or at its default on create).
type ProjectInput struct {
	Key, Name, Description *string
	Visibility             *project.Visibility
	StartDate, EndDate     *time.Time
	// ClearStartDate and ClearEndDate remove a date (update only; JSON null).
	ClearStartDate, ClearEndDate bool
}

// defaultColumns are the lanes of a new project's board, as Jira's and
// Linear's default workflows.
var defaultColumns = []struct {
	name   string
	status boardcolumn.MappedStatus
}{
	{"To Do", boardcolumn.MappedStatusTodo},
	{"In Progress", boardcolumn.MappedStatusInProgress},
	{"In Review", boardcolumn.MappedStatusInReview},
	{"Done", boardcolumn.MappedStatusDone},
}

// CreateProject creates a project of org owned by the viewer, with the
// viewer as owner member and a default board, in one transaction.
func (s *Service) CreateProject(ctx context.Context, org uuid.UUID, in ProjectInput) (*ent.Project, error) {
	if err := problem.DateOrder(in.StartDate, in.EndDate); err != nil {
		return nil, err
	}
	me := viewer.FromContext(ctx).UserID
	var p *ent.Project
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if err := rule.RequireOrganization(ctx, tx.Client(), org); err != nil {
			return err
		}
		var err error
		p, err = tx.Project.Create().SetOrganizationID(org).SetKey(*in.Key).SetName(*in.Name).
			SetNillableDescription(in.Description).SetNillableVisibility(in.Visibility).
			SetNillableStartDate(day(in.StartDate)).SetNillableEndDate(day(in.EndDate)).
			SetOwnerID(me).Save(ctx)
		if ent.IsConstraintError(err) {
			return problem.Conflict(fmt.Sprintf("the organization already has a project with the key %s", *in.Key))
		}
		if err != nil {
			return err
		}
		err = tx.ProjectMember.Create().SetOrganizationID(org).SetProjectID(p.ID).SetUserID(me).
			SetRole(projectmember.RoleOwner).Exec(ctx)
		if err != nil {
			return fmt.Errorf("projects: add owner: %w", err)
		}
		board, err := createDefaultBoard(ctx, tx, p)
		if err != nil {
			return err
		}
		p, err = tx.Project.UpdateOneID(p.ID).SetDefaultBoardID(board.ID).Save(ctx)
		return err
	})
	return p, err
}

func createDefaultBoard(ctx context.Context, tx *ent.Tx, p *ent.Project) (*ent.Board, error) {
	b, err := tx.Board.Create().SetOrganizationID(p.OrganizationID).SetProjectID(p.ID).
		SetName(p.Key + " board").SetIsDefault(true).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("projects: create board: %w", err)
	}
	cols := make([]*ent.BoardColumnCreate, len(defaultColumns))
	for i, c := range defaultColumns {
		cols[i] = tx.BoardColumn.Create().SetOrganizationID(p.OrganizationID).SetBoardID(b.ID).
			SetName(c.name).SetPosition(i).SetMappedStatus(c.status)
	}
	if err := tx.BoardColumn.CreateBulk(cols...).Exec(ctx); err != nil {
		return nil, fmt.Errorf("projects: create board columns: %w", err)
	}
	return b, nil
}

// ListProjects pages through org's projects, optionally in one status.
func (s *Service) ListProjects(ctx context.Context, org uuid.UUID, status *project.Status, p pagination.Params) (pagination.Page[*ent.Project], error) {
	if err := rule.RequireOrganization(ctx, s.client, org); err != nil {
		return pagination.Page[*ent.Project]{}, err
	}
	q := s.client.Project.Query().Where(project.OrganizationID(org))
	if status != nil {
		q.Where(project.StatusEQ(*status))
	}
	return pagination.List(ctx, q, p, func(p *ent.Project) uuid.UUID { return p.ID })
}

// Project returns a project the viewer may read (404 otherwise).
func (s *Service) Project(ctx context.Context, id uuid.UUID) (*ent.Project, error) {
	return s.client.Project.Get(ctx, id)
}

// UpdateProject changes the fields in sets, provided the project is still
// at version (optimistic concurrency; 412 otherwise). Archived projects
// are read-only.
func (s *Service) UpdateProject(ctx context.Context, id uuid.UUID, version int, in ProjectInput) (*ent.Project, error) {
	var out *ent.Project
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		p, err := tx.Project.Get(ctx, id)
		if err != nil {
			return err
		}
		if p.Status == project.StatusArchived {
			return problem.Conflict("the project is archived; unarchive it to edit it")
		}
		start, end := or(day(in.StartDate), p.StartDate), or(day(in.EndDate), p.EndDate)
		if in.ClearStartDate {
			start = nil
		}
		if in.ClearEndDate {
			end = nil
		}
		if err := problem.DateOrder(start, end); err != nil {
			return err
		}
		upd := tx.Project.UpdateOneID(id).SetNillableName(in.Name).SetNillableDescription(in.Description).
			SetNillableVisibility(in.Visibility).SetNillableStartDate(day(in.StartDate)).SetNillableEndDate(day(in.EndDate))
		if in.ClearStartDate {
			upd.ClearStartDate()
		}
		if in.ClearEndDate {
			upd.ClearEndDate()
		}
		out, err = saveAt(ctx, tx, p, version, upd)
		return err
	})
	return out, err
}

// SetArchived archives (or restores) a project; repeating it is 409.
func (s *Service) SetArchived(ctx context.Context, id uuid.UUID, archived bool) (*ent.Project, error) {
	var out *ent.Project
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		p, err := tx.Project.Get(ctx, id)
		if err != nil {
			return err
		}
		if (p.Status == project.StatusArchived) == archived {
			return problem.Conflict(fmt.Sprintf("the project is already %s", p.Status))
		}
		upd := tx.Project.UpdateOneID(id)
		if archived {
			upd.SetStatus(project.StatusArchived).SetArchivedAt(s.now())
		} else {
			upd.SetStatus(project.StatusActive).ClearArchivedAt()
		}
		out, err = saveAt(ctx, tx, p, p.Version, upd)
		return err
	})
	return out, err
}

// saveAt runs upd if the project read is still at version, incrementing
// it (see package occ: 412 when stale, 403 when read-only).
func saveAt(ctx context.Context, tx *ent.Tx, read *ent.Project, version int, upd *ent.ProjectUpdateOne) (*ent.Project, error) {
	return occ.Save(ctx, upd, "project", read.Version, version,
		occ.Reloader(tx.Project.Get, read.ID, func(p *ent.Project) int { return p.Version }))
}

// DeleteProject soft-deletes a project; its key becomes free again.
func (s *Service) DeleteProject(ctx context.Context, id uuid.UUID) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if _, err := tx.Project.Get(ctx, id); err != nil {
			return err
		}
		if err := tx.Project.DeleteOneID(id).Exec(ctx); err != nil {
			return rule.DeniedIfFiltered(err, "projects")
		}
		return s.chat.ArchiveProjectChannel(ctx, tx, id)
	})
}

// day is the calendar date of t at 00:00 UTC (how project dates are stored).
func day(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := t.UTC().Truncate(24 * time.Hour)
	return &d
}

func or[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}
