package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/worksynapse/worksynapse/internal/accounts"
	"github.com/worksynapse/worksynapse/internal/app"
	"github.com/worksynapse/worksynapse/internal/seed"
)

// prepared opens the app with a current schema (SQLite is created on the
// fly; PostgreSQL must be migrated).
func prepared(cmd *cobra.Command) (*app.App, error) {
	a, err := openApp(cmd)
	if err != nil {
		return nil, err
	}
	if err := a.PrepareSchema(cmd.Context()); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func newCreateAdminCmd() *cobra.Command {
	var in accounts.NewAdmin
	cmd := &cobra.Command{
		Use:   "create-admin -e EMAIL -u USERNAME -p PASSWORD [--superuser]",
		Short: "Create an administrator account",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := prepared(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			in.BcryptCost = a.Config.Auth.BcryptCost
			u, err := accounts.CreateAdmin(cmd.Context(), a.DB.Ent, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created user %s (%s), superuser=%t\n", u.Username, u.ID, u.IsSuperuser)
			return nil
		},
	}
	cmd.Flags().StringVarP(&in.Email, "email", "e", "", "email address (required)")
	cmd.Flags().StringVarP(&in.Username, "username", "u", "", "username (required)")
	cmd.Flags().StringVarP(&in.Password, "password", "p", "", "password (required; prefer WORKSYNAPSE_ADMIN_PASSWORD in scripts)")
	cmd.Flags().BoolVar(&in.Superuser, "superuser", false, "grant platform-wide SUPER_ADMIN")
	for _, f := range []string{"email", "username", "password"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

func newSeedCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "seed",
		Short: "Create the system roles and permission matrix (idempotent)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := prepared(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			res, err := seed.Run(cmd.Context(), a.DB.Ent)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "seeded: %d permissions, %d roles, %d grants created\n", res.Permissions, res.Roles, res.Grants)
			return nil
		},
	}
}
