package llm_test

import (
	"testing"

	"github.com/worksynapse/worksynapse/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }
