package api

import (
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/richtext"
	"github.com/worksynapse/worksynapse/internal/tasks"
)

type (
	uuidT = uuid.UUID
	timeT = time.Time
)

// ToAPITask converts a task, adding its key and rendered description.
func ToAPITask(t tasks.Task) *oas.TaskInfo {
	out := apiconv.TaskInfo(t.Task)
	out.Key = t.Key
	out.DescriptionHTML.SetToNull()
	if t.Description != "" {
		if html, err := richtext.HTML(t.Description); err == nil {
			out.DescriptionHTML = oas.NewNilString(html)
		}
	}
	return out
}

// setOpt sets an optional response field from a nillable value.
func setOpt[T, O any](dst *O, v *T, mk func(T) O) {
	if v != nil {
		*dst = mk(*v)
	}
}
