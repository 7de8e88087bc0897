package api

import (
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/projects"
)

// ToAPIBoard converts a board, adding its columns.
func ToAPIBoard(b projects.BoardWithColumns) *oas.BoardInfo {
	out := apiconv.BoardInfo(b.Board)
	out.Columns = convertAll(b.Columns, deref(apiconv.BoardColumn))
	return out
}
