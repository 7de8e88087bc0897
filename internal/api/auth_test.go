package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/loginhistory"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/ent/session"
	"github.com/worksynapse/worksynapse/internal/auth/tokens"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// Every test gets its own databases (testdb), server and users, so tests
// run in parallel (t.Parallel). The few that stay serial measure the
// process's heap, assert wall-clock latencies, or share Redis: they say so
// in a comment. A new test should call t.Parallel unless it does the same.
func TestMain(m *testing.M) { testdb.Main(m) }

const goodPassword = "correct horse battery staple"

// register creates an account through the API.
func register(t *testing.T, s *testserver.Server, username string) *oas.Me {
	t.Helper()
	res, err := s.Client.Register(context.Background(), &oas.RegisterRequest{
		Email: username + "@example.com", Username: username, Password: goodPassword,
	})
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	me, ok := res.(*oas.Me)
	if !ok {
		t.Fatalf("register: unexpected %T %+v", res, res)
	}
	return me
}

// login signs in and fails the test unless tokens come back.
func login(t *testing.T, s *testserver.Server, identifier, pw string) *oas.TokenPair {
	t.Helper()
	res, err := s.Client.Login(context.Background(), &oas.LoginRequest{Identifier: identifier, Password: pw,
		DeviceName: oas.NewOptString("test"), DeviceType: oas.NewOptLoginRequestDeviceType(oas.LoginRequestDeviceTypeCli)})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	pair, ok := res.(*oas.TokenPair)
	if !ok {
		t.Fatalf("login: unexpected %T %+v", res, res)
	}
	return pair
}

// me calls GET /auth/me with token and returns the status code.
func me(t *testing.T, s *testserver.Server, token string) int {
	t.Helper()
	resp, _ := s.Do(t, http.MethodGet, "/auth/me", "", nil, http.Header{"Authorization": {"Bearer " + token}})
	return resp.StatusCode
}

func securityEvents(t *testing.T, db *database.DB, kind string) []*ent.SecurityAuditLog {
	t.Helper()
	rows, err := db.Ent.SecurityAuditLog.Query().Where(securityauditlog.EventType(kind)).All(testfix.System())
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestRegisterLoginRefreshLogoutRoundTrip(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		s := testserver.Start(t, db, nil)
		ctx := context.Background()
		created := register(t, s, "ada")
		pair := login(t, s, "ADA@example.com", goodPassword)
		if pair.TokenType != oas.TokenPairTokenTypeBearer || pair.ExpiresIn != 900 || !strings.HasPrefix(pair.RefreshToken, "wsr_") {
			t.Errorf("token pair: %+v", pair)
		}
		res, err := s.ClientWithToken(t, pair.AccessToken).GetMe(ctx)
		if m, ok := res.(*oas.Me); err != nil || !ok || m.ID != created.ID || m.Email != "ada@example.com" {
			t.Fatalf("me: %v %+v", err, res)
		}
		rres, err := s.Client.RefreshToken(ctx, &oas.RefreshRequest{RefreshToken: pair.RefreshToken})
		next, ok := rres.(*oas.TokenPair)
		if err != nil || !ok || next.RefreshToken == pair.RefreshToken || next.SessionID != pair.SessionID {
			t.Fatalf("refresh: %v %+v", err, rres)
		}
		if code := me(t, s, next.AccessToken); code != http.StatusOK {
			t.Fatalf("refreshed access token: %d", code)
		}
		if _, err := s.ClientWithToken(t, next.AccessToken).Logout(ctx); err != nil {
			t.Fatalf("logout: %v", err)
		}
		if code := me(t, s, next.AccessToken); code != http.StatusUnauthorized {
			t.Errorf("access token of a revoked session must stop at once, got %d", code)
		}
		if code := me(t, s, pair.AccessToken); code != http.StatusUnauthorized {
			t.Errorf("older access token of the revoked session must stop too, got %d", code)
		}
		if len(securityEvents(t, db, "auth.login")) != 1 || len(securityEvents(t, db, "auth.logout")) != 1 {
			t.Errorf("login and logout must be security events")
		}
		ok1, _ := db.Ent.LoginHistory.Query().Where(loginhistory.Success(true)).Count(testfix.System())
		if ok1 != 1 {
			t.Errorf("want one successful login history row, got %d", ok1)
		}
	})
}

