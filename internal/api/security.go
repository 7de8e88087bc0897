package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"

	"github.com/google/uuid"
	"github.com/ogen-go/ogen/ogenerrors"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/agents"
	"github.com/worksynapse/worksynapse/internal/requestmeta"

	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/ratelimit"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Security is ogen's SecurityHandler: the only place a user viewer enters
// the request context. It also applies the per-user rate limit, which only
// an authenticated request can be charged to.
type Security struct {
	Identity *identity.Service
	Limiter  ratelimit.Limiter // nil disables the per-user limit
	PerUser  ratelimit.Limit
	// Client resolves agent API keys (X-API-Key); nil refuses them.
	Client *ent.Client
	// Log records authentications that could not be decided (see
	// undecided); nil logs to slog.Default().
	Log *slog.Logger
}

var _ oas.SecurityHandler = Security{}

// HandleBearerAuth validates the access token and loads the viewer.
func (s Security) HandleBearerAuth(ctx context.Context, _ oas.OperationName, t oas.BearerAuth) (context.Context, error) {
	v, err := s.Identity.Authenticate(ctx, t.Token)
	if err != nil {
		return ctx, s.undecided(ctx, "bearer", err)
	}
	if err := s.chargeUser(ctx, v); err != nil {
		return ctx, err
	}
	return viewer.NewContext(ctx, v), nil
}

// HandleApiKeyAuth resolves an agent key to a viewer acting as the agent
// (see agents.Authenticate); only operations that list apiKeyAuth reach it.
// The service key shares the header: on these operations it is 403.
func (s Security) HandleApiKeyAuth(ctx context.Context, _ oas.OperationName, t oas.ApiKeyAuth) (context.Context, error) {
	if s.Identity.IsServiceKey(t.APIKey) {
		return ctx, errServiceNotAllowed
	}
	if s.Client == nil {
		return ctx, problem.Unauthorized("agent keys are not accepted here")
	}
	v, err := agents.Authenticate(ctx, s.Client, t.APIKey, requestmeta.FromContext(ctx).ClientIP)
	if err != nil {
		return ctx, s.undecided(ctx, "agent key", err)
	}
	if err := s.chargeUser(ctx, v); err != nil {
		return ctx, err
	}
	return viewer.NewContext(ctx, v), nil
}

// HandleAgentKeyBearerAuth takes an agent key sent as a bearer token (how
// OpenAI SDKs send an API key); only the LLM gateway lists the scheme. It
// is the agent key, whatever header carried it.
func (s Security) HandleAgentKeyBearerAuth(ctx context.Context, op oas.OperationName, t oas.AgentKeyBearerAuth) (context.Context, error) {
	return s.HandleApiKeyAuth(ctx, op, oas.ApiKeyAuth{APIKey: t.Token})
}

// HandleServiceKey admits the service principal (X-API-Key equal to
// auth.service_api_key). ogen calls it only for the operations whose spec
// lists serviceKey, which is what confines the service to them; any other
// key there is a counted 401, except a valid agent key: 403, as on every
// operation that does not accept agent keys.
func (s Security) HandleServiceKey(ctx context.Context, _ oas.OperationName, t oas.ServiceKey) (context.Context, error) {
	v, err := s.Identity.AuthenticateService(t.APIKey)
	if err != nil {
		if agentKeyMarked(ctx) {
			return ctx, errAgentNotAllowed
		}
		return ctx, err
	}
	if err := s.chargeUser(ctx, v); err != nil {
		return ctx, err
	}
	return viewer.NewContext(ctx, v), nil
}

// errAuthUnavailable answers a request whose credential could not be
// checked. Retry-After: the failures it stands for (too many clients, a
// dropped connection, a failover) pass within seconds.
var errAuthUnavailable = func() *problem.Problem {
	p := problem.New(http.StatusServiceUnavailable, problem.SlugServiceUnavailable,
		"the credentials could not be checked right now; retry")
	p.RetryAfter = 2
	return p
}()

// undecided passes a verdict on the credential (a problem: 401 for a bad,
// expired or revoked one) through as it is. Any other error means the
// server could not decide (the database refused or dropped the
// connection): that is 503, never 401, which would tell a client holding
// a good credential to throw it away. The cause is logged, never the
// credential.
func (s Security) undecided(ctx context.Context, scheme string, err error) error {
	if _, ok := problem.As(err); ok {
		return err
	}
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	log.ErrorContext(ctx, "authentication could not be decided", "scheme", scheme,
		"request_id", requestmeta.FromContext(ctx).RequestID, "error", err)
	return errAuthUnavailable
}

