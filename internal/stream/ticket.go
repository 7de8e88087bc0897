package stream

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	guuid "github.com/google/uuid"
	"github.com/worksynapse/worksynapse/ent/session"
	"github.com/worksynapse/worksynapse/ent/streamticket"
	"github.com/worksynapse/worksynapse/ent/user"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/requestmeta"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// TicketTTL is how long a stream ticket may wait to be redeemed.
const TicketTTL = 60 * time.Second

func hashTicket(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// ServeTicket is POST /stream/tickets: a single-use ticket for the caller.
func (h *Handler) ServeTicket(w http.ResponseWriter, r *http.Request) {
	requestmeta.SetOperation(r.Context(), "createStreamTicket")
	ctx, err := h.bearer(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := viewer.FromContext(ctx)
	var raw [32]byte
	_, _ = rand.Read(raw[:]) // crypto/rand never fails on supported platforms
	t := base64.RawURLEncoding.EncodeToString(raw[:])
	exp := h.now().Add(TicketTTL).UTC()
	// Why a system context: tickets are system data; the caller is
	// authenticated and gets a ticket for itself only.
	sysCtx := viewer.NewSystemContext(ctx, "stream: issue a ticket")
	c := h.hub.client.StreamTicket.Create().SetUserID(v.UserID).SetTokenHash(hashTicket(t)).SetExpiresAt(exp)
	if v.SessionID != guuid.Nil {
		c.SetSessionID(v.SessionID)
	}
	if err := c.Exec(sysCtx); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"ticket": t, "expires_at": exp})
}

// redeem uses up a ticket and returns the context of its user. The
// conditional update makes it single-use even when two replicas race.
func (h *Handler) redeem(ctx context.Context, t string) (context.Context, error) {
	// Why a system context: the ticket is the credential; this builds the
	// viewer, so none exists yet.
	sysCtx := viewer.NewSystemContext(ctx, "stream: redeem a ticket")
	now := h.now()
	bad := problem.Unauthorized("the stream ticket is invalid, expired or already used")
	n, err := h.hub.client.StreamTicket.Update().Where(streamticket.TokenHash(hashTicket(t)),
		streamticket.UsedAtIsNil(), streamticket.ExpiresAtGT(now)).SetUsedAt(now).Save(sysCtx)
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, bad
	}
	tk, err := h.hub.client.StreamTicket.Query().Where(streamticket.TokenHash(hashTicket(t))).Only(sysCtx)
	if err != nil {
		return nil, err
	}
	u, err := h.hub.client.User.Query().Where(user.ID(tk.UserID), user.StatusEQ(user.StatusActive)).Only(sysCtx)
	if err != nil {
		return nil, bad
	}
	if tk.SessionID != nil {
		// A ticket dies with the session it was issued in (logout, revoke).
		ok, err := h.hub.client.Session.Query().Where(session.ID(*tk.SessionID), session.RevokedAtIsNil(),
			session.ExpiresAtGT(now)).Exist(sysCtx)
		if err != nil || !ok {
			return nil, bad
		}
	}
	v, err := identity.LoadViewer(sysCtx, h.hub.client, u)
	if err != nil {
		return nil, err
	}
	if tk.SessionID != nil {
		v.SessionID = *tk.SessionID
	}
	return viewer.NewContext(ctx, v), nil
}
