package config

import "time"

// ApprovalsConfig configures agent tool actions and their human approval.
type ApprovalsConfig struct {
	// DefaultTTL is how long a pending action waits for a decision; an
	// action not decided by then is expired (timeout = deny).
	DefaultTTL time.Duration `mapstructure:"default_ttl"`
	// MaxWait caps the long-poll of GET /actions/{id}?wait=; it stays below
	// http.request_timeout so a poll answers before the request deadline.
	MaxWait time.Duration `mapstructure:"max_wait"`
	// MaxOutputBytes caps the JSON output a runtime reports (413 beyond).
	MaxOutputBytes int `mapstructure:"max_output_bytes"`
}

// checkApprovals rejects values that would make every action expire at
// once, let a long-poll outlive its request, or refuse every output.
func (c *Config) checkApprovals(ch *checker) {
	a := c.Approvals
	if a.DefaultTTL <= 0 {
		ch.fail("approvals.default_ttl", "must be a positive duration such as \"15m\", got %s", a.DefaultTTL)
	}
	if a.MaxWait <= 0 || a.MaxWait >= c.HTTP.RequestTimeout {
		ch.fail("approvals.max_wait", "must be positive and below http.request_timeout (%s), got %s", c.HTTP.RequestTimeout, a.MaxWait)
	}
	if a.MaxOutputBytes <= 0 {
		ch.fail("approvals.max_output_bytes", "must be greater than zero, got %d", a.MaxOutputBytes)
	}
}
