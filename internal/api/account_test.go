package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/authtoken"
	"github.com/worksynapse/worksynapse/ent/session"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/auth/tokens"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/mail"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

const newPassword = "purple monkey dishwasher lamp"

var mailedToken = regexp.MustCompile(`ws[vp]_[A-Za-z0-9_-]{43}`)

// waitMail returns the newest mail to addr, waiting for mail that is sent
// after the response (password reset), and fails the test without one.
func waitMail(t *testing.T, s *testserver.Server, addr string, after int) mail.Message {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if n := mailsTo(s, addr); n > after {
			m, _ := s.Outbox.Last(addr)
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s", addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitToken returns the n-th (from 1) token with prefix mailed to addr, in
// delivery order. Mail goes out through River workers, which promise no
// order between jobs queued close together (a verification and a reset
// mail, say), so tests find a mail by its kind, not by its position.
func waitToken(t *testing.T, s *testserver.Server, addr, prefix string, n int) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var found []string
		for _, m := range s.Outbox.Messages() {
			if tok := mailedToken.FindString(m.Text); strings.EqualFold(m.To, addr) && strings.HasPrefix(tok, prefix) {
				found = append(found, tok)
			}
		}
		if len(found) >= n {
			return found[n-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail %d with a %s token to %s (found %d)", n, prefix, addr, len(found))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mailsTo(s *testserver.Server, addr string) int {
	n := 0
	for _, m := range s.Outbox.Messages() {
		if strings.EqualFold(m.To, addr) {
			n++
		}
	}
	return n
}

// tokenIn extracts the single-use token from a mail.
func tokenIn(t *testing.T, m mail.Message) string {
	t.Helper()
	tok := mailedToken.FindString(m.Text)
	if tok == "" {
		t.Fatalf("no token in mail %q", m.Text)
	}
	return tok
}

// post sends a JSON body, with a bearer token when given, and returns the
// status and body.
func post(t *testing.T, s *testserver.Server, path, bearer string, body any) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	if bearer != "" {
		h.Set("Authorization", "Bearer "+bearer)
	}
	resp, out := s.Do(t, http.MethodPost, path, "application/json", b, h)
	return resp.StatusCode, out
}

// wantProblem asserts a problem answer of status and type slug.
func wantProblem(t *testing.T, what string, code int, body []byte, status int, slug string) problem.Problem {
	t.Helper()
	if code != status {
		t.Fatalf("%s: want %d, got %d %s", what, status, code, body)
	}
	p := problemOf(t, body)
	if p.Type != problem.TypeURI(slug) {
		t.Fatalf("%s: want type %s, got %s", what, slug, p.Type)
	}
	return p
}

// userNamed loads an account row (system view).
func userNamed(t *testing.T, db *database.DB, id uuid.UUID) *ent.User {
	t.Helper()
	u, err := db.Ent.User.Get(testfix.System(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func liveSessions(t *testing.T, db *database.DB, uid uuid.UUID) int {
	t.Helper()
	n, err := db.Ent.Session.Query().Where(session.UserID(uid), session.RevokedAtIsNil()).Count(testfix.System())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// expireTokens backdates every token of purpose (expires_at is immutable
// through ent, as it should be).
func expireTokens(t *testing.T, db *database.DB, purpose authtoken.Purpose) {
	t.Helper()
	_, err := db.SQL.ExecContext(context.Background(),
		"UPDATE auth_tokens SET expires_at = '2000-01-01 00:00:00+00:00' WHERE purpose = '"+string(purpose)+"'")
	if err != nil {
		t.Fatal(err)
	}
}

// assertNoSecretsLogged checks that no mailed token, TOTP secret or
// recovery code reached the logs.
func assertNoSecretsLogged(t *testing.T, s *testserver.Server, secrets ...string) {
	t.Helper()
	logs := s.Logs.String()
	for _, m := range s.Outbox.Messages() {
		secrets = append(secrets, mailedToken.FindAllString(m.Text, -1)...)
	}
	for _, sec := range secrets {
		if sec != "" && strings.Contains(logs, sec) {
			t.Errorf("a secret reached the logs: %.12s...", sec)
		}
	}
}

func TestEmailVerification(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		s := testserver.Start(t, db, nil)
		ctx := context.Background()
		created := register(t, s, "ada")
		first := waitMail(t, s, "ada@example.com", 0)
		token := tokenIn(t, first)
		if !strings.HasPrefix(token, "wsv_") || !strings.Contains(first.Subject, "Verify") {
			t.Fatalf("verification mail: %+v", first)
		}
		rows, err := db.Ent.AuthToken.Query().Where(authtoken.UserID(created.ID)).All(testfix.System())
		if err != nil || len(rows) != 1 {
			t.Fatalf("want one stored token: %v %d", err, len(rows))
		}
		if row := rows[0]; row.Purpose != authtoken.PurposeEmailVerification || row.TokenHash != tokens.HashOpaque(token) ||
			row.UsedAt != nil || row.ExpiresAt.Sub(time.Now()) < 23*time.Hour || row.ExpiresAt.Sub(time.Now()) > 25*time.Hour {
			t.Errorf("stored token: %+v", row)
		}
		if !strings.Contains(s.Logs.String(), `"mail queued"`) {
			t.Error("the outbox must log queued mail")
		}

		pair := login(t, s, "ada", goodPassword)
		code, body := post(t, s, "/auth/email/verify/resend", pair.AccessToken, nil)
		if code != http.StatusAccepted || !strings.Contains(string(body), "verification email") {
			t.Fatalf("resend: %d %s", code, body)
		}
		newer := tokenIn(t, waitMail(t, s, "ada@example.com", 1))
		if newer == token {
			t.Fatal("resend must mail a new token")
		}
		code, body = post(t, s, "/auth/email/verify", "", map[string]string{"token": token})
		wantProblem(t, "superseded token", code, body, http.StatusBadRequest, "invalid-token")

		code, body = post(t, s, "/auth/email/verify", "", map[string]string{"token": newer})
		if code != http.StatusNoContent {
			t.Fatalf("verify: %d %s", code, body)
		}
		if u := userNamed(t, db, created.ID); u.EmailVerifiedAt == nil {
			t.Error("email_verified_at must be set")
		}
		res, err := s.ClientWithToken(t, pair.AccessToken).GetMe(ctx)
		if m, ok := res.(interface{ GetEmailVerified() bool }); err != nil || !ok || !m.GetEmailVerified() {
			t.Errorf("/auth/me must report the verified email: %v %+v", err, res)
		}
		used, _ := db.Ent.AuthToken.Query().Where(authtoken.UserID(created.ID), authtoken.UsedAtIsNil()).Count(testfix.System())
		if used != 0 {
			t.Errorf("%d tokens still usable", used)
		}
		if n := len(securityEvents(t, db, "auth.email_verified")); n != 1 {
			t.Errorf("want one auth.email_verified event, got %d", n)
		}

		code, body = post(t, s, "/auth/email/verify", "", map[string]string{"token": newer})
		wantProblem(t, "used token", code, body, http.StatusBadRequest, "invalid-token")
		code, body = post(t, s, "/auth/email/verify", "", map[string]string{"token": "wsv_unknown"})
		wantProblem(t, "unknown token", code, body, http.StatusBadRequest, "invalid-token")
		code, body = post(t, s, "/auth/email/verify/resend", pair.AccessToken, nil)
		wantProblem(t, "resend when verified", code, body, http.StatusConflict, problem.SlugConflict)
		code, _ = post(t, s, "/auth/email/verify/resend", "", nil)
		if code != http.StatusUnauthorized {
			t.Errorf("resend without a token: want 401, got %d", code)
		}

		register(t, s, "babbage")
		expireTokens(t, db, authtoken.PurposeEmailVerification)
		code, body = post(t, s, "/auth/email/verify", "", map[string]string{"token": tokenIn(t, waitMail(t, s, "babbage@example.com", 0))})
		wantProblem(t, "expired token", code, body, http.StatusBadRequest, "invalid-token")
		assertNoSecretsLogged(t, s)
	})
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		s := testserver.Start(t, db, nil)
		created := register(t, s, "grace")
		a := login(t, s, "grace", goodPassword)
		b := login(t, s, "grace", goodPassword)
		before := userNamed(t, db, created.ID)

		code, body := post(t, s, "/auth/password/change", a.AccessToken,
			map[string]string{"current_password": "not my password", "new_password": newPassword})
		wantProblem(t, "wrong current password", code, body, http.StatusForbidden, "wrong-password")
		if n := len(securityEvents(t, db, "auth.password_change_failed")); n != 1 {
			t.Errorf("want one auth.password_change_failed event, got %d", n)
		}
		if u := userNamed(t, db, created.ID); u.FailedLoginAttempts != 0 {
			t.Errorf("a failed change must not count towards the lockout: %d", u.FailedLoginAttempts)
		}
		code, body = post(t, s, "/auth/password/change", a.AccessToken,
			map[string]string{"current_password": goodPassword, "new_password": "grace-is-my-password"})
		if p := wantProblem(t, "weak password", code, body, http.StatusUnprocessableEntity, problem.SlugValidation); len(p.Errors) != 1 || p.Errors[0].Field != "new_password" {
			t.Errorf("policy violation must name new_password: %s", body)
		}

		code, body = post(t, s, "/auth/password/change", a.AccessToken,
			map[string]string{"current_password": goodPassword, "new_password": newPassword})
		if code != http.StatusNoContent {
			t.Fatalf("change: %d %s", code, body)
		}
		if me(t, s, a.AccessToken) != http.StatusOK {
			t.Error("the session that changed the password must stay signed in")
		}
		if me(t, s, b.AccessToken) != http.StatusUnauthorized || liveSessions(t, db, created.ID) != 1 {
			t.Error("every other session must be revoked")
		}
		code, _ = post(t, s, "/auth/login", "", map[string]string{"identifier": "grace", "password": goodPassword})
		if code != http.StatusUnauthorized {
			t.Errorf("the old password must stop working: %d", code)
		}
		login(t, s, "grace", newPassword)
		after := userNamed(t, db, created.ID)
		if after.PasswordChangedAt == nil || !after.PasswordChangedAt.After(*before.PasswordChangedAt) {
			t.Error("password_changed_at must move forward")
		}
		events := securityEvents(t, db, "auth.password_changed")
		if len(events) != 1 || events[0].Details["revoked_sessions"] != float64(1) {
			t.Errorf("want one auth.password_changed event revoking 1 session, got %+v", events)
		}
		// The user changed their own row: the activity log names them and
		// never holds the hash.
		entry, err := db.Ent.ActivityLog.Query().
			Where(activitylog.ResourceID(created.ID), activitylog.ActorUserID(created.ID)).Only(testfix.System())
		if err != nil || entry.NewValues["password_hash"] != audit.Redacted {
			t.Errorf("activity log of the change: %v %+v", err, entry)
		}
		code, _ = post(t, s, "/auth/password/change", "", map[string]string{"current_password": goodPassword, "new_password": newPassword})
		if code != http.StatusUnauthorized {
			t.Errorf("change without a token: want 401, got %d", code)
		}
	})
}

func TestForgotAndResetPassword(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		s := testserver.Start(t, db, testserver.Env{"WORKSYNAPSE_AUTH_LOCKOUT_MAX_ATTEMPTS": "2"})
		created := register(t, s, "hopper")
		session1 := login(t, s, "hopper", goodPassword)
		post(t, s, "/auth/login", "", map[string]string{"identifier": "hopper", "password": "wrong password!!"})
		post(t, s, "/auth/login", "", map[string]string{"identifier": "hopper", "password": "wrong password!!"})
		if u := userNamed(t, db, created.ID); u.LockedUntil == nil {
			t.Fatal("setup: the account should be locked")
		}

		known, knownBody := post(t, s, "/auth/password/forgot", "", map[string]string{"email": "Hopper@Example.com"})
		unknown, unknownBody := post(t, s, "/auth/password/forgot", "", map[string]string{"email": "nobody@example.com"})
		if known != http.StatusAccepted || unknown != http.StatusAccepted || string(knownBody) != string(unknownBody) {
			t.Fatalf("forgot must answer the same for both: %d %s / %d %s", known, knownBody, unknown, unknownBody)
		}
		first := waitToken(t, s, "hopper@example.com", "wsp_", 1) // beside the verification mail
		if mailsTo(s, "nobody@example.com") != 0 {
			t.Error("no mail may go to an unknown address")
		}
		events := securityEvents(t, db, "auth.password_reset_requested")
		if len(events) != 2 {
			t.Fatalf("want a reset-requested event for both requests, got %d", len(events))
		}
		row, err := db.Ent.AuthToken.Query().Where(authtoken.TokenHash(tokens.HashOpaque(first))).Only(testfix.System())
		if err != nil || row.Purpose != authtoken.PurposePasswordReset || row.ExpiresAt.Sub(time.Now()) > time.Hour {
			t.Fatalf("stored reset token: %v %+v", err, row)
		}

		post(t, s, "/auth/password/forgot", "", map[string]string{"email": "hopper@example.com"})
		token := waitToken(t, s, "hopper@example.com", "wsp_", 2)
		code, body := post(t, s, "/auth/password/reset", "", map[string]string{"token": first, "new_password": newPassword})
		wantProblem(t, "superseded reset token", code, body, http.StatusBadRequest, "invalid-token")
		code, body = post(t, s, "/auth/password/reset", "", map[string]string{"token": "wsp_nope", "new_password": newPassword})
		wantProblem(t, "unknown reset token", code, body, http.StatusBadRequest, "invalid-token")
		code, body = post(t, s, "/auth/password/reset", "", map[string]string{"token": token, "new_password": "hopper-and-more"})
		if p := wantProblem(t, "weak password", code, body, http.StatusUnprocessableEntity, problem.SlugValidation); len(p.Errors) != 1 || p.Errors[0].Field != "new_password" {
			t.Errorf("policy violation must name new_password: %s", body)
		}

		code, body = post(t, s, "/auth/password/reset", "", map[string]string{"token": token, "new_password": newPassword})
		if code != http.StatusNoContent {
			t.Fatalf("reset (the token must survive a policy rejection): %d %s", code, body)
		}
		if me(t, s, session1.AccessToken) != http.StatusUnauthorized || liveSessions(t, db, created.ID) != 0 {
			t.Error("a reset must revoke every session")
		}
		u := userNamed(t, db, created.ID)
		if u.LockedUntil != nil || u.FailedLoginAttempts != 0 || u.EmailVerifiedAt == nil {
			t.Errorf("a reset must lift the lockout and verify the email: %+v", u)
		}
		login(t, s, "hopper", newPassword)
		if n := len(securityEvents(t, db, "auth.password_reset")); n != 1 {
			t.Errorf("want one auth.password_reset event, got %d", n)
		}
		code, body = post(t, s, "/auth/password/reset", "", map[string]string{"token": token, "new_password": "another fine passphrase"})
		wantProblem(t, "used reset token", code, body, http.StatusBadRequest, "invalid-token")

		post(t, s, "/auth/password/forgot", "", map[string]string{"email": "hopper@example.com"})
		late := waitToken(t, s, "hopper@example.com", "wsp_", 3)
		expireTokens(t, db, authtoken.PurposePasswordReset)
		code, body = post(t, s, "/auth/password/reset", "", map[string]string{"token": late, "new_password": "another fine passphrase"})
		wantProblem(t, "expired reset token", code, body, http.StatusBadRequest, "invalid-token")
		assertNoSecretsLogged(t, s)
	})
}

