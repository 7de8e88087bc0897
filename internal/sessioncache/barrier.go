package sessioncache

import (
	"context"
	"net/http"
	"sync"
)

// Pending collects the announcements one request's changes sent, so its
// response can wait for their acknowledgements (Barrier).
type Pending struct {
	r      *Replica
	mu     sync.Mutex
	nonces []string
}

type pendingKey struct{}

func pendingFrom(ctx context.Context) *Pending {
	p, _ := ctx.Value(pendingKey{}).(*Pending)
	return p
}

// expect is called by the hook before it sends announcement nonce.
func (p *Pending) expect(nonce string) {
	if p == nil {
		return
	}
	p.r.expect(nonce)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nonces = append(p.nonces, nonce)
}

// transaction records the id of the transaction that sent nonce.
func (p *Pending) transaction(nonce string, xid int64) {
	if p != nil {
		p.r.transaction(nonce, xid)
	}
}

func (p *Pending) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.nonces
	p.nonces = nil
	return n
}

// Barrier holds back the response of a request that changed what session
// snapshots depend on until every replica has evicted what it made stale:
// the status line is written only then. A failed request (status 400 and
// up) does not wait: its transaction normally rolled back, so nothing was
// announced. A nil Replica waits for nothing.
func (r *Replica) Barrier(next http.Handler) http.Handler {
	if r == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p := &Pending{r: r}
		bw := &barrierWriter{ResponseWriter: w, ctx: req.Context(), p: p}
		defer func() { r.forget(p.take()) }()
		next.ServeHTTP(bw, req.WithContext(context.WithValue(req.Context(), pendingKey{}, p)))
	})
}

// barrierWriter waits for the request's announcements before the status
// line goes out.
type barrierWriter struct {
	http.ResponseWriter
	ctx     context.Context
	p       *Pending
	started bool
}

func (w *barrierWriter) begin(status int) {
	if w.started || status < http.StatusOK {
		return
	}
	w.started = true
	if status >= http.StatusBadRequest {
		return
	}
	if nonces := w.p.take(); len(nonces) > 0 {
		w.p.r.await(w.ctx, nonces)
		w.p.r.forget(nonces)
	}
}

func (w *barrierWriter) WriteHeader(status int) {
	w.begin(status)
	w.ResponseWriter.WriteHeader(status)
}

func (w *barrierWriter) Write(b []byte) (int, error) {
	w.begin(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Flush implements http.Flusher (server-sent events type-assert it).
func (w *barrierWriter) Flush() {
	w.begin(http.StatusOK)
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the wrapped writer for http.ResponseController.
func (w *barrierWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