func TestRefreshTokenReuseRevokesTheFamily(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		s := testserver.Start(t, db, nil)
		ctx := context.Background()
		register(t, s, "eve")
		first := login(t, s, "eve", goodPassword)
		rres, _ := s.Client.RefreshToken(ctx, &oas.RefreshRequest{RefreshToken: first.RefreshToken})
		second := rres.(*oas.TokenPair)

		replay, err := s.Client.RefreshToken(ctx, &oas.RefreshRequest{RefreshToken: first.RefreshToken})
		if _, ok := replay.(*oas.RefreshTokenUnauthorized); err != nil || !ok {
			t.Fatalf("replayed refresh token: want 401, got %T %v", replay, err)
		}
		if again, _ := s.Client.RefreshToken(ctx, &oas.RefreshRequest{RefreshToken: second.RefreshToken}); again == nil {
			t.Fatal("no response")
		} else if _, ok := again.(*oas.RefreshTokenUnauthorized); !ok {
			t.Errorf("the current token of a reused family must be revoked too, got %T", again)
		}
		if code := me(t, s, second.AccessToken); code != http.StatusUnauthorized {
			t.Errorf("access token of the revoked family: %d", code)
		}
		events := securityEvents(t, db, "auth.refresh_token_reuse")
		if len(events) != 1 || events[0].Severity != securityauditlog.SeverityCritical {
			t.Fatalf("want one critical reuse event, got %+v", events)
		}
		live, _ := db.Ent.Session.Query().Where(session.RevokedAtIsNil()).Count(testfix.System())
		if live != 0 {
			t.Errorf("%d sessions of the family still live", live)
		}
	})
}

func TestForgedAndInvalidTokensAreRejected(t *testing.T) {
	t.Parallel()
	db := testdb.NewSQLite(t)
	s := testserver.Start(t, db, nil)
	register(t, s, "mallory")
	good := login(t, s, "mallory", goodPassword)
	other, err := tokens.NewSigner([]byte(strings.Repeat("k", 32)), "worksynapse", "worksynapse-api", time.Minute, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	wrongKey, _, _ := other.Sign("00000000-0000-0000-0000-000000000000", good.SessionID.String())
	parts := strings.Split(good.AccessToken, ".")
	none := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
	for name, token := range map[string]string{
		"garbage": "not-a-jwt", "wrong key": wrongKey, "alg none": none,
		"tampered": parts[0] + "." + parts[1] + "x." + parts[2], "empty": "",
	} {
		if code := me(t, s, token); code != http.StatusUnauthorized {
			t.Errorf("%s token: want 401, got %d", name, code)
		}
	}
	if code := me(t, s, good.AccessToken); code != http.StatusOK {
		t.Errorf("the genuine token must still work: %d", code)
	}
}

// problemOf decodes a problem body without the per-request fields.
func problemOf(t *testing.T, body []byte) problem.Problem {
	t.Helper()
	var p problem.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not a problem: %s", body)
	}
	p.RequestID, p.Instance = "", ""
	return p
}

