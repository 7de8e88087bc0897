package config

import "github.com/worksynapse/worksynapse/internal/guard"

// GuardConfig configures the prompt-injection guard (internal/guard).
type GuardConfig struct {
	// ExtraPatterns are detection rules added to the built-in ones:
	// "rule_id=regex" for every organization, "ORG_UUID:rule_id=regex" for
	// one. RE2 syntax, matched against the normalized text with case kept
	// (start with (?i) to ignore case); a match scores guard.PatternScore.
	// In the environment, entries are separated by commas, so an
	// expression containing a comma must be set in config.yaml.
	ExtraPatterns []string `mapstructure:"extra_patterns"`
}

// Patterns returns the parsed extra patterns; Load has validated them, so
// the error only concerns a Config built by hand.
func (g GuardConfig) Patterns() (guard.OrgPatterns, error) {
	return guard.ParseOrgPatterns(g.ExtraPatterns)
}

// checkGuard refuses invalid patterns at startup rather than at the first
// request, where they could only be skipped.
func (c *Config) checkGuard(ch *checker) {
	if _, err := c.Guard.Patterns(); err != nil {
		ch.fail("guard.extra_patterns", "%v", err)
	}
}
