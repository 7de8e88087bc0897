// Package softdelete holds the context flag that lets admin and system code
// see soft-deleted rows or purge them for real. The ent mixin that honours
// it lives in ent/schema; this package has no generated imports so any
// layer can use it.
package softdelete

import "context"

type skipKey struct{}

// Skip returns a context in which reads include soft-deleted rows and
// deletes remove rows physically. Callers must be system or admin code.
func Skip(ctx context.Context) context.Context {
	return context.WithValue(ctx, skipKey{}, true)
}

// Skipped reports whether ctx was made by Skip.
func Skipped(ctx context.Context) bool {
	skip, _ := ctx.Value(skipKey{}).(bool)
	return skip
}
