package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/worksynapse/worksynapse/internal/audit"
)

// errVerifyFailed makes `audit verify` exit non-zero after its report.
var errVerifyFailed = errors.New("audit verification failed")

func newAuditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Audit trail integrity: seal new rows, verify seals, apply retention",
	}
	cmd.AddCommand(newAuditVerifyCmd(), newAuditSealCmd(), newAuditRetentionCmd())
	return cmd
}

func newAuditVerifyCmd() *cobra.Command {
	var (
		from, to, table, sealDir, retentionDir string
		asJSON                                 bool
	)
	cmd := &cobra.Command{
		Use:   "verify [--from TIME] [--to TIME] [--table activity_log|security_audit_log] [--json]",
		Short: "Recompute the audit seals and name changed, missing or inserted rows and seals",
		Long: `Recomputes every seal in range (hash, Ed25519 signature with audit.signing_key
or audit.verify_keys, chain to the previous seal) and the hash of the rows it
covers, reading rows purged by retention from the exports in
audit.retention_dir. With the seal files of audit.seal_dir it names each
changed, missing or inserted row. It also reports rows below the sealed
frontier that no seal covers (committed late, or forged). Exits 1 when
verification fails. TIME is RFC 3339 or YYYY-MM-DD (UTC).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opt, err := verifyRange(from, to, table)
			if err != nil {
				return err
			}
			a, err := prepared(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			keys, err := audit.KeysFromConfig(a.Config)
			if err != nil {
				return err
			}
			opt.Client, opt.Keys, opt.MinAge = a.DB.Ent, keys.Verify, a.Config.Audit.SealMinAge
			opt.SealDir, opt.RetentionDir = orDefault(sealDir, a.Config.Audit.SealDir), orDefault(retentionDir, a.Config.Audit.RetentionDir)
			rep, err := audit.Verify(cmd.Context(), opt)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				rep.WriteText(cmd.OutOrStdout())
			}
			if !rep.OK {
				return errVerifyFailed
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "verify seals covering rows created at or after this time")
	f.StringVar(&to, "to", "", "verify seals covering rows created before this time")
	f.StringVar(&table, "table", "", "only this table: activity_log or security_audit_log")
	f.StringVar(&sealDir, "seal-dir", "", "seal files directory (default audit.seal_dir)")
	f.StringVar(&retentionDir, "retention-dir", "", "retention exports directory (default audit.retention_dir)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// verifyRange parses the range flags before anything is opened.
func verifyRange(from, to, table string) (audit.VerifyOptions, error) {
	var opt audit.VerifyOptions
	var err error
	if opt.From, err = parseTime("from", from); err != nil {
		return opt, err
	}
	if opt.To, err = parseTime("to", to); err != nil {
		return opt, err
	}
	if !opt.From.IsZero() && !opt.To.IsZero() && !opt.From.Before(opt.To) {
		return opt, errors.New("--from must be before --to")
	}
	switch table {
	case "":
	case "activity_log", "security_audit_log":
		opt.Tables = []string{table}
	default:
		return opt, fmt.Errorf("--table must be activity_log or security_audit_log, got %q", table)
	}
	return opt, nil
}

func parseTime(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--%s %q: want RFC 3339 (2026-01-31T12:00:00Z) or YYYY-MM-DD", flag, s)
}

func orDefault(flag, configured string) string {
	if flag != "" {
		return flag
	}
	return configured
}

// newAuditSealCmd runs the sealing job once (serve runs it periodically).
func newAuditSealCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "seal",
		Short: "Seal the audit rows older than audit.seal_min_age now (idempotent)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := prepared(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			s, err := audit.SealerFromConfig(a.DB.Ent, a.Config, a.Log)
			if err != nil {
				return err
			}
			n, err := s.SealPending(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d seals\n", n)
			return nil
		},
	}
}

// newAuditRetentionCmd runs retention once (serve runs it periodically).
func newAuditRetentionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "retention",
		Short: "Seal, export and delete audit rows past each organization's audit_retention_days (idempotent)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := prepared(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			r, err := audit.RetentionFromConfig(a.DB.Ent, a.Config, a.Log)
			if err != nil {
				return err
			}
			res, err := r.Run(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "purged %d rows into %d export files under %s\n", res.Rows, len(res.Files), r.Dir)
			return nil
		},
	}
}
