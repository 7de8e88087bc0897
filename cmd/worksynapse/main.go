// Command worksynapse is the one binary: API server, migrations and admin
// tasks. Run `worksynapse --help`.
package main

import (
	"context"
	"os"

	"github.com/worksynapse/worksynapse/internal/cli"
)

func main() {
	os.Exit(cli.Execute(context.Background()))
}
