package api

import (
	"context"

	"github.com/google/uuid"

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
}

var _ oas.SecurityHandler = Security{}

// HandleBearerAuth validates the access token and loads the viewer.
func (s Security) HandleBearerAuth(ctx context.Context, _ oas.OperationName, t oas.BearerAuth) (context.Context, error) {
	v, err := s.Identity.Authenticate(ctx, t.Token)
	if err != nil {
		return ctx, err
	}
	if err := s.chargeUser(ctx, v); err != nil {
		return ctx, err
	}
	return viewer.NewContext(ctx, v), nil
}

// HandleApiKeyAuth resolves an agent key to a viewer acting as the agent
// (see agents.Authenticate); only operations that list apiKeyAuth reach it.
func (s Security) HandleApiKeyAuth(ctx context.Context, _ oas.OperationName, t oas.ApiKeyAuth) (context.Context, error) {
	if s.Client == nil {
		return ctx, problem.Unauthorized("agent keys are not accepted here")
	}
	v, err := agents.Authenticate(ctx, s.Client, t.APIKey, requestmeta.FromContext(ctx).ClientIP)
	if err != nil {
		return ctx, err
	}
	if err := s.chargeUser(ctx, v); err != nil {
		return ctx, err
	}
	return viewer.NewContext(ctx, v), nil
}

// chargeUser counts the request against the user's budget. Like the IP
// limits it fails open: an unavailable limiter must not take the API down.
func (s Security) chargeUser(ctx context.Context, v *viewer.Viewer) error {
	if s.Limiter == nil || s.PerUser.IsZero() {
		return nil
	}
	principal := v.UserID.String()
	if v.AgentID != uuid.Nil {
		principal = "agent:" + v.AgentID.String() // an agent has its own budget
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
