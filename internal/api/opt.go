package api

import (
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/patch"
)

// The one set of helpers between ogen's optional values (Opt…, OptNil…)
// and the pointers and patch values the services take. ogen generates a
// distinct Opt type per value type; these read them all through Get.

// optPtr is nil for an absent (or null) optional value.
func optPtr[T any](o interface{ Get() (T, bool) }) *T {
	if v, ok := o.Get(); ok {
		return &v
	}
	return nil
}

// ref returns a pointer to v.
func ref[T any](v T) *T { return &v }

// optEnum converts an optional API enum to the ent enum of the same values.
func optEnum[E ~string, O interface{ Get() (V, bool) }, V ~string](o O) *E {
	if v, ok := o.Get(); ok {
		e := E(v)
		return &e
	}
	return nil
}

// nilable is an ogen OptNil value: absent, null or set.
type nilable[T any] interface {
	IsSet() bool
	Get() (T, bool)
}

// patchOpt maps an OptNil field of a PATCH body: absent leaves the field,
// null clears it, a value sets it.
func patchOpt[T any](o nilable[T]) patch.Opt[T] {
	if v, ok := o.Get(); ok {
		return patch.Opt[T]{Set: true, Value: &v}
	}
	return patch.Opt[T]{Set: o.IsSet()}
}

// clearable maps an OptNil string of a PATCH body onto a field stored as a
// plain string: absent leaves it, null clears it to "".
func clearable(o oas.OptNilString) *string {
	if !o.IsSet() {
		return nil
	}
	v, _ := o.Get() // "" when null
	return &v
}

// convertAll converts a page's items with one converter.
func convertAll[T, O any](items []T, f func(T) O) []O {
	out := make([]O, 0, len(items))
	for _, it := range items {
		out = append(out, f(it))
	}
	return out
}

// deref adapts a converter returning a pointer to convertAll.
func deref[T, O any](f func(T) *O) func(T) O {
	return func(t T) O { return *f(t) }
}
