package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestPricesReprice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ws.db")
	if out, err := run(t, path, "prices", "reprice", "--from", "2026-03-01"); err == nil {
		t.Fatalf("missing --to accepted:\n%s", out)
	}
	for range 2 {
		out, err := run(t, path, "prices", "reprice", "--from", "2026-03-01", "--to", "2026-04-01")
		if err != nil || !strings.Contains(out, "repriced: examined 0 calls, changed 0") {
			t.Fatalf("reprice: %v\n%s", err, out)
		}
	}
}
