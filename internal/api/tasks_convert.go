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

// ptr is v when ok (an ogen Opt's Get), else nil.
func ptr[T any](v T, ok bool) *T {
	if !ok {
		return nil
	}
	return &v
}

// enumPtr converts an optional API enum to the ent enum of the same values.
func enumPtr[To ~string, From ~string](v From, ok bool) *To {
	if !ok {
		return nil
	}
	out := To(v)
	return &out
}

// nilable is an ogen OptNil value: absent, null or set.
type nilable[T any] interface {
	IsSet() bool
	Get() (T, bool)
}

// patch maps an OptNil field of a PATCH body (null clears).
func patch[T any](o nilable[T]) tasks.Opt[T] {
	if v, ok := o.Get(); ok {
		return tasks.Opt[T]{Set: true, Value: &v}
	}
	return tasks.Opt[T]{Set: o.IsSet()}
}
