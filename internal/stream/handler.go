package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/channel"
	"github.com/worksynapse/worksynapse/ent/streamevent"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/requestmeta"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Auth authenticates the stream's requests the way the API does.
type Auth struct {
	// Bearer validates an access token and returns the context with the
	// viewer (the API's security handler, rate limit included).
	Bearer func(ctx context.Context, token string) (context.Context, error)
	// Problem maps an error to the API's problem (401 for a bad token).
	Problem func(err error) *problem.Problem
}

// writeTimeout bounds one write: a client that does not read for that
// long is disconnected (slow consumer) instead of holding the server.
const writeTimeout = 10 * time.Second

// Handler serves GET /stream and POST /stream/tickets.
type Handler struct {
	hub  *Hub
	auth Auth
	now  func() time.Time
}

// NewHandler serves the hub's streams.
func NewHandler(h *Hub, a Auth) *Handler { return &Handler{hub: h, auth: a, now: time.Now} }

// bearer authenticates the Authorization header.
func (h *Handler) bearer(r *http.Request) (context.Context, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return nil, problem.Unauthorized("a bearer token or a stream ticket is required")
	}
	return h.auth.Bearer(r.Context(), tok)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	p, ok := problem.As(err)
	if !ok {
		p = h.auth.Problem(err)
	}
	problem.Write(w, r, p)
}

// lastEventID reads the resume point (header, else query); 0 is none.
func lastEventID(r *http.Request) (int64, error) {
	s := r.Header.Get("Last-Event-ID")
	if s == "" {
		s = r.URL.Query().Get("last_event_id")
	}
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return 0, problem.Validation("invalid Last-Event-ID", problem.FieldError{Field: "Last-Event-ID", Message: "must be a non-negative integer"})
	}
	return id, nil
}

// ServeStream is GET /stream.
func (h *Handler) ServeStream(w http.ResponseWriter, r *http.Request) {
	requestmeta.SetOperation(r.Context(), "openStream")
	var (
		ctx context.Context
		err error
	)
	if t := r.URL.Query().Get("ticket"); t != "" {
		ctx, err = h.redeem(r.Context(), t)
	} else {
		ctx, err = h.bearer(r)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	last, err := lastEventID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := viewer.FromContext(ctx)
	if v == nil || v.UserID == uuid.Nil {
		h.fail(w, r, problem.Forbidden("the stream needs a user"))
		return
	}
	c := newConn(v, h.hub.opts.ClientBuffer)
	cursor, err := h.hub.add(c)
	if err != nil {
		h.fail(w, r, problem.New(http.StatusServiceUnavailable, "shutting-down", "the server is shutting down; reconnect"))
		return
	}
	defer h.hub.remove(c)
	s := &sender{h: h, w: w, rc: http.NewResponseController(w), base: r.Context(), ctx: ctx, conn: c,
		allowed: map[uuid.UUID]cachedAccess{}}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // proxies must not buffer events
	w.WriteHeader(http.StatusOK)
	if err := s.start(last, cursor); err != nil {
		return
	}
	s.loop(r.Context())
}

// sender is one open stream being written.
type sender struct {
	h       *Handler
	w       http.ResponseWriter
	rc      *http.ResponseController
	base    context.Context // the request's, without a viewer
	ctx     context.Context // the viewer's
	conn    *conn
	sent    int64                      // highest id written (or skipped by a resync)
	allowed map[uuid.UUID]cachedAccess // per channel, until a membership event or recheckAfter
}

// start replays what the client missed (Last-Event-ID) or tells it to
// resync; live events queued meanwhile are deduplicated by id in loop.
func (s *sender) start(last, cursor int64) error {
	if err := s.comment("connected"); err != nil {
		return err
	}
	if last == 0 {
		return nil
	}
	pruned, err := s.h.hub.prunedAfter(s.ctx, last)
	if err != nil {
		return err
	}
	if pruned {
		s.sent = cursor
		return s.write(Event{ID: cursor, Type: Resync, CreatedAt: s.h.now().UTC(),
			Payload: json.RawMessage(`{"reason":"events after Last-Event-ID are past the retention window; reload state"}`)})
	}
	s.sent = last
	for {
		rows, err := s.h.hub.client.StreamEvent.Query().
			Where(streamevent.IDGT(s.sent), streamevent.OrganizationIDIn(keys(s.conn.orgs)...)).
			Order(ent.Asc(streamevent.FieldID)).Limit(batch).All(sys(s.ctx, "replay events after Last-Event-ID; the stream filters them"))
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := s.deliver(fromRow(r)); err != nil {
				return err
			}
		}
		if len(rows) < batch {
			return nil
		}
	}
}

