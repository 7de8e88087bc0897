package agents

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agentkey"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// An agent key reads "wsa_<16 hex>_<43 base64url>": the first part (the
// prefix, 64 random bits) finds the row and stays visible in lists; the
// whole key has 320 random bits and only its SHA-256 is stored. A key
// this strong needs no slow hash (unlike a password).
const keyScheme = "wsa_"

// KeyPrefix starts every agent key and no access token (a JWT starts with
// "eyJ"), so a bearer credential can be told apart by its first bytes.
const KeyPrefix = keyScheme

const (
	// DefaultRotationGrace is how long a rotated key keeps working.
	DefaultRotationGrace = 24 * time.Hour
	// lastUsedEvery bounds how often last_used_at/ip is written: once a
	// minute per key is enough to answer "is this key in use, from where"
	// without a write on every request.
	lastUsedEvery = time.Minute
)

// AgentGrants are the rights of a request made with an agent key, in the
// agent's organization only: work on tasks and comments (and read what a
// task refers to), propose tool actions, report its own calls and post in
// public chat channels. It is
// deliberately narrower than any human role: an agent never manages
// members, roles, agents or keys.
var AgentGrants = []viewer.Permission{
	{Resource: "task", Action: viewer.ActionCreate}, {Resource: "task", Action: viewer.ActionRead},
	{Resource: "task", Action: viewer.ActionUpdate},
	{Resource: "comment", Action: viewer.ActionCreate}, {Resource: "comment", Action: viewer.ActionRead},
	{Resource: "comment", Action: viewer.ActionUpdate},
	{Resource: "project", Action: viewer.ActionRead}, {Resource: "board", Action: viewer.ActionRead},
	{Resource: "sprint", Action: viewer.ActionRead}, {Resource: "milestone", Action: viewer.ActionRead},
	{Resource: "label", Action: viewer.ActionRead},
	{Resource: "agent_action", Action: viewer.ActionCreate}, {Resource: "agent_action", Action: viewer.ActionRead},
	{Resource: "agent_call", Action: viewer.ActionCreate},
	// Chat: post to and read public channels (the chat rules keep
	// private and direct channels out of an agent's reach).
	{Resource: "channel", Action: viewer.ActionRead},
	{Resource: "message", Action: viewer.ActionCreate}, {Resource: "message", Action: viewer.ActionRead},
}

// newKey returns a fresh key, its prefix and its hash.
func newKey() (key, prefix string, hash []byte, err error) {
	b := make([]byte, 8+32)
	if _, err := rand.Read(b); err != nil {
		return "", "", nil, err
	}
	prefix = keyScheme + hex.EncodeToString(b[:8])
	key = prefix + "_" + base64.RawURLEncoding.EncodeToString(b[8:])
	sum := sha256.Sum256([]byte(key))
	return key, prefix, sum[:], nil
}

// CreateKey creates an API key for the agent (admin right or agent:manage)
// and returns it with its secret, which is not kept.
func (s *Service) CreateKey(ctx context.Context, agentID uuid.UUID, name string, expiresAt *time.Time) (*ent.AgentKey, string, error) {
	var out *ent.AgentKey
	var secret string
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		var err error
		out, secret, err = createKey(ctx, tx, agentID, name, expiresAt)
		return err
	})
	return out, secret, err
}

func createKey(ctx context.Context, tx *ent.Tx, agentID uuid.UUID, name string, expiresAt *time.Time) (*ent.AgentKey, string, error) {
	a, err := tx.Agent.Get(ctx, agentID)
	if err != nil {
		return nil, "", err
	}
	if err := require(ctx, tx.Client(), agentID, rule.AgentAdmin); err != nil {
		return nil, "", err
	}
	if expiresAt != nil && !expiresAt.After(time.Now()) {
		return nil, "", problem.Validation("the key would be expired already",
			problem.FieldError{Field: "expires_at", Message: "must be in the future"})
	}
	secret, prefix, hash, err := newKey()
	if err != nil {
		return nil, "", err
	}
	c := tx.AgentKey.Create().SetOrganizationID(a.OrganizationID).SetAgentID(agentID).SetName(name).
		SetPrefix(prefix).SetSecretHash(hash).SetNillableExpiresAt(expiresAt)
	if v := viewer.FromContext(ctx); v.UserID != uuid.Nil {
		c.SetCreatedBy(v.UserID)
	}
	k, err := c.Save(ctx)
	return k, secret, err
}

