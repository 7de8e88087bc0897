package identity

import (
	"context"
	"fmt"
	"strings"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/auth/password"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// RegisterInput is a self-service sign-up.
type RegisterInput struct {
	Email, Username, Password, DisplayName string
}

// Register creates an active account (email not yet verified).
func (s *Service) Register(ctx context.Context, in RegisterInput) (*ent.User, error) {
	if !s.cfg.RegistrationEnabled {
		return nil, ErrRegistrationDisabled
	}
	email := strings.ToLower(strings.TrimSpace(in.Email))
	hash, err := s.hashNewPassword("password", in.Password, in.Username, email)
	if err != nil {
		return nil, err
	}
	// Why a system context: the new user cannot be a viewer before existing.
	sys := viewer.NewSystemContext(ctx, "registration")
	var (
		u     *ent.User
		token string
	)
	err = database.WithTx(sys, s.client, func(tx *ent.Tx) error {
		c := tx.User.Create().SetEmail(email).SetUsername(in.Username).SetPasswordHash(hash).
			SetPasswordChangedAt(s.now())
		if in.DisplayName != "" {
			c.SetDisplayName(in.DisplayName)
		}
		if u, err = c.Save(sys); err != nil {
			return err
		}
		if token, err = s.issue(sys, tx, u.ID, verificationToken); err != nil {
			return err
		}
		if err := s.mail.Enqueue(sys, tx, verificationMail(u, token)); err != nil {
			return err
		}
		return record(sys, tx, event{kind: EventRegister, severity: securityauditlog.SeverityInfo, user: u.ID})
	})
	if ent.IsConstraintError(err) {
		return nil, problem.Conflict("an account with this email or username already exists")
	}
	if err != nil {
		return nil, fmt.Errorf("identity: register: %w", err)
	}
	return u, nil
}

// hashNewPassword enforces the password policy (a 422 naming field) and
// returns the bcrypt hash to store.
func (s *Service) hashNewPassword(field, pw, username, email string) (string, error) {
	if err := password.Check(pw, username, email); err != nil {
		return "", problem.Validation("the password does not meet the policy",
			problem.FieldError{Field: field, Message: err.Error()})
	}
	return password.Hash(pw, s.cfg.BcryptCost)
}

// Me loads the viewer's account with organization names for /auth/me.
func (s *Service) Me(ctx context.Context, v *viewer.Viewer) (*ent.User, []*ent.Organization, error) {
	u, err := s.client.User.Get(ctx, v.UserID)
	if err != nil {
		return nil, nil, err
	}
	orgs, err := s.client.Organization.Query().All(ctx)
	if err != nil {
		return nil, nil, err
	}
	return u, orgs, nil
}
