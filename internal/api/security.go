package api

import (
	"context"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Security is ogen's SecurityHandler: the only place a user viewer enters
// the request context.
type Security struct {
	Identity *identity.Service
}

var _ oas.SecurityHandler = Security{}

// HandleBearerAuth validates the access token and loads the viewer.
func (s Security) HandleBearerAuth(ctx context.Context, _ oas.OperationName, t oas.BearerAuth) (context.Context, error) {
	v, err := s.Identity.Authenticate(ctx, t.Token)
	if err != nil {
		return ctx, err
	}
	return viewer.NewContext(ctx, v), nil
}

// mustViewer returns the authenticated viewer of a secured operation.
func mustViewer(ctx context.Context) (*viewer.Viewer, error) {
	v := viewer.FromContext(ctx)
	if v == nil || v.UserID == uuid.Nil {
		return nil, identity.ErrInvalidToken
	}
	return v, nil
}
