// Package patch holds the one representation of a PATCH field shared by
// the services: absent, cleared (JSON null) or set.
package patch

// Opt is an optional field of an update: Set says it was sent, a nil
// Value with Set clears it.
type Opt[T any] struct {
	Set   bool
	Value *T
}

// Apply calls set or clear on a builder for a field that was sent, and
// nothing for one that was not.
func Apply[T any, U any](o Opt[T], set func(T) U, clear func() U) {
	switch {
	case !o.Set:
	case o.Value == nil:
		clear()
	default:
		set(*o.Value)
	}
}
