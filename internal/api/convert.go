package api

import (
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/pagination"
)

// ToAPIMe converts a user (and their memberships) to the /auth/me shape.
func ToAPIMe(u *ent.User, memberships []oas.Membership) *oas.Me {
	if memberships == nil {
		memberships = []oas.Membership{}
	}
	me := &oas.Me{
		ID: u.ID, Email: u.Email, Username: u.Username, Status: oas.MeStatus(u.Status),
		IsSuperuser: u.IsSuperuser, EmailVerified: u.EmailVerifiedAt != nil, MfaEnabled: u.MfaEnabled,
		CreatedAt: u.CreatedAt, Memberships: memberships,
	}
	if u.DisplayName != "" {
		me.DisplayName = oas.NewOptString(u.DisplayName)
	}
	return me
}

// ToAPITokenPair converts issued tokens.
func ToAPITokenPair(p *identity.TokenPair) *oas.TokenPair {
	return &oas.TokenPair{
		AccessToken: p.AccessToken, TokenType: oas.TokenPairTokenTypeBearer,
		ExpiresIn: int(p.ExpiresIn.Seconds()), RefreshToken: p.RefreshToken,
		RefreshExpiresAt: p.RefreshExpiresAt, SessionID: p.SessionID,
	}
}

// ToAPISession converts a session; current marks the caller's own.
func ToAPISession(s *ent.Session, current uuid.UUID) oas.SessionInfo {
	out := apiconv.SessionInfo(s)
	out.Current = s.ID == current
	return *out
}

// pageParams maps the shared limit/cursor parameters.
func pageParams(limit oas.OptInt, cursor oas.OptString) pagination.Params {
	return pagination.Params{Limit: limit.Or(pagination.DefaultLimit), Cursor: cursor.Or("")}
}

// nextCursor is null on the last page.
func nextCursor(c string) oas.OptNilString {
	if c == "" {
		return oas.OptNilString{Set: true, Null: true}
	}
	return oas.NewOptNilString(c)
}
