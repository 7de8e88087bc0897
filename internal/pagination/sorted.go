package pagination

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent/intercept"
)

// Sort is one order a list can be requested in: keyset pagination over
// (Expr, id), so the page boundary is a position in the order and not an
// offset. Ties on Expr are broken by id in the same direction.
type Sort[T any] struct {
	// Name binds a cursor to its sort: a cursor of another sort is refused.
	Name string
	// Expr is the SQL sort expression over the queried table (a column or
	// e.g. a CASE ranking an enum); nil orders by id alone.
	Expr func(s *sql.Selector) string
	// Value is Expr's value for a row: int64, time.Time, or nil when
	// Nullable and absent.
	Value func(T) any
	// Nullable expressions sort NULLs last in both directions (dialects
	// disagree on the default, so it is made explicit).
	Nullable bool
	Desc     bool
}

// ListSorted runs q for one page in the order s (List is ListSorted by id
// descending). One query per page whatever the limit.
func ListSorted[T any](ctx context.Context, q Query[T], p Params, s Sort[T], id func(T) uuid.UUID) (Page[T], error) {
	limit := clampLimit(p.Limit)
	iq, err := intercept.NewQuery(q)
	if err != nil {
		return Page[T]{}, fmt.Errorf("pagination: %w", err)
	}
	if p.Cursor != "" {
		c, err := decode(ctx, p.Cursor, s.Name)
		if err != nil {
			return Page[T]{}, err
		}
		afterID, err := parseID(c.Key)
		if err != nil {
			return Page[T]{}, err
		}
		after, err := parseValue(c.Value)
		if err != nil {
			return Page[T]{}, err
		}
		iq.WhereP(func(sel *sql.Selector) { sel.Where(s.after(sel, after, afterID)) })
	}
	iq.Order(func(sel *sql.Selector) { s.order(sel) })
	return fetch(ctx, q, iq, limit, func(last T) string {
		c := envelope{Sort: s.Name, Key: id(last).String()}
		if s.Expr != nil {
			c.Value = formatValue(s.Value(last))
		}
		return encode(ctx, c)
	})
}

func (s Sort[T]) dir() string {
	if s.Desc {
		return " DESC"
	}
	return " ASC"
}

func (s Sort[T]) op() sql.Op {
	if s.Desc {
		return sql.OpLT
	}
	return sql.OpGT
}

func (s Sort[T]) order(sel *sql.Selector) {
	if s.Expr != nil {
		e := s.Expr(sel)
		if s.Nullable {
			sel.OrderBy("(" + e + ") IS NULL")
		}
		sel.OrderBy(e + s.dir())
	}
	sel.OrderBy(sel.C("id") + s.dir())
}

// after is the keyset predicate: rows strictly after (value, id) in the
// order, NULLs of a Nullable sort coming after every value.
func (s Sort[T]) after(sel *sql.Selector, value any, id uuid.UUID) *sql.Predicate {
	idAfter := compare(sel.C("id"), s.op(), id)
	if s.Expr == nil {
		return idAfter
	}
	e := s.Expr(sel)
	if value == nil {
		return sql.And(sql.P(func(b *sql.Builder) { b.WriteString("(" + e + ") IS NULL") }), idAfter)
	}
	preds := []*sql.Predicate{
		compare(e, s.op(), value),
		sql.And(compare(e, sql.OpEQ, value), idAfter),
	}
	if s.Nullable {
		preds = append(preds, sql.P(func(b *sql.Builder) { b.WriteString("(" + e + ") IS NULL") }))
	}
	return sql.Or(preds...)
}

// compare is `expr op ?` for an arbitrary SQL expression (sql.LT and
// friends quote their left side as a column).
func compare(expr string, op sql.Op, v any) *sql.Predicate {
	return sql.P(func(b *sql.Builder) {
		b.WriteString("(" + expr + ")").WriteOp(op).Arg(v)
	})
}

func formatValue(v any) string {
	switch x := v.(type) {
	case int64:
		return "i:" + strconv.FormatInt(x, 10)
	case int:
		return "i:" + strconv.Itoa(x)
	case time.Time:
		return "t:" + x.Format(time.RFC3339Nano)
	}
	return ""
}

func parseValue(s string) (any, error) {
	kind, raw, _ := strings.Cut(s, ":")
	switch kind {
	case "":
		return nil, nil
	case "i":
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return n, nil
		}
	case "t":
		if t, err := time.Parse(time.RFC3339Nano, raw); err == nil {
			return t, nil
		}
	}
	return nil, invalidCursor("not a cursor returned by this API")
}
