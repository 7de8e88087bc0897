package stream

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	guuid "github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
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
	out, err := h.load(ctx, tk.UserID, tk.SessionID)
	if errors.Is(err, errNoAccess) {
		return nil, bad
	}
	return out, err
}

// errNoAccess: the user is not active or the session is over.
var errNoAccess = errors.New("stream: the user may no longer stream")

// load builds the viewer of user on ctx as authentication does: the user
// must be active and, when the stream belongs to a session, the session
// live (a ticket dies with its session; a stream is re-authorized this way
// when its user's access changes).
func (h *Handler) load(ctx context.Context, uid guuid.UUID, sid *guuid.UUID) (context.Context, error) {
	// Why a system context: this builds the viewer, so none exists yet.
	sysCtx := viewer.NewSystemContext(ctx, "stream: load the viewer")
	u, err := h.hub.client.User.Query().Where(user.ID(uid), user.StatusEQ(user.StatusActive)).Only(sysCtx)
	if ent.IsNotFound(err) {
		return nil, errNoAccess
	}
	if err != nil {
		return nil, fmt.Errorf("stream: load user: %w", err)
	}
	if sid != nil {
		ok, err := h.hub.client.Session.Query().Where(session.ID(*sid), session.RevokedAtIsNil(),
			session.ExpiresAtGT(h.now())).Exist(sysCtx)
		if err != nil {
			return nil, fmt.Errorf("stream: check session: %w", err)
		}
		if !ok {
			return nil, errNoAccess
		}
	}
	v, err := identity.LoadViewer(sysCtx, h.hub.client, u)
	if err != nil {
		return nil, err
	}
	if sid != nil {
		v.SessionID = *sid
	}
	return viewer.NewContext(ctx, v), nil
}
