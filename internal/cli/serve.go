package cli

import (
	"context"
	"errors"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/worksynapse/worksynapse/internal/seed"
)

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the API server until SIGTERM/SIGINT",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			if err := a.PrepareSchema(ctx); err != nil {
				return err
			}
			// The system roles must exist before anyone can create an
			// organization (its creator becomes ADMIN); seeding is idempotent.
			res, err := seed.Run(ctx, a.DB.Ent)
			if err != nil {
				return err
			}
			if res.Roles+res.Permissions+res.Grants > 0 {
				a.Log.Info("seeded system roles", "roles", res.Roles, "permissions", res.Permissions, "grants", res.Grants)
			}
			srv, err := a.Server()
			if err != nil {
				return err
			}
			if err := a.Jobs.Start(ctx); err != nil {
				return err
			}
			serveErr := srv.ListenAndServe(ctx)
			// Running jobs get the shutdown timeout to finish; River
			// retries the ones cancelled after it.
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.Config.HTTP.ShutdownTimeout)
			defer cancel()
			return errors.Join(serveErr, a.Jobs.Stop(stopCtx))
		},
	}
	cmd.Flags().String("http.addr", "", "listen address, e.g. 127.0.0.1:8080")
	cmd.Flags().Bool("database.auto_migrate", false, "apply pending PostgreSQL migrations at startup")
	return cmd
}
