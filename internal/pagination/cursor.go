package pagination

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	ogenmw "github.com/ogen-go/ogen/middleware"
	"github.com/ogen-go/ogen/openapi"

	"github.com/worksynapse/worksynapse/internal/problem"
)

// Every list cursor is encoded and decoded here, whatever the list pages
// by (ids, a sort key, River's own cursor), so a cursor means the same
// thing and fails the same way (422) everywhere.
//
// A cursor is bound to the request it was issued for: the operation and
// its filters (every path and query parameter except cursor and limit).
// The router's middleware (Bind) records that scope in the request
// context and a cursor carries a hash of it; replayed with other filters
// it is refused instead of silently meaning something else (an empty
// page, or rows skipped: a position in one filtered list is not a
// position in another). Code outside a request has the empty scope.

// cursorPrefix versions the format: an older cursor is simply invalid.
const cursorPrefix = "c1:"

// envelope is a decoded cursor.
type envelope struct {
	Scope string `json:"f,omitempty"` // hash of the operation and its filters
	Sort  string `json:"s,omitempty"` // the order it is a position in
	Value string `json:"v,omitempty"` // the sort key of the last row (see formatValue)
	Key   string `json:"k"`           // the last row's id, or another list's own key
}

type scopeKey struct{}

// WithScope binds the cursors encoded and decoded under ctx to scope.
func WithScope(ctx context.Context, scope string) context.Context {
	sum := sha256.Sum256([]byte(scope))
	return context.WithValue(ctx, scopeKey{}, base64.RawURLEncoding.EncodeToString(sum[:12]))
}

func scopeOf(ctx context.Context) string {
	s, _ := ctx.Value(scopeKey{}).(string)
	return s
}

func encode(ctx context.Context, e envelope) string {
	e.Scope = scopeOf(ctx)
	b, _ := json.Marshal(e) // plain struct of strings: cannot fail
	return base64.RawURLEncoding.EncodeToString(append([]byte(cursorPrefix), b...))
}

// decode is the one cursor decoder: a cursor that is not one of ours, was
// issued under other filters or for another order is a 422.
func decode(ctx context.Context, cursor, sort string) (envelope, error) {
	var e envelope
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return e, invalidCursor("not a cursor returned by this API")
	}
	body, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok || json.Unmarshal([]byte(body), &e) != nil || e.Key == "" {
		return e, invalidCursor("not a cursor returned by this API")
	}
	if e.Scope != scopeOf(ctx) {
		return e, invalidCursor("issued for other filters; start again without a cursor")
	}
	if e.Sort != sort {
		return e, invalidCursor("issued for another sort; start again without a cursor")
	}
	return e, nil
}

func invalidCursor(why string) error {
	return problem.Validation("invalid cursor", problem.FieldError{Field: "cursor", Message: why})
}

// Encode makes the cursor after id for a list ordered by id descending
// that does not use List (e.g. grouped rows).
func Encode(ctx context.Context, id uuid.UUID) string {
	return encode(ctx, envelope{Key: id.String()})
}

// Decode reads a cursor made by Encode.
func Decode(ctx context.Context, cursor string) (uuid.UUID, error) {
	e, err := decode(ctx, cursor, "")
	if err != nil {
		return uuid.Nil, err
	}
	return parseID(e.Key)
}

// EncodeKey wraps a list's own opaque position (e.g. River's job cursor).
func EncodeKey(ctx context.Context, key string) string {
	return encode(ctx, envelope{Sort: "key", Key: key})
}

// DecodeKey reads a cursor made by EncodeKey; the caller still validates
// the key it gets back.
func DecodeKey(ctx context.Context, cursor string) (string, error) {
	e, err := decode(ctx, cursor, "key")
	return e.Key, err
}

func parseID(s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil || id == uuid.Nil {
		return uuid.Nil, invalidCursor("not a cursor returned by this API")
	}
	return id, nil
}

// Bind is the ogen middleware that scopes cursors to the operation and
// filters of the request (see WithScope). An operation that does not page
// by cursor refuses one (422) rather than ignoring it, so a client that
// takes it for a cursor list learns so at once.
func Bind(req ogenmw.Request, next ogenmw.Next) (ogenmw.Response, error) {
	if _, declared := req.Params.Query("cursor"); !declared && req.Raw != nil && req.Raw.URL.Query().Has("cursor") {
		return ogenmw.Response{}, invalidCursor("this operation takes no cursor")
	}
	req.SetContext(WithScope(req.Context, Scope(req.OperationID, req.Params)))
	return next(req)
}

// Scope is the canonical text of an operation and its filters: its path
// and query parameters as decoded (so spelling and defaults do not
// matter), except the cursor itself and the page size.
func Scope(operation string, params ogenmw.Parameters) string {
	var parts []string
	for k, v := range params {
		if k.In != openapi.LocationPath && k.In != openapi.LocationQuery {
			continue
		}
		if k.In == openapi.LocationQuery && (k.Name == "cursor" || k.Name == "limit") {
			continue
		}
		// JSON, not %v: it follows pointers instead of printing addresses.
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte(fmt.Sprint(v))
		}
		parts = append(parts, fmt.Sprintf("%s:%s=%s", k.In, k.Name, b))
	}
	slices.Sort(parts)
	return operation + "?" + strings.Join(parts, "&")
}
