// Package server assembles the HTTP server: the middleware chain around the
// ogen-generated router, plus graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"

	ogenmw "github.com/ogen-go/ogen/middleware"

	worksynapse "github.com/worksynapse/worksynapse"
	"github.com/worksynapse/worksynapse/internal/api"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/docs"
	"github.com/worksynapse/worksynapse/internal/llm"
	"github.com/worksynapse/worksynapse/internal/metrics"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/requestmeta"
	"github.com/worksynapse/worksynapse/internal/server/middleware"
	"github.com/worksynapse/worksynapse/internal/stream"
)

// Server is the API's HTTP server.
type Server struct {
	http *http.Server
	cfg  config.HTTPConfig
	log  *slog.Logger
}

// Options are the server's parts, built by the composition root.
type Options struct {
	HTTP     config.HTTPConfig
	Handler  *api.Handler
	Security oas.SecurityHandler
	Log      *slog.Logger
	Metrics  *metrics.Metrics
	// Limits (rate limiting) run after CORS preflights, before bodies are read.
	Limits []middleware.Middleware
	// BodyLimits overrides HTTP.MaxBodyBytes for some requests (uploads);
	// nil keeps the default everywhere.
	BodyLimits func(r *http.Request) (int64, bool)
	// LLM is the LLM gateway (POST /llm/v1/chat/completions), mounted
	// beside the ogen router because its streamed answer must be flushed
	// event by event; nil leaves the route to the router.
	LLM http.Handler
	// Stream is the real-time stream's hub (nil: no /stream).
	Stream *stream.Hub
	// MarkServiceKey marks requests carrying the service key
	// (api.Security.MarkServiceKey), so operations that do not accept it
	// answer 403 rather than 401; nil marks nothing.
	MarkServiceKey middleware.Middleware
	// SessionBarrier holds back the answer of a request that changed
	// sessions, users or roles until every replica's session cache has
	// dropped what it made stale (sessioncache.Replica.Barrier); nil for
	// none.
	SessionBarrier middleware.Middleware
}