// loginWith posts a login with a second factor and returns the status and
// body.
func loginWith(t *testing.T, s *testserver.Server, ident string, factor map[string]string) (int, []byte) {
	t.Helper()
	body := map[string]string{"identifier": ident, "password": goodPassword}
	for k, v := range factor {
		body[k] = v
	}
	return post(t, s, "/auth/login", "", body)
}

// enableMFA enrolls and confirms MFA and returns the secret and the
// recovery codes.
func enableMFA(t *testing.T, s *testserver.Server, db *database.DB, access string, uid uuid.UUID) (string, []string) {
	t.Helper()
	code, body := post(t, s, "/auth/mfa/enroll", access, nil)
	var enr struct {
		Secret     string `json:"secret"`
		OtpauthURI string `json:"otpauth_uri"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &enr) != nil || enr.Secret == "" ||
		!strings.HasPrefix(enr.OtpauthURI, "otpauth://totp/WorkSynapse:") || !strings.Contains(enr.OtpauthURI, enr.Secret) {
		t.Fatalf("enroll: %d %s", code, body)
	}
	if u := userNamed(t, db, uid); u.MfaEnabled || len(u.MfaSecret) == 0 || strings.Contains(string(u.MfaSecret), enr.Secret) {
		t.Fatalf("after enroll MFA must be off with the secret stored encrypted")
	}
	code, body = post(t, s, "/auth/mfa/confirm", access, map[string]string{"code": wrongCode(t, enr.Secret)})
	if p := wantProblem(t, "confirm with a wrong code", code, body, http.StatusUnprocessableEntity, problem.SlugValidation); len(p.Errors) != 1 || p.Errors[0].Field != "code" {
		t.Errorf("a wrong code must name the code field: %s", body)
	}
	now, err := totp.GenerateCode(enr.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	code, body = post(t, s, "/auth/mfa/confirm", access, map[string]string{"code": now})
	var rc struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &rc) != nil || len(rc.RecoveryCodes) != 10 {
		t.Fatalf("confirm: %d %s", code, body)
	}
	return enr.Secret, rc.RecoveryCodes
}

// wrongCode is a well-formed TOTP code that is not valid now.
func wrongCode(t *testing.T, secret string) string {
	t.Helper()
	valid := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second, 60 * time.Second} {
		c, _ := totp.GenerateCode(secret, time.Now().Add(d))
		valid[c] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333", "444444"} {
		if !valid[c] {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

func TestMFAEnrollLoginAndDisable(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		s := testserver.Start(t, db, nil)
		created := register(t, s, "turing")
		pair := login(t, s, "turing", goodPassword)
		code, body := post(t, s, "/auth/mfa/confirm", pair.AccessToken, map[string]string{"code": "123456"})
		wantProblem(t, "confirm before enroll", code, body, http.StatusConflict, problem.SlugConflict)

		secret, recovery := enableMFA(t, s, db, pair.AccessToken, created.ID)
		u := userNamed(t, db, created.ID)
		if !u.MfaEnabled || len(u.RecoveryCodes) != 10 {
			t.Fatalf("MFA must be on with 10 stored recovery codes: %+v", u)
		}
		seen := map[string]bool{}
		for i, c := range recovery {
			if seen[c] || u.RecoveryCodes[i] == c {
				t.Errorf("recovery codes must be unique and stored hashed only")
			}
			seen[c] = true
		}
		if n := len(securityEvents(t, db, "auth.mfa_enabled")); n != 1 {
			t.Errorf("want one auth.mfa_enabled event, got %d", n)
		}
		code, body = post(t, s, "/auth/mfa/enroll", pair.AccessToken, nil)
		wantProblem(t, "enroll while on", code, body, http.StatusConflict, problem.SlugConflict)

		code, body = loginWith(t, s, "turing", nil)
		wantProblem(t, "login without a code", code, body, http.StatusUnauthorized, "mfa-required")
		// The confirming code's step is spent; the next step's code is
		// accepted (one step of skew).
		next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		if code, body = loginWith(t, s, "turing", map[string]string{"totp_code": next}); code != http.StatusOK {
			t.Fatalf("login with a valid TOTP code: %d %s", code, body)
		}
		code, body = loginWith(t, s, "turing", map[string]string{"totp_code": next})
		wantProblem(t, "replayed TOTP code", code, body, http.StatusUnauthorized, "invalid-credentials")

		if code, body = loginWith(t, s, "turing", map[string]string{"recovery_code": strings.ToUpper(recovery[0])}); code != http.StatusOK {
			t.Fatalf("login with a recovery code: %d %s", code, body)
		}
		code, body = loginWith(t, s, "turing", map[string]string{"recovery_code": recovery[0]})
		wantProblem(t, "reused recovery code", code, body, http.StatusUnauthorized, "invalid-credentials")
		if u := userNamed(t, db, created.ID); len(u.RecoveryCodes) != 9 {
			t.Errorf("a used recovery code must be removed: %d left", len(u.RecoveryCodes))
		}
		if ev := securityEvents(t, db, "auth.recovery_code_used"); len(ev) != 1 || ev[0].Details["remaining"] != float64(9) {
			t.Errorf("want one auth.recovery_code_used event with 9 remaining, got %+v", ev)
		}

		code, body = post(t, s, "/auth/mfa/disable", pair.AccessToken, map[string]string{"password": "not my password", "code": recovery[1]})
		wantProblem(t, "disable with a wrong password", code, body, http.StatusForbidden, "wrong-password")
		code, body = post(t, s, "/auth/mfa/disable", pair.AccessToken, map[string]string{"password": goodPassword, "code": recovery[0]})
		wantProblem(t, "disable with a spent recovery code", code, body, http.StatusForbidden, "wrong-mfa-code")
		if n := len(securityEvents(t, db, "auth.mfa_disable_failed")); n != 2 {
			t.Errorf("want two auth.mfa_disable_failed events, got %d", n)
		}
		code, body = post(t, s, "/auth/mfa/disable", pair.AccessToken, map[string]string{"password": goodPassword, "code": recovery[1]})
		if code != http.StatusNoContent {
			t.Fatalf("disable: %d %s", code, body)
		}
		if u := userNamed(t, db, created.ID); u.MfaEnabled || len(u.MfaSecret) != 0 || len(u.RecoveryCodes) != 0 {
			t.Errorf("disable must clear the secret and the codes: %+v", u)
		}
		if n := len(securityEvents(t, db, "auth.mfa_disabled")); n != 1 {
			t.Errorf("want one auth.mfa_disabled event, got %d", n)
		}
		login(t, s, "turing", goodPassword)
		code, body = post(t, s, "/auth/mfa/disable", pair.AccessToken, map[string]string{"password": goodPassword, "code": "123456"})
		wantProblem(t, "disable while off", code, body, http.StatusConflict, problem.SlugConflict)
		assertNoSecretsLogged(t, s, append(recovery, secret)...)
	})
}

func TestMFADisableWithTOTP(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testdb.NewSQLite(t), nil)
	created := register(t, s, "lovelace")
	pair := login(t, s, "lovelace", goodPassword)
	secret, _ := enableMFA(t, s, s.App.DB, pair.AccessToken, created.ID)
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if code, body := post(t, s, "/auth/mfa/disable", pair.AccessToken, map[string]string{"password": goodPassword, "code": next}); code != http.StatusNoContent {
		t.Fatalf("disable with a TOTP code: %d %s", code, body)
	}
	if ev := securityEvents(t, s.App.DB, "auth.mfa_disabled"); len(ev) != 1 || ev[0].Details["method"] != "totp" {
		t.Errorf("disable event: %+v", ev)
	}
}

// TestRecoveryCodeIsSingleUseUnderConcurrency races logins with the same
// recovery code: exactly one may get in.
func TestRecoveryCodeIsSingleUseUnderConcurrency(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		s := testserver.Start(t, db, nil)
		created := register(t, s, "knuth")
		pair := login(t, s, "knuth", goodPassword)
		_, recovery := enableMFA(t, s, db, pair.AccessToken, created.ID)
		const attempts = 6
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			codes = map[int]int{}
			start = make(chan struct{})
		)
		for range attempts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				code, _ := loginWith(t, s, "knuth", map[string]string{"recovery_code": recovery[0]})
				mu.Lock()
				codes[code]++
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		if codes[http.StatusOK] != 1 {
			t.Fatalf("exactly one login may spend the code, got %v", codes)
		}
		if u := userNamed(t, db, created.ID); len(u.RecoveryCodes) != 9 {
			t.Errorf("want 9 codes left, got %d", len(u.RecoveryCodes))
		}
	})
}