// Keys pages an agent's keys (admin right or agent:manage), newest first.
func (s *Service) Keys(ctx context.Context, agentID uuid.UUID, p pagination.Params) (pagination.Page[*ent.AgentKey], error) {
	if _, err := s.client.Agent.Get(ctx, agentID); err != nil {
		return pagination.Page[*ent.AgentKey]{}, err
	}
	if err := require(ctx, s.client, agentID, rule.AgentAdmin); err != nil {
		return pagination.Page[*ent.AgentKey]{}, err
	}
	return pagination.List(ctx, s.client.AgentKey.Query().Where(agentkey.AgentID(agentID)), p,
		func(k *ent.AgentKey) uuid.UUID { return k.ID })
}

// RotateKey creates a successor of a live key (same agent and name) and
// lets the old key expire after grace, so clients switch without downtime.
func (s *Service) RotateKey(ctx context.Context, keyID uuid.UUID, grace time.Duration) (*ent.AgentKey, string, error) {
	var out *ent.AgentKey
	var secret string
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		old, err := tx.AgentKey.Get(ctx, keyID)
		if err != nil {
			return err
		}
		now := time.Now()
		if old.RevokedAt != nil || (old.ExpiresAt != nil && !old.ExpiresAt.After(now)) {
			return problem.Conflict("a revoked or expired key cannot be rotated")
		}
		out, secret, err = createKey(ctx, tx, old.AgentID, old.Name, nil)
		if err != nil {
			return err
		}
		until := now.Add(grace)
		if old.ExpiresAt != nil && old.ExpiresAt.Before(until) {
			until = *old.ExpiresAt // rotation never extends a key's life
		}
		return tx.AgentKey.UpdateOneID(keyID).SetExpiresAt(until).SetReplacedBy(out.ID).Exec(ctx)
	})
	return out, secret, err
}

// RevokeKey makes a key answer 401 from now on (idempotent).
func (s *Service) RevokeKey(ctx context.Context, keyID uuid.UUID) (*ent.AgentKey, error) {
	var out *ent.AgentKey
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		k, err := tx.AgentKey.Get(ctx, keyID)
		if err != nil {
			return err
		}
		if k.RevokedAt != nil {
			out = k
			return nil
		}
		out, err = tx.AgentKey.UpdateOneID(keyID).SetRevokedAt(time.Now()).Save(ctx)
		return err
	})
	return out, err
}

// errBadKey is the one answer to every unusable key: which check failed
// is not the caller's business.
func errBadKey() error { return problem.Unauthorized("invalid, expired or revoked agent key") }

// Authenticate resolves an X-API-Key to the viewer of its agent: AgentID
// set, no UserID, one membership (the agent's organization) holding
// AgentGrants. Revoked or expired keys and keys of paused, archived or
// deleted agents answer 401. last_used_at/ip are written at most once a
// minute per key.
func Authenticate(ctx context.Context, client *ent.Client, key, ip string) (*viewer.Viewer, error) {
	prefix, _, ok := strings.Cut(strings.TrimPrefix(key, keyScheme), "_")
	if !ok || !strings.HasPrefix(key, keyScheme) {
		return nil, errBadKey()
	}
	// System context: there is no principal before the key is checked.
	sys := viewer.NewSystemContext(ctx, "authenticate an agent key")
	k, err := client.AgentKey.Query().Where(agentkey.Prefix(keyScheme + prefix)).Only(sys)
	if ent.IsNotFound(err) {
		return nil, errBadKey()
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(key))
	now := time.Now()
	if subtle.ConstantTimeCompare(sum[:], k.SecretHash) != 1 || k.RevokedAt != nil ||
		(k.ExpiresAt != nil && !k.ExpiresAt.After(now)) {
		return nil, errBadKey()
	}
	a, err := client.Agent.Query().Where(agent.ID(k.AgentID), agent.StatusEQ(agent.StatusActive)).Only(sys)
	if ent.IsNotFound(err) {
		return nil, errBadKey()
	}
	if err != nil {
		return nil, err
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= lastUsedEvery || k.LastUsedIP != ip {
		// Best effort: failing to note the use must not fail the request.
		_ = database.WithTx(sys, client, func(tx *ent.Tx) error {
			return tx.AgentKey.UpdateOneID(k.ID).SetLastUsedAt(now).SetLastUsedIP(trimIP(ip)).Exec(sys)
		})
	}
	m := viewer.Membership{OrganizationID: a.OrganizationID}
	for _, p := range AgentGrants {
		m.Permissions.Add(p.Resource, p.Action)
	}
	return &viewer.Viewer{AgentID: a.ID, Memberships: map[uuid.UUID]viewer.Membership{a.OrganizationID: m}}, nil
}

func trimIP(ip string) string {
	if len(ip) > 64 {
		return ip[:64]
	}
	return ip
}