func (s *sender) loop(done context.Context) {
	beat := time.NewTicker(s.h.hub.opts.HeartbeatInterval)
	defer beat.Stop()
	for {
		select {
		case <-done.Done():
			return
		case <-s.conn.gone:
			return
		case <-beat.C:
			if s.comment("heartbeat") != nil {
				return
			}
		case ev := <-s.conn.events:
			if ev.ID <= s.sent {
				continue // already replayed
			}
			if s.deliver(ev) != nil {
				return
			}
		}
	}
}

// deliver writes ev if the user may see it. An AccessChanged event of the
// user is not written: the stream re-authorizes on it.
func (s *sender) deliver(ev Event) error {
	if ev.Type == AccessChanged {
		s.sent = ev.ID
		if ev.UserID != nil && *ev.UserID == s.conn.userID {
			return s.reauthorize()
		}
		return nil
	}
	ok, err := s.may(ev)
	if err != nil {
		return err
	}
	if !ok {
		s.sent = ev.ID
		return nil
	}
	return s.write(ev)
}

// may decides whether the stream's user receives ev. Channel access is
// asked of the privacy rules (the same "public, or a live member" filter
// every read uses) once per channel and cached; a membership event drops
// the cached answer, so a user removed from a private channel stops
// receiving it with the very next event.
func (s *sender) may(ev Event) (bool, error) {
	if !s.conn.orgs[ev.OrganizationID] {
		return false, nil // queued before the user left the organization
	}
	mine := ev.UserID != nil && *ev.UserID == s.conn.userID
	if ev.onlyUser {
		return mine, nil
	}
	if ev.ChannelID == nil {
		return mine, nil
	}
	if strings.HasPrefix(ev.Type, "member.") {
		delete(s.allowed, *ev.ChannelID)
	}
	if mine {
		return true, nil
	}
	a, cached := s.allowed[*ev.ChannelID]
	if cached && s.h.now().Before(a.until) {
		return a.ok, nil
	}
	ok, err := s.h.hub.client.Channel.Query().Where(channel.ID(*ev.ChannelID)).Exist(s.ctx)
	if err != nil {
		return false, err
	}
	s.allowed[*ev.ChannelID] = cachedAccess{ok: ok, until: s.h.now().Add(recheckAfter)}
	return ok, nil
}

// reauthorize loads the stream's viewer again (AccessChanged): the
// organizations it receives become the user's current ones and every
// cached channel answer is dropped. A user who may no longer stream
// (deactivated, session revoked) gets an error, which ends the stream; a
// reconnect then meets authentication.
func (s *sender) reauthorize() error {
	var sid *uuid.UUID
	if v := viewer.FromContext(s.ctx); v != nil && v.SessionID != uuid.Nil {
		sid = &v.SessionID
	}
	ctx, err := s.h.load(s.base, s.conn.userID, sid)
	if err != nil {
		return fmt.Errorf("stream: re-authorize: %w", err)
	}
	s.ctx = ctx
	s.h.hub.setOrgs(s.conn, viewer.FromContext(ctx).OrganizationIDs())
	clear(s.allowed)
	return nil
}

// recheckAfter bounds how long a cached answer is trusted: changes that
// emit no event here (a channel deleted, an organization role changed)
// take effect within it. Membership changes, project channels following
// their project's members included, emit member.* events and act at once.
const recheckAfter = 30 * time.Second

type cachedAccess struct {
	ok    bool
	until time.Time
}

// write sends one SSE frame and flushes it.
func (s *sender) write(ev Event) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	s.sent = ev.ID
	return s.frame(fmt.Sprintf("id: %d\nevent: %s\ndata: %s\n\n", ev.ID, ev.Type, data))
}

func (s *sender) comment(text string) error { return s.frame(": " + text + "\n\n") }

func (s *sender) frame(f string) error {
	// A deadline per write: the server's write timeout would otherwise end
	// every stream, and a client that stops reading must not hold it.
	if err := s.rc.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if _, err := s.w.Write([]byte(f)); err != nil {
		return err
	}
	return s.rc.Flush()
}

// prunedAfter reports whether events after id may have been pruned: the
// oldest kept event is newer than id+1 (PruneEvents always keeps the
// newest event, so an empty table means nothing ever happened).
func (h *Hub) prunedAfter(ctx context.Context, id int64) (bool, error) {
	ids, err := h.client.StreamEvent.Query().Order(ent.Asc(streamevent.FieldID)).Limit(1).IDs(sys(ctx, "oldest kept event id"))
	if err != nil || len(ids) == 0 {
		return false, err
	}
	return ids[0] > id+1, nil
}

func keys(m map[uuid.UUID]bool) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
