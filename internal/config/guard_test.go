package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/config"
)

func TestGuardExtraPatterns(t *testing.T) {
	t.Parallel()
	org := uuid.New()
	cfg := mustLoad(t, "", map[string]string{
		"WORKSYNAPSE_GUARD_EXTRA_PATTERNS": "acme.codename=(?i)bluebird, " + org.String() + ":acme.vendor=(?i)globex",
	}, nil)
	ps, err := cfg.Guard.Patterns()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.All) != 1 || ps.All[0].Rule != "acme.codename" || len(ps.For(org)) != 2 || len(ps.For(uuid.New())) != 1 {
		t.Errorf("patterns = %+v", ps)
	}
}

func TestGuardInvalidPatterns(t *testing.T) {
	t.Parallel()
	for _, entry := range []string{"no-equals-sign", "Bad Id=x", "id=(unclosed", "id=.*", "not-a-uuid:id=x"} {
		_, _, err := load(t, "", map[string]string{"WORKSYNAPSE_GUARD_EXTRA_PATTERNS": entry}, nil)
		if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "guard.extra_patterns (WORKSYNAPSE_GUARD_EXTRA_PATTERNS)") {
			t.Errorf("%q: err = %v, want ErrInvalid naming guard.extra_patterns", entry, err)
		}
	}
}
