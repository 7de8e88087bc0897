// Package requestmeta carries request-scoped metadata (request id, client
// address, user agent, operation name) through a context.Context so that
// handlers, error writers and logging middleware agree on the same values.
package requestmeta

import (
	"context"
	"sync"
)

// Meta is the metadata recorded for a single HTTP request.
type Meta struct {
	RequestID string
	ClientIP  string
	UserAgent string
	// Operation is the ogen operation name. It is usually unknown when the
	// Meta is created and filled in later via SetOperation.
	Operation string
}

// ctxKey is unexported so no other package can read or overwrite the value
// except through the functions below.
type ctxKey struct{}

// holder is what actually lives in the context. Storing a pointer (rather
// than a Meta value) lets an inner layer such as the ogen router record the
// operation name and an outer layer such as the logging middleware observe
// it after the handler returns, without re-deriving the context. The mutex
// keeps that safe should a handler touch the metadata from a goroutine.
type holder struct {
	mu   sync.Mutex
	meta Meta
}

// NewContext returns a copy of ctx carrying m.
func NewContext(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, ctxKey{}, &holder{meta: m})
}

// FromContext returns the metadata stored in ctx, or the zero Meta if there
// is none.
func FromContext(ctx context.Context) Meta {
	h := lookup(ctx)
	if h == nil {
		return Meta{}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.meta
}

// SetOperation records the operation name on the metadata in ctx. It is a
// no-op when ctx carries no metadata, so callers need not care whether the
// request went through the request-id middleware (e.g. in unit tests).
func SetOperation(ctx context.Context, name string) {
	h := lookup(ctx)
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.meta.Operation = name
}

func lookup(ctx context.Context) *holder {
	h, _ := ctx.Value(ctxKey{}).(*holder)
	return h
}
