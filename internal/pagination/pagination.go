// Package pagination is the API's one keyset (cursor) pagination: pages are
// ordered by id descending (ids are UUIDv7, so newest first), the cursor is
// the last id of the previous page, and no query uses OFFSET, so a page
// costs the same at row 10 and at row 10 million and rows inserted between
// requests never shift or repeat items.
package pagination

import (
	"context"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent/intercept"
)

// Limits shared by every list operation.
const (
	DefaultLimit = 50
	MaxLimit     = 100
)

// Params are a list request's paging inputs.
type Params struct {
	Limit  int
	Cursor string
}

// Page is one page of results.
type Page[T any] struct {
	Items      []T
	NextCursor string // empty on the last page
}

// Query is what every generated ent query offers.
type Query[T any] interface {
	All(ctx context.Context) ([]T, error)
}

// List runs q for one page, newest first. q may carry any filters; List
// adds the keyset predicate, the order and the limit (one more row than
// asked, to know whether another page exists).
func List[T any](ctx context.Context, q Query[T], p Params, id func(T) uuid.UUID) (Page[T], error) {
	return ListSorted(ctx, q, p, Sort[T]{Desc: true}, id)
}

// fetch runs the prepared query for limit rows plus one, which only tells
// whether another page exists; cursor makes the next page's cursor from
// the last row kept.
func fetch[T any](ctx context.Context, q Query[T], iq intercept.Query, limit int, cursor func(last T) string) (Page[T], error) {
	iq.Limit(limit + 1)
	items, err := q.All(ctx)
	if err != nil {
		return Page[T]{}, err
	}
	page := Page[T]{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		page.NextCursor = cursor(page.Items[limit-1])
	}
	return page, nil
}

// clampLimit applies the default and the maximum page size.
func clampLimit(limit int) int {
	if limit <= 0 {
		return DefaultLimit
	}
	return min(limit, MaxLimit)
}
