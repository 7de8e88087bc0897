package api

import (
	"context"

	"github.com/worksynapse/worksynapse/ent/boardcolumn"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/projects"
)

// ListBoards implements GET /projects/{project_id}/boards.
func (h *Handler) ListBoards(ctx context.Context, params oas.ListBoardsParams) (oas.ListBoardsRes, error) {
	page, err := h.projects.ListBoards(ctx, params.ProjectID, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	return &oas.BoardPage{Items: convertAll(page.Items, deref(ToAPIBoard)), NextCursor: nextCursor(page.NextCursor)}, nil
}

// CreateBoard implements POST /projects/{project_id}/boards.
func (h *Handler) CreateBoard(ctx context.Context, req *oas.BoardCreateRequest, params oas.CreateBoardParams) (oas.CreateBoardRes, error) {
	b, err := h.projects.CreateBoard(ctx, params.ProjectID, req.Name)
	if err != nil {
		return nil, err
	}
	return ToAPIBoard(b), nil
}

// UpdateBoard implements PATCH /boards/{board_id}.
func (h *Handler) UpdateBoard(ctx context.Context, req *oas.BoardUpdateRequest, params oas.UpdateBoardParams) (oas.UpdateBoardRes, error) {
	version, err := ifMatchVersion(params.IfMatch)
	if err != nil {
		return nil, err
	}
	name, ok := req.Name.Get()
	if !ok {
		// Renaming is the one change a board takes: a body without a
		// name changes nothing and is refused, as it always was.
		return nil, problem.BadRequest("name is required")
	}
	b, err := h.projects.RenameBoard(ctx, params.BoardID, version, name)
	if err != nil {
		return nil, err
	}
	return ToAPIBoard(b), nil
}

// DeleteBoard implements DELETE /boards/{board_id}.
func (h *Handler) DeleteBoard(ctx context.Context, params oas.DeleteBoardParams) (oas.DeleteBoardRes, error) {
	return &oas.DeleteBoardNoContent{}, h.projects.DeleteBoard(ctx, params.BoardID)
}

// CreateBoardColumn implements POST /boards/{board_id}/columns.
func (h *Handler) CreateBoardColumn(ctx context.Context, req *oas.BoardColumnCreateRequest, params oas.CreateBoardColumnParams) (oas.CreateBoardColumnRes, error) {
	c, err := h.projects.CreateColumn(ctx, params.BoardID, req.Name,
		boardcolumn.MappedStatus(req.MappedStatus), optPtr(req.WipLimit))
	if err != nil {
		return nil, err
	}
	return apiconv.BoardColumn(c), nil
}

// UpdateBoardColumn implements PATCH /columns/{column_id}.
func (h *Handler) UpdateBoardColumn(ctx context.Context, req *oas.BoardColumnUpdateRequest, params oas.UpdateBoardColumnParams) (oas.UpdateBoardColumnRes, error) {
	wip := patchOpt[int](req.WipLimit)
	c, err := h.projects.UpdateColumn(ctx, params.ColumnID, projects.ColumnInput{
		Name:         optPtr(req.Name),
		MappedStatus: optEnum[boardcolumn.MappedStatus](req.MappedStatus),
		WipLimit:     wip.Value, ClearWIP: wip.Set && wip.Value == nil,
	})
	if err != nil {
		return nil, err
	}
	return apiconv.BoardColumn(c), nil
}

// DeleteBoardColumn implements DELETE /columns/{column_id}.
func (h *Handler) DeleteBoardColumn(ctx context.Context, params oas.DeleteBoardColumnParams) (oas.DeleteBoardColumnRes, error) {
	return &oas.DeleteBoardColumnNoContent{}, h.projects.DeleteColumn(ctx, params.ColumnID)
}

// ReorderBoardColumns implements PUT /boards/{board_id}/columns/order.
func (h *Handler) ReorderBoardColumns(ctx context.Context, req *oas.BoardColumnOrderRequest, params oas.ReorderBoardColumnsParams) (oas.ReorderBoardColumnsRes, error) {
	b, err := h.projects.ReorderColumns(ctx, params.BoardID, req.ColumnIds)
	if err != nil {
		return nil, err
	}
	return ToAPIBoard(b), nil
}
