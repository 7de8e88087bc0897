// Package identity authenticates people: registration, login with lockout
// and MFA, rotating refresh tokens, sessions, and turning an access token
// into the request's viewer. Every security event lands in SecurityAuditLog.
package identity

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/auth/secretbox"
	"github.com/worksynapse/worksynapse/internal/auth/tokens"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/mail"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/sessioncache"
)

// Errors with their API meaning. Login failures all map to the same
// problem so an answer never reveals whether an account exists.
var (
	ErrInvalidCredentials   = problem.New(401, "invalid-credentials", "the identifier or password is incorrect")
	ErrMFARequired          = problem.New(401, "mfa-required", "a TOTP or recovery code is required")
	ErrInvalidToken         = problem.New(401, "invalid-token", "the token is invalid, expired or revoked")
	ErrRegistrationDisabled = problem.New(403, "registration-disabled", "self-registration is disabled; ask an administrator for an invitation")
	// ErrInvalidOneTimeToken answers every mailed token (verification,
	// reset) that is unknown, expired, already used or superseded; 400
	// because the token is part of the request body, not a credential of
	// the caller.
	ErrInvalidOneTimeToken = problem.New(400, "invalid-token", "the token is invalid, expired or already used")
	ErrWrongPassword       = problem.New(403, "wrong-password", "the current password is incorrect")
	ErrWrongMFACode        = problem.New(403, "wrong-mfa-code", "the TOTP or recovery code is incorrect")
	ErrEmailVerified       = problem.Conflict("the email address is already verified")
	ErrMFAEnabled          = problem.Conflict("MFA is already enabled; disable it before enrolling again")
	ErrMFANotPending       = problem.Conflict("no MFA enrollment is pending; call POST /auth/mfa/enroll first")
	ErrMFANotEnabled       = problem.Conflict("MFA is not enabled")
)

// Service is the identity service.
type Service struct {
	client *ent.Client
	signer *tokens.Signer
	box    *secretbox.Box // MFA secrets at rest
	cfg    config.AuthConfig
	mail   MailQueue
	log    *slog.Logger
	now    func() time.Time
	// onFailure counts authentication failures by reason (metrics).
	onFailure func(reason string)
	service   serviceKey // auth.service_api_key
	events    AccessEvents
	sessions  *sessioncache.Cache // nil: every request queries
}

// Options configure a Service.
type Options struct {
	Client    *ent.Client
	SecretKey string
	Auth      config.AuthConfig
	Log       *slog.Logger
	Clock     func() time.Time
	// OnAuthFailure, if set, is told the reason of every failed login,
	// refresh or token check.
	OnAuthFailure func(reason string)
	// Mail queues verification and password-reset mail in the
	// transaction that issues the token (internal/jobs.MailQueue); nil
	// sends to an in-memory mail.Outbox after commit (tests, benchmarks).
	Mail MailQueue
	// Events tells the user's open real-time streams, in the transaction
	// of the change, that their access changed (stream.Publisher); nil
	// announces nothing (no streams: CLI, tests).
	Events AccessEvents
	// Sessions is the replica's session snapshot cache
	// (sessioncache.Replica.Cache); nil queries on every request.
	Sessions *sessioncache.Cache
	// BcryptCost, if set, replaces Auth.BcryptCost. Only test harnesses
	// set it (to bcrypt.MinCost): configuration validation keeps
	// auth.bcrypt_cost at 10 or more, and no configuration key reaches
	// this field.
	BcryptCost int
}

// AccessEvents announces access changes to open streams.
type AccessEvents interface {
	AccessChanged(ctx context.Context, tx *ent.Tx, user uuid.UUID, reason string) error
}

// New builds the identity service.
func New(o Options) (*Service, error) {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.OnAuthFailure == nil {
		o.OnAuthFailure = func(string) {}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Mail == nil {
		o.Mail = afterCommit{mailer: mail.NewOutbox(o.Log), log: o.Log}
	}
	if o.BcryptCost != 0 {
		o.Auth.BcryptCost = o.BcryptCost
	}
	signer, err := tokens.NewSigner([]byte(o.SecretKey), o.Auth.Issuer, o.Auth.Audience, o.Auth.AccessTokenTTL, o.Clock)
	if err != nil {
		return nil, errors.Join(errors.New("identity: access token signer"), err)
	}
	box, err := secretbox.New(o.SecretKey, secretbox.PurposeMFA)
	if err != nil {
		return nil, errors.Join(errors.New("identity: mfa secret box"), err)
	}
	return &Service{client: o.Client, signer: signer, box: box, cfg: o.Auth, mail: o.Mail, log: o.Log, now: o.Clock,
		onFailure: o.OnAuthFailure, service: newServiceKey(o.Auth.ServiceAPIKey), events: o.Events, sessions: o.Sessions}, nil
}

// Signer exposes the token signer (tests forge and inspect tokens with it).
func (s *Service) Signer() *tokens.Signer { return s.signer }