// New wires the middleware chain around the API router and the
// operational endpoints (/metrics, /openapi.yaml, /docs).
func New(o Options) (*Server, error) {
	router, err := oas.NewServer(o.Handler, o.Security,
		oas.WithErrorHandler(api.ErrorHandler(o.Log)),
		oas.WithNotFound(notFound),
		oas.WithMethodNotAllowed(methodNotAllowed),
		// pagination.Bind binds list cursors to the filters they were issued for.
		oas.WithMiddleware(recordOperation, pagination.Bind),
	)
	if err != nil {
		return nil, fmt.Errorf("server: build router: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", o.Metrics.Handler())
	mux.HandleFunc("GET /openapi.yaml", serveSpec)
	if err := handleDocs(mux, o.HTTP.TLSProxy); err != nil {
		return nil, err
	}
	if o.LLM != nil {
		mux.Handle("POST "+llm.Path, o.LLM)
	}
	mountStream(mux, o)
	mux.Handle("/", router)

	chain := []middleware.Middleware{
		middleware.RequestID(middleware.WithTrustProxy(o.HTTP.TLSProxy)),
		middleware.Logger(o.Log),
		o.Metrics.Middleware,
		middleware.Recover(o.Log),
		middleware.SecurityHeaders(o.HTTP.TLSProxy),
		middleware.CORS(o.HTTP.CORSAllowedOrigins),
	}
	chain = append(chain, o.Limits...)
	if o.MarkServiceKey != nil {
		chain = append(chain, o.MarkServiceKey)
	}
	chain = append(chain, middleware.BodyLimit(o.HTTP.MaxBodyBytes, o.BodyLimits),
		// Before every handler (ogen's and the gateway's): text PostgreSQL
		// cannot store is refused before any lookup, write or provider call.
		// User-Agent is stored with sessions, logins and audit rows.
		middleware.StorableText("User-Agent"),
		except(middleware.Timeout(o.HTTP.RequestTimeout), "/stream", llm.Path))
	if o.SessionBarrier != nil {
		chain = append(chain, o.SessionBarrier)
	}
	cfg := o.HTTP
	hs := &http.Server{
		Addr:              cfg.Addr,
		Handler:           middleware.Chain(mux, chain...),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
	}
	if o.Stream != nil {
		// Open streams never go idle: end them when shutdown begins, or
		// Shutdown would wait for them until its timeout.
		hs.RegisterOnShutdown(o.Stream.Shutdown)
	}
	return &Server{cfg: cfg, log: o.Log, http: hs}, nil
}

// --- Real-time stream (internal/stream) ---

// mountStream serves GET /stream (server-sent events, which ogen cannot
// stream per event) and POST /stream/tickets beside the ogen router: same
// middleware chain, the API's bearer authentication and per-user rate
// limit, and problem+json errors. Both are documented in
// internal/apispec/fragments/stream.yaml.
func mountStream(mux *http.ServeMux, o Options) {
	if o.Stream == nil {
		return
	}
	h := stream.NewHandler(o.Stream, stream.Auth{
		Bearer: func(ctx context.Context, token string) (context.Context, error) {
			return o.Security.HandleBearerAuth(ctx, oas.OpenStreamOperation, oas.BearerAuth{Token: token})
		},
		Problem: api.ToProblem,
	})
	mux.Handle("GET /stream", api.RefuseServiceKey(http.HandlerFunc(h.ServeStream)))
	mux.Handle("POST /stream/tickets", api.RefuseServiceKey(http.HandlerFunc(h.ServeTicket)))
}

// except skips mw for the long-lived routes at paths: /stream lives as
// long as the client stays (its writes have their own deadline), and LLM
// completions may take minutes (bounded by llm.timeout instead of
// http.request_timeout).
func except(mw middleware.Middleware, paths ...string) middleware.Middleware {
	return func(next http.Handler) http.Handler {
		wrapped := mw(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if slices.Contains(paths, r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			wrapped.ServeHTTP(w, r)
		})
	}
}

// serveSpec serves the OpenAPI contract this binary was built from.
func serveSpec(w http.ResponseWriter, r *http.Request) {
	requestmeta.SetOperation(r.Context(), "getOpenAPISpec")
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(worksynapse.OpenAPISpec)
}

// handleDocs mounts the API reference page. Its CSP replaces the strict
// default (set earlier in the chain) on these responses only.
func handleDocs(mux *http.ServeMux, hsts bool) error {
	h, err := docs.New()
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	withCSP := middleware.SecurityHeadersWith(middleware.SecurityHeadersOptions{HSTS: hsts, CSP: docs.CSP})
	mux.Handle("GET /docs", withCSP(http.HandlerFunc(h.ServePage)))
	mux.Handle("GET /docs/assets/", withCSP(http.HandlerFunc(h.ServeAsset)))
	return nil
}

// Handler is the complete HTTP handler (for tests with httptest).
func (s *Server) Handler() http.Handler { return s.http.Handler }

// Serve accepts connections on l until ctx is cancelled, then drains
// in-flight requests for at most the configured shutdown timeout.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(l) }()
	s.log.Info("listening", "addr", l.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	s.log.Info("shutting down", "grace", s.cfg.ShutdownTimeout.String())
	if err := s.http.Shutdown(shutdown); err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", err)
	}
	return nil
}

// ListenAndServe listens on the configured address and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context) error {
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: listen %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, l)
}

// recordOperation tells the access log which operation served the request.
func recordOperation(req ogenmw.Request, next ogenmw.Next) (ogenmw.Response, error) {
	requestmeta.SetOperation(req.Context, req.OperationName)
	return next(req)
}

func notFound(w http.ResponseWriter, r *http.Request) {
	problem.Write(w, r, problem.NotFound("no operation at this path"))
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allowed string) {
	w.Header().Set("Allow", allowed)
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	problem.Write(w, r, problem.New(http.StatusMethodNotAllowed, "method-not-allowed", "allowed: "+allowed))
}
