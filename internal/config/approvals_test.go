package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/internal/config"
)

// TestApprovalsLimits: a long-poll may not outlive the request deadline,
// and a zero TTL or output cap is refused, each naming its variable.
func TestApprovalsLimits(t *testing.T) {
	t.Parallel()
	for key, env := range map[string]map[string]string{
		"WORKSYNAPSE_APPROVALS_MAX_WAIT":         {"WORKSYNAPSE_APPROVALS_MAX_WAIT": "30s"},
		"WORKSYNAPSE_APPROVALS_DEFAULT_TTL":      {"WORKSYNAPSE_APPROVALS_DEFAULT_TTL": "0s"},
		"WORKSYNAPSE_APPROVALS_MAX_OUTPUT_BYTES": {"WORKSYNAPSE_APPROVALS_MAX_OUTPUT_BYTES": "0"},
	} {
		_, _, err := load(t, "", env, nil)
		if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), key) {
			t.Errorf("%v: err = %v, want ErrInvalid naming %s", env, err, key)
		}
	}
	cfg, _, err := load(t, "", map[string]string{"WORKSYNAPSE_APPROVALS_MAX_WAIT": "50s", "WORKSYNAPSE_HTTP_REQUEST_TIMEOUT": "1m"}, nil)
	if err != nil || cfg.Approvals.MaxWait != 50*time.Second {
		t.Fatalf("a longer request timeout allows a longer wait: %v %v", cfg, err)
	}
}
