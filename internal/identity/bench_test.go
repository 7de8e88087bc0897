package identity_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// newService builds the identity service with one registered user and
// returns a fresh access token for them.
func newService(b testing.TB, db *database.DB) (*identity.Service, string) {
	b.Helper()
	cfg, _, err := config.Load(config.LoadOptions{Getenv: func(string) string { return "" }})
	if err != nil {
		b.Fatal(err)
	}
	cfg.Auth.BcryptCost = 10
	s, err := identity.New(identity.Options{Client: db.Ent, SecretKey: cfg.SecretKey, Auth: cfg.Auth, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Register(ctx, identity.RegisterInput{Email: "bench@example.com", Username: "bench", Password: "correct horse battery staple"}); err != nil {
		b.Fatal(err)
	}
	pair, err := s.Login(ctx, identity.LoginInput{Identifier: "bench", Password: "correct horse battery staple"})
	if err != nil {
		b.Fatal(err)
	}
	return s, pair.AccessToken
}

// BenchmarkAuthenticate measures the per-request cost of checking the access
// token and its session and loading the viewer (memberships and roles).
func BenchmarkAuthenticate(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			var db *database.DB
			if dialect == "sqlite" {
				db = testdb.NewSQLite(b)
			} else {
				db = testdb.NewPostgres(b)
			}
			s, token := newService(b, db)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.Authenticate(ctx, token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
