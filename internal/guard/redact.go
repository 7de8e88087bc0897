package guard

import (
	"regexp"
	"strings"
)

// Mask is what replaces a secret, or the hidden part of one.
const Mask = "****"

// secretRule masks one kind of secret. keep is how many trailing
// characters stay visible: the last 4 of a key tell an operator which key
// leaked without making it usable; 0 hides everything.
type secretRule struct {
	re *regexp.Regexp
	// group is the submatch holding the secret; 0 is the whole match. The
	// text before the group (a prefix such as "sk-" or "password=") stays.
	group int
	keep  int
}

// secretRules are applied in order; earlier, more specific rules mask a
// secret before a generic one could see a part of it.
var secretRules = []secretRule{
	{re: compile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----([\s\S]*?)-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`), group: 1},
	// Anthropic, OpenAI (sk-, sk-proj-, sk-svcacct-...), Stripe.
	{re: compile(`\b(?:sk-ant-(?:api|admin)\d\d-|sk-(?:proj-|svcacct-|admin-|None-)?|(?:sk|rk|pk)_(?:live|test)_)([A-Za-z0-9_-]{16,})`), group: 1, keep: 4},
	{re: compile(`\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b`), keep: 4},
	{re: compile(`\b(?:gh[pousr]_|github_pat_)([A-Za-z0-9_]{30,})`), group: 1, keep: 4},
	{re: compile(`\bxox[abposr]-([A-Za-z0-9-]{10,})`), group: 1, keep: 4},
	{re: compile(`\bAIza([0-9A-Za-z_-]{35})`), group: 1, keep: 4},
	{re: compile(`\bglpat-([A-Za-z0-9_-]{20,})`), group: 1, keep: 4},
	{re: compile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`), keep: 4},
	{re: compile(`(?i)\b(?:bearer|token)\s+([A-Za-z0-9._~+/-]{16,}=*)`), group: 1, keep: 4},
	// user:password@host in URLs; the user name stays.
	{re: compile(`(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@]+:([^@\s/]+)@`), group: 1},
	// Generic assignments: api_key=..., "password": "...", SECRET: ...
	{re: compile(`(?i)\b[a-z0-9_.-]*(?:api[_-]?key|apikey|secret|token|passw(?:or)?d|passwd|pwd|access[_-]?key|private[_-]?key|client[_-]?secret|auth[_-]?key|credentials?)[a-z0-9_.-]*["']?\s*(?:=|:|=>)\s*["']?([^\s"',;&]{4,})`), group: 1, keep: 4},
}

// cardCandidate finds 13–19 digits, optionally grouped by spaces or dashes;
// only those passing the Luhn check are masked, which spares most order
// numbers, phone numbers and ids.
var cardCandidate = compile(`\b\d(?:[ -]?\d){12,18}\b`)

// Redact masks secrets in text: private key blocks, API keys (OpenAI,
// Anthropic, AWS, GitHub, Slack, Google, Stripe, GitLab), JWTs and bearer
// tokens, passwords in URLs, generic key/secret/password assignments and
// payment card numbers (Luhn-valid). Keys keep their prefix and last 4
// characters ("sk-****abcd"); card numbers keep their last 4 digits and
// separators; passwords and private keys are hidden entirely.
func Redact(text string) string {
	for _, r := range secretRules {
		text = r.apply(text)
	}
	return cardCandidate.ReplaceAllStringFunc(text, maskCard)
}

func (r secretRule) apply(text string) string {
	locs := r.re.FindAllStringSubmatchIndex(text, -1)
	if locs == nil {
		return text
	}
	var b strings.Builder
	last := 0
	for _, m := range locs {
		start, end := m[2*r.group], m[2*r.group+1]
		if start < 0 || strings.Contains(text[start:end], Mask) {
			continue // already masked by an earlier rule
		}
		b.WriteString(text[last:start])
		b.WriteString(mask(text[start:end], r.keep))
		last = end
	}
	b.WriteString(text[last:])
	return b.String()
}

// mask hides s except for its last keep characters, and shows nothing of
// short secrets, where 4 characters would be a large part.
func mask(s string, keep int) string {
	if keep == 0 || len(s) < 12 {
		return Mask
	}
	return Mask + s[len(s)-keep:]
}

// maskCard replaces every digit but the last four, keeping separators so
// the text still reads as a card number.
func maskCard(s string) string {
	digits := make([]byte, 0, 19)
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits = append(digits, s[i])
		}
	}
	if len(digits) < 13 || len(digits) > 19 || !luhn(digits) {
		return s
	}
	out := []byte(s)
	seen := 0
	for i := range out {
		if out[i] >= '0' && out[i] <= '9' {
			if seen < len(digits)-4 {
				out[i] = '*'
			}
			seen++
		}
	}
	return string(out)
}

// luhn reports whether the digits pass the Luhn checksum of card numbers.
func luhn(digits []byte) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