func TestLockoutAndIndistinguishableFailures(t *testing.T) {
	// Not parallel with other tests: sleeps past a wall-clock lockout
	// window. The two dialects only sleep side by side.
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		s := testserver.Start(t, db, testserver.Env{
			"WORKSYNAPSE_AUTH_LOCKOUT_MAX_ATTEMPTS": "3", "WORKSYNAPSE_AUTH_LOCKOUT_DURATION": "2s",
		})
		register(t, s, "grace")
		post := func(ident, pw string) (*http.Response, []byte) {
			b, _ := json.Marshal(map[string]string{"identifier": ident, "password": pw})
			return s.Do(t, http.MethodPost, "/auth/login", "application/json", b, nil)
		}
		unknownResp, unknownBody := post("nobody@example.com", goodPassword)
		wrongResp, wrongBody := post("grace", "wrong password!!")
		if unknownResp.StatusCode != http.StatusUnauthorized || wrongResp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("want 401s, got %d and %d", unknownResp.StatusCode, wrongResp.StatusCode)
		}
		if !reflect.DeepEqual(problemOf(t, unknownBody), problemOf(t, wrongBody)) {
			t.Errorf("unknown user and wrong password must answer identically:\n%s\n%s", unknownBody, wrongBody)
		}
		post("grace", "wrong password!!")
		post("grace", "wrong password!!") // third failure: locked
		lockedResp, lockedBody := post("grace", goodPassword)
		if lockedResp.StatusCode != http.StatusUnauthorized || !reflect.DeepEqual(problemOf(t, lockedBody), problemOf(t, wrongBody)) {
			t.Fatalf("a locked account must refuse the right password with the same answer: %d %s", lockedResp.StatusCode, lockedBody)
		}
		if n := len(securityEvents(t, db, "auth.account_locked")); n != 1 {
			t.Errorf("want one lockout event, got %d", n)
		}
		time.Sleep(2100 * time.Millisecond)
		login(t, s, "grace", goodPassword)
		failures, _ := db.Ent.LoginHistory.Query().Where(loginhistory.Success(false)).Count(testfix.System())
		if failures != 5 {
			t.Errorf("every attempt must be in login history: %d failures", failures)
		}
	})
}

func TestMalformedAndInvalidInput(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		s := testserver.Start(t, db, nil)
		resp, body := s.Do(t, http.MethodPost, "/auth/login", "application/json", []byte(`{"identifier": "a", "password": `), nil)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != problem.ContentType {
			t.Fatalf("malformed JSON: want 400 problem+json, got %d %s", resp.StatusCode, body)
		}
		if p := problemOf(t, body); p.Status != 400 || strings.Contains(string(body), "jx") || strings.Contains(string(body), "goroutine") {
			t.Errorf("problem leaks internals: %s", body)
		}
		resp, body = s.Do(t, http.MethodPost, "/auth/register", "application/json",
			[]byte(`{"email":"not-an-email","username":"x!","password":"short"}`), nil)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("invalid fields: want 422, got %d %s", resp.StatusCode, body)
		}
		if p := problemOf(t, body); len(p.Errors) == 0 {
			t.Errorf("422 must list the offending fields: %s", body)
		}
		resp, body = s.Do(t, http.MethodPost, "/auth/register", "application/json",
			[]byte(`{"email":"pw@example.com","username":"pwuser","password":"pwuser-is-in-here"}`), nil)
		if p := problemOf(t, body); resp.StatusCode != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "password" {
			t.Errorf("password policy: want 422 on password, got %d %s", resp.StatusCode, body)
		}
		if n, _ := db.Ent.User.Query().Count(testfix.System()); n != 0 {
			t.Errorf("rejected input created %d users", n)
		}
	})
}