// errServiceNotAllowed answers the service key on an operation that does
// not list serviceKey: the principal is known, it just may not do this.
var errServiceNotAllowed = problem.Forbidden("the service key is not accepted by this operation")

// errAgentNotAllowed answers a valid agent key on an operation that does
// not list apiKeyAuth: the agent is authenticated, it just may not do this.
var errAgentNotAllowed = problem.Forbidden("agent keys are not accepted by this operation")

type serviceKeyMark struct{}

// agentKeyMark holds isAgent: whether the request's X-API-Key is a valid
// agent key, decided on first use (only a request that fails security
// asks, so the others pay no key lookup).
type agentKeyMark struct{}

// MarkServiceKey notes, before routing, that a request carries the service
// key or another X-API-Key (an agent's, maybe). ogen calls no security
// handler for a scheme an operation does not list, so on an operation open
// to bearer tokens only the request would fail as unauthenticated (401);
// the mark lets the error mapping answer 403 to a principal it knows
// instead (see securityProblem).
func (s Security) MarkServiceKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch key := r.Header.Get("X-API-Key"); {
		case key == "":
		case s.Identity.IsServiceKey(key):
			r = r.WithContext(context.WithValue(r.Context(), serviceKeyMark{}, true))
		case s.Client != nil:
			ctx := r.Context()
			isAgent := sync.OnceValue(func() bool {
				_, err := agents.Authenticate(ctx, s.Client, key, requestmeta.FromContext(ctx).ClientIP)
				return err == nil
			})
			r = r.WithContext(context.WithValue(ctx, agentKeyMark{}, isAgent))
		}
		next.ServeHTTP(w, r)
	})
}

// RefuseServiceKey answers 403 to requests MarkServiceKey marked, for the
// routes served beside the ogen router, none of which accepts the service
// (the real-time stream); the LLM gateway refuses it in HandleApiKeyAuth.
func RefuseServiceKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if marked(r.Context()) {
			problem.Write(w, r, errServiceNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func marked(ctx context.Context) bool {
	m, _ := ctx.Value(serviceKeyMark{}).(bool)
	return m
}

// securityProblem maps ogen's "no security requirement satisfied": 403 for
// the service key and for a valid agent key (MarkServiceKey), 401 for
// everyone else. An operation that lists apiKeyAuth never gets here with
// an X-API-Key: its handler ran and answered itself.
func securityProblem(ctx context.Context, err error) (*problem.Problem, bool) {
	var security *ogenerrors.SecurityError
	if !errors.As(err, &security) || !errors.Is(err, ogenerrors.ErrSecurityRequirementIsNotSatisfied) {
		return nil, false
	}
	if marked(ctx) {
		return errServiceNotAllowed, true
	}
	if agentKeyMarked(ctx) {
		return errAgentNotAllowed, true
	}
	return nil, false
}

// agentKeyMarked reports whether the request carries a valid agent key
// (see MarkServiceKey).
func agentKeyMarked(ctx context.Context) bool {
	isAgent, ok := ctx.Value(agentKeyMark{}).(func() bool)
	return ok && isAgent()
}

// chargeUser counts the request against the user's budget. Like the IP
// limits it fails open: an unavailable limiter must not take the API down.
func (s Security) chargeUser(ctx context.Context, v *viewer.Viewer) error {
	if s.Limiter == nil || s.PerUser.IsZero() {
		return nil
	}
	principal := v.UserID.String()
	switch {
	case v.AgentID != uuid.Nil:
		principal = "agent:" + v.AgentID.String() // an agent has its own budget
	case v.IsService():
		principal = "service"
	}
	d, err := ratelimit.CheckUser(ctx, s.Limiter, principal, s.PerUser)
	if err != nil || d.Allowed {
		return nil
	}
	p := problem.TooManyRequests("too many requests for this account; retry later")
	p.RetryAfter = int(ratelimit.RetryAfterSeconds(d))
	return p
}

// mustViewer returns the authenticated viewer of a secured operation.
func mustViewer(ctx context.Context) (*viewer.Viewer, error) {
	v := viewer.FromContext(ctx)
	if v == nil || v.UserID == uuid.Nil {
		return nil, identity.ErrInvalidToken
	}
	return v, nil
}
