package api

import (
	"context"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Register implements POST /auth/register.
func (h *Handler) Register(ctx context.Context, req *oas.RegisterRequest) (oas.RegisterRes, error) {
	u, err := h.identity.Register(ctx, identity.RegisterInput{
		Email: req.Email, Username: req.Username, Password: req.Password, DisplayName: req.DisplayName.Or(""),
	})
	if err != nil {
		return nil, err
	}
	return ToAPIMe(u, nil), nil
}

// Login implements POST /auth/login.
func (h *Handler) Login(ctx context.Context, req *oas.LoginRequest) (oas.LoginRes, error) {
	pair, err := h.identity.Login(ctx, identity.LoginInput{
		Identifier: req.Identifier, Password: req.Password,
		TOTPCode: req.TotpCode.Or(""), RecoveryCode: req.RecoveryCode.Or(""),
		DeviceName: req.DeviceName.Or(""), DeviceType: string(req.DeviceType.Or(oas.LoginRequestDeviceTypeUnknown)),
	})
	if err != nil {
		return nil, err
	}
	return ToAPITokenPair(pair), nil
}

// RefreshToken implements POST /auth/refresh.
func (h *Handler) RefreshToken(ctx context.Context, req *oas.RefreshRequest) (oas.RefreshTokenRes, error) {
	pair, err := h.identity.Refresh(ctx, req.RefreshToken)
	if err != nil {
		return nil, err
	}
	return ToAPITokenPair(pair), nil
}

// Logout implements POST /auth/logout.
func (h *Handler) Logout(ctx context.Context) (oas.LogoutRes, error) {
	v, err := mustViewer(ctx)
	if err != nil {
		return nil, err
	}
	return &oas.LogoutNoContent{}, h.identity.Logout(ctx, v)
}

// LogoutAll implements POST /auth/logout-all.
func (h *Handler) LogoutAll(ctx context.Context) (oas.LogoutAllRes, error) {
	v, err := mustViewer(ctx)
	if err != nil {
		return nil, err
	}
	return &oas.LogoutAllNoContent{}, h.identity.LogoutAll(ctx, v)
}

// GetMe implements GET /auth/me.
func (h *Handler) GetMe(ctx context.Context) (oas.GetMeRes, error) {
	v, err := mustViewer(ctx)
	if err != nil {
		return nil, err
	}
	u, orgs, err := h.identity.Me(ctx, v)
	if err != nil {
		return nil, err
	}
	return ToAPIMe(u, membershipsOf(v, orgs)), nil
}

// ListSessions implements GET /auth/sessions.
func (h *Handler) ListSessions(ctx context.Context, params oas.ListSessionsParams) (oas.ListSessionsRes, error) {
	v, err := mustViewer(ctx)
	if err != nil {
		return nil, err
	}
	page, err := h.identity.ListSessions(ctx, v, pageParams(params.Limit, params.Cursor))
	if err != nil {
		return nil, err
	}
	out := &oas.SessionPage{Items: make([]oas.SessionInfo, 0, len(page.Items)), NextCursor: nextCursor(page.NextCursor)}
	for _, s := range page.Items {
		out.Items = append(out.Items, ToAPISession(s, v.SessionID))
	}
	return out, nil
}

// RevokeSession implements DELETE /auth/sessions/{id}.
func (h *Handler) RevokeSession(ctx context.Context, params oas.RevokeSessionParams) (oas.RevokeSessionRes, error) {
	v, err := mustViewer(ctx)
	if err != nil {
		return nil, err
	}
	return &oas.RevokeSessionNoContent{}, h.identity.RevokeSession(ctx, v, params.ID, identity.EventSessionRevoked)
}

func membershipsOf(v *viewer.Viewer, orgs []*ent.Organization) []oas.Membership {
	out := make([]oas.Membership, 0, len(orgs))
	for _, o := range orgs {
		m := oas.Membership{OrganizationID: o.ID, OrganizationName: o.Name, Roles: []string{}}
		for _, r := range v.Memberships[o.ID].Roles {
			m.Roles = append(m.Roles, string(r))
		}
		out = append(out, m)
	}
	return out
}
