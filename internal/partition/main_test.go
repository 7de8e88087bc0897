package partition_test

import (
	"testing"

	"github.com/worksynapse/worksynapse/internal/testdb"
)

// TestMain drops the package's PostgreSQL databases and template at exit.
func TestMain(m *testing.M) { testdb.Main(m) }
