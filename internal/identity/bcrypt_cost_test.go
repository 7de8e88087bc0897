package identity_test

import (
	"context"
	"log/slog"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// TestBcryptCostOption checks that Options.BcryptCost (set only by test
// harnesses) replaces the configured cost, and that without it the
// configured cost is used.
func TestBcryptCostOption(t *testing.T) {
	cfg, _, err := config.Load(config.LoadOptions{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		option, want int
	}{{0, cfg.Auth.BcryptCost}, {bcrypt.MinCost, bcrypt.MinCost}} {
		db := testdb.NewSQLite(t)
		s, err := identity.New(identity.Options{Client: db.Ent, SecretKey: cfg.SecretKey, Auth: cfg.Auth,
			Log: slog.New(slog.DiscardHandler), BcryptCost: tc.option})
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.Register(context.Background(), identity.RegisterInput{Email: "cost@example.com", Username: "cost",
			Password: "correct horse battery staple"})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil || got != tc.want {
			t.Errorf("option %d: hash cost %d (%v), want %d", tc.option, got, err, tc.want)
		}
	}
}
