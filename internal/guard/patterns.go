package guard

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// PatternScore is the score of a match of an organization's own pattern:
// the operator wrote it for their threats, so one match reaches Threshold.
const PatternScore = 0.9

// Pattern is an organization's extra detection rule.
type Pattern struct {
	Rule string
	Re   *regexp.Regexp
}

// ruleID keeps custom ids short and safe to store and log.
var ruleID = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

// ParsePattern parses one "rule_id=regex" entry (the form of the config key
// guard.extra_patterns). The regular expression is RE2 syntax and matched
// against the normalized text with case kept; start it with (?i) to ignore
// case. The first "=" separates id and expression, so the expression may
// contain "=".
func ParsePattern(entry string) (Pattern, error) {
	id, expr, ok := strings.Cut(entry, "=")
	id = strings.TrimSpace(id)
	if !ok || expr == "" {
		return Pattern{}, fmt.Errorf("pattern %q: want rule_id=regex", id)
	}
	if !ruleID.MatchString(id) {
		return Pattern{}, fmt.Errorf("pattern %q: rule id must match %s", id, ruleID)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return Pattern{}, fmt.Errorf("pattern %q: %w", id, err)
	}
	if re.MatchString("") {
		// A pattern matching the empty string would flag every prompt.
		return Pattern{}, fmt.Errorf("pattern %q: matches the empty string", id)
	}
	return Pattern{Rule: id, Re: re}, nil
}

// ParsePatterns parses every entry and reports the first invalid one.
func ParsePatterns(entries []string) ([]Pattern, error) {
	out := make([]Pattern, 0, len(entries))
	for _, e := range entries {
		p, err := ParsePattern(e)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// OrgPatterns are the extra patterns of the configuration: entries
// "rule_id=regex" apply to every organization, entries
// "<organization uuid>:rule_id=regex" to that organization only.
type OrgPatterns struct {
	All   []Pattern
	ByOrg map[uuid.UUID][]Pattern
}

// ParseOrgPatterns parses the guard.extra_patterns entries.
func ParseOrgPatterns(entries []string) (OrgPatterns, error) {
	out := OrgPatterns{ByOrg: map[uuid.UUID][]Pattern{}}
	for _, e := range entries {
		scope, rest, scoped := strings.Cut(e, ":")
		if !scoped || strings.Contains(scope, "=") {
			// The colon, if any, is part of the expression.
			p, err := ParsePattern(e)
			if err != nil {
				return OrgPatterns{}, err
			}
			out.All = append(out.All, p)
			continue
		}
		org, err := uuid.Parse(strings.TrimSpace(scope))
		if err != nil {
			return OrgPatterns{}, fmt.Errorf("pattern %q: organization must be a UUID", scope)
		}
		p, err := ParsePattern(rest)
		if err != nil {
			return OrgPatterns{}, err
		}
		out.ByOrg[org] = append(out.ByOrg[org], p)
	}
	return out, nil
}

// For returns the patterns that apply to an organization.
func (p OrgPatterns) For(org uuid.UUID) []Pattern {
	return slices.Concat(p.All, p.ByOrg[org])
}
