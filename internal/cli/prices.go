package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/worksynapse/worksynapse/internal/ledger"
)

func newPricesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prices",
		Short: "LLM model prices: recompute call costs after a price correction",
	}
	cmd.AddCommand(newPricesRepriceCmd())
	return cmd
}

// newPricesRepriceCmd recomputes the cost of the calls in a time range with
// the price rows as they are now.
func newPricesRepriceCmd() *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "reprice --from TIME --to TIME",
		Short: "Recompute the cost of calls started in [from, to) with the current price rows",
		Long: `Recomputes cost_micros, the price row and the unpriced flag of every LLM call
started in [from, to) from the model price catalog as it is now, e.g. after a
price row was corrected or a missing price was added. Only calls whose pricing
changes are written, so running it twice changes nothing the second time. The
run is recorded in the security audit log with its counts. Re-run the daily
cost rollup for the affected days afterwards. TIME is RFC 3339 or YYYY-MM-DD (UTC).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start, err := parseTime("from", from)
			if err != nil {
				return err
			}
			end, err := parseTime("to", to)
			if err != nil {
				return err
			}
			if start.IsZero() || end.IsZero() || !start.Before(end) {
				return errors.New("--from and --to are required and --from must be before --to")
			}
			a, err := prepared(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			res, err := ledger.Reprice(cmd.Context(), a.DB.Ent, a.DB.Dialect, start, end)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "repriced: examined %d calls, changed %d, unpriced %d\n",
				res.Examined, res.Changed, res.Unpriced)
			return err
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "first start time (inclusive)")
	cmd.Flags().StringVar(&to, "to", "", "end (exclusive)")
	return cmd
}
