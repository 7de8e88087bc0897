// Package accounts creates and changes user accounts outside an HTTP
// request: the CLI's create-admin, and later registration and invites.
package accounts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/auth/password"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// NewAdmin describes the administrator create-admin makes.
type NewAdmin struct {
	Email, Username, Password string
	Superuser                 bool
	BcryptCost                int
}

// CreateAdmin creates an active, email-verified administrator account.
func CreateAdmin(ctx context.Context, client *ent.Client, a NewAdmin) (*ent.User, error) {
	email := strings.ToLower(strings.TrimSpace(a.Email))
	if err := password.Check(a.Password, a.Username, email); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	hash, err := password.Hash(a.Password, a.BcryptCost)
	if err != nil {
		return nil, err
	}
	// Why a system context: the operator at the console creates the first
	// account, before any user could act as a viewer.
	ctx = viewer.NewSystemContext(ctx, "create-admin")
	var u *ent.User
	err = database.WithTx(ctx, client, func(tx *ent.Tx) error {
		now := time.Now()
		u, err = tx.User.Create().
			SetEmail(email).
			SetUsername(a.Username).
			SetPasswordHash(hash).
			SetIsSuperuser(a.Superuser).
			SetEmailVerifiedAt(now).
			SetPasswordChangedAt(now).
			Save(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: create %s: %w", email, err)
	}
	return u, nil
}