func TestSessionsListAndRevoke(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		s := testserver.Start(t, db, nil)
		ctx := context.Background()
		register(t, s, "hopper")
		register(t, s, "turing")
		a := login(t, s, "hopper", goodPassword)
		b := login(t, s, "hopper", goodPassword)
		other := login(t, s, "turing", goodPassword)
		res, err := s.ClientWithToken(t, a.AccessToken).ListSessions(ctx, oas.ListSessionsParams{Limit: oas.NewOptInt(1)})
		page, ok := res.(*oas.SessionPage)
		if err != nil || !ok || len(page.Items) != 1 || !page.NextCursor.IsSet() || page.NextCursor.Null {
			t.Fatalf("first page: %v %+v", err, res)
		}
		res, _ = s.ClientWithToken(t, a.AccessToken).ListSessions(ctx, oas.ListSessionsParams{Limit: oas.NewOptInt(1), Cursor: oas.NewOptString(page.NextCursor.Value)})
		page2 := res.(*oas.SessionPage)
		if len(page2.Items) != 1 || page2.Items[0].ID == page.Items[0].ID || !page2.NextCursor.Null {
			t.Fatalf("second page: %+v", page2)
		}
		var sawCurrent bool
		for _, it := range append(page.Items, page2.Items...) {
			sawCurrent = sawCurrent || (it.Current && it.ID == a.SessionID)
		}
		if !sawCurrent {
			t.Errorf("the caller's session must be marked current")
		}
		rev, err := s.ClientWithToken(t, a.AccessToken).RevokeSession(ctx, oas.RevokeSessionParams{ID: other.SessionID})
		if _, ok := rev.(*oas.RevokeSessionNotFound); err != nil || !ok {
			t.Errorf("revoking another user's session: want 404, got %T %v", rev, err)
		}
		if code := me(t, s, other.AccessToken); code != http.StatusOK {
			t.Errorf("the other user's session must survive: %d", code)
		}
		if _, err := s.ClientWithToken(t, a.AccessToken).RevokeSession(ctx, oas.RevokeSessionParams{ID: b.SessionID}); err != nil {
			t.Fatal(err)
		}
		if code := me(t, s, b.AccessToken); code != http.StatusUnauthorized {
			t.Errorf("revoked session's token: %d", code)
		}
		if _, err := s.ClientWithToken(t, a.AccessToken).LogoutAll(ctx); err != nil {
			t.Fatal(err)
		}
		if code := me(t, s, a.AccessToken); code != http.StatusUnauthorized {
			t.Errorf("logout-all must revoke the current session too: %d", code)
		}
	})
}

func TestRegistrationCanBeDisabled(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testdb.NewSQLite(t), testserver.Env{"WORKSYNAPSE_AUTH_REGISTRATION_ENABLED": "false"})
	res, err := s.Client.Register(context.Background(), &oas.RegisterRequest{Email: "x@example.com", Username: "xavier", Password: goodPassword})
	if _, ok := res.(*oas.RegisterForbidden); err != nil || !ok {
		t.Fatalf("want 403, got %T %v", res, err)
	}
}

func TestTextIsStoredAsTypedButControlCharactersAreRefused(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		s := testserver.Start(t, db, nil)
		sqlish := "Robert'); DROP TABLE users;-- <script>alert(1)</script>"
		res, err := s.Client.Register(context.Background(), &oas.RegisterRequest{
			Email: "bobby@example.com", Username: "bobby", Password: goodPassword, DisplayName: oas.NewOptString(sqlish),
		})
		if m, ok := res.(*oas.Me); err != nil || !ok || m.DisplayName.Value != sqlish {
			t.Fatalf("SQL-looking text must be stored literally: %v %+v", err, res)
		}
		resp, body := s.Do(t, http.MethodPost, "/auth/register", "application/json",
			[]byte(`{"email":"ctl@example.com","username":"ctluser","password":"`+goodPassword+`","display_name":"bad\u0000name"}`), nil)
		// U+0000 is refused by the storable-text middleware (a JSON Pointer
		// into the body), other control characters by the textguard hook.
		if p := problemOf(t, body); resp.StatusCode != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "/display_name" {
			t.Fatalf("U+0000: want 422 on /display_name, got %d %s", resp.StatusCode, body)
		}
		resp, body = s.Do(t, http.MethodPost, "/auth/register", "application/json",
			[]byte(`{"email":"ctl@example.com","username":"ctluser","password":"`+goodPassword+`","display_name":"bad\u0007name"}`), nil)
		if p := problemOf(t, body); resp.StatusCode != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "display_name" {
			t.Fatalf("control character: want 422 on display_name, got %d %s", resp.StatusCode, body)
		}
		if n, _ := db.Ent.User.Query().Count(testfix.System()); n != 1 {
			t.Errorf("refused input must change nothing: %d users", n)
		}
	})
}
