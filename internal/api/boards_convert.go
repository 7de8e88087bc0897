package api

import (
	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/projects"
)

// ToAPIBoard converts a board with its columns.
func ToAPIBoard(b projects.BoardWithColumns) *oas.BoardInfo {
	return &oas.BoardInfo{
		ID: b.ID, ProjectID: b.ProjectID, Name: b.Name, IsDefault: b.IsDefault, Version: b.Version,
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt, Columns: mapItems(b.Columns, ToAPIBoardColumn),
	}
}

// ToAPIBoardColumn converts a board column.
func ToAPIBoardColumn(c *ent.BoardColumn) *oas.BoardColumn {
	out := &oas.BoardColumn{
		ID: c.ID, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, OrganizationID: c.OrganizationID,
		DeletedAt: optNilTime(c.DeletedAt), BoardID: c.BoardID, Name: c.Name, Position: c.Position,
		MappedStatus: oas.BoardColumnMappedStatus(c.MappedStatus),
	}
	if c.WipLimit != nil {
		out.WipLimit = oas.NewOptNilInt(*c.WipLimit)
	}
	return out
}
