package guard

import (
	"regexp"
	"slices"
	"strings"
)

// Mask is what replaces a secret, or the hidden part of one.
const Mask = "****"

// secretRule masks one kind of secret. keep is how many trailing
// characters stay visible: the last 4 of a key tell an operator which key
// leaked without making it usable; 0 hides everything.
type secretRule struct {
	// anyOf lists literals of which every match contains one; the rule's
	// expression only runs near them (lower-case entries are looked up
	// case-insensitively), which keeps Redact fast on long texts.
	anyOf []string
	re    *regexp.Regexp
	// group is the submatch holding the secret; 0 is the whole match. The
	// text before the group (a prefix such as "sk-" or "password=") stays.
	group int
	keep  int
	// whole: search the whole text (no literals, no windows).
	whole bool
}

func secret(anyOf string, group, keep int, expr string) secretRule {
	return secretRule{anyOf: strings.Split(anyOf, "|"), re: compile(expr), group: group, keep: keep}
}

// secretRules are applied in order; earlier, more specific rules mask a
// secret before a generic one could see a part of it.
var secretRules = []secretRule{
	{whole: true, group: 1, re: compile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----([\s\S]*?)-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`)},
	// Anthropic, OpenAI (sk-, sk-proj-, sk-svcacct-...), Stripe.
	secret("sk-|sk_|rk_|pk_", 1, 4, `\b(?:sk-ant-(?:api|admin)\d\d-|sk-(?:proj-|svcacct-|admin-|None-)?|(?:sk|rk|pk)_(?:live|test)_)([A-Za-z0-9_-]{16,})`),
	secret("AKIA|ASIA|AGPA|AIDA|AROA|ANPA", 0, 4, `\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b`),
	secret("ghp_|gho_|ghu_|ghs_|ghr_|github_pat_", 1, 4, `\b(?:gh[pousr]_|github_pat_)([A-Za-z0-9_]{30,})`),
	secret("xox", 1, 4, `\bxox[abposr]-([A-Za-z0-9-]{10,})`),
	secret("AIza", 1, 4, `\bAIza([0-9A-Za-z_-]{35})`),
	secret("glpat-", 1, 4, `\bglpat-([A-Za-z0-9_-]{20,})`),
	secret("eyJ", 0, 4, `\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`),
	secret("bearer|token", 1, 4, `(?i)\b(?:bearer|token)\s+([A-Za-z0-9._~+/-]{16,}=*)`),
	// user:password@host in URLs; the user name stays.
	secret("://", 1, 0, `(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@]+:([^@\s/]+)@`),
	// Generic assignments: api_key=..., "password": "...", SECRET: ...
	secret("key|secret|token|passw|pwd|credential", 1, 4, `(?i)(?:api[_-]?key|apikey|secret|token|passw(?:or)?d|passwd|pwd|access[_-]?key|private[_-]?key|client[_-]?secret|auth[_-]?key|credentials?)[a-z0-9_.-]*["']?\s*(?:=|:|=>)\s*["']?([^\s"',;&]{4,})`),
}

// Redact masks secrets in text: private key blocks, API keys (OpenAI,
// Anthropic, AWS, GitHub, Slack, Google, Stripe, GitLab), JWTs and bearer
// tokens, passwords in URLs, generic key/secret/password assignments and
// payment card numbers (13–19 digits, optionally grouped by single spaces
// or dashes, passing the Luhn check, which spares most order numbers,
// phone numbers and ids). Keys keep their prefix and last 4 characters
// ("sk-****abcd"); card numbers keep their last 4 digits and separators;
// passwords and private keys are hidden entirely.
func Redact(text string) string {
	lower := asciiLower(text)
	for _, r := range secretRules {
		if out := r.apply(text, lower); out != text {
			text, lower = out, asciiLower(out)
		}
	}
	return maskCards(text)
}

// asciiLower lower-cases ASCII letters only, so byte offsets in the result
// are offsets in s (strings.ToLower may change the length of non-ASCII).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Window around a literal of a secret rule in which its expression runs:
// secrets are tokens near their marker ("sk-", "password=", "://"). The
// private-key rule, whose block can be long, runs over the whole text;
// its expression starts with a literal, which regexp finds quickly.
const (
	secretBefore = 64
	secretAfter  = 512
)

// apply masks every match of the rule in text; lower is asciiLower(text).
func (r secretRule) apply(text, lower string) string {
	locs := r.find(text, lower)
	if locs == nil {
		return text
	}
	var b strings.Builder
	last := 0
	for _, m := range locs {
		start, end := m[2*r.group], m[2*r.group+1]
		if start < last || strings.Contains(text[start:end], Mask) {
			continue // overlapping, or already masked by an earlier rule
		}
		b.WriteString(text[last:start])
		b.WriteString(mask(text[start:end], r.keep))
		last = end
	}
	b.WriteString(text[last:])
	return b.String()
}

// find returns the submatch indexes of every match, searching only windows
// around the rule's literals (lower-case literals are looked up in lower).
func (r secretRule) find(text, lower string) [][]int {
	if r.whole {
		return r.re.FindAllStringSubmatchIndex(text, -1)
	}
	var spans [][2]int
	for _, k := range r.anyOf {
		hay := text
		if k == strings.ToLower(k) {
			hay = lower
		}
		for off := 0; ; {
			i := strings.Index(hay[off:], k)
			if i < 0 {
				break
			}
			pos := off + i
			spans = append(spans, [2]int{tokenStart(text, pos-secretBefore), tokenEnd(text, pos+len(k)+secretAfter)})
			off = pos + len(k)
		}
	}
	var out [][]int
	for _, sp := range mergeSpans(spans) {
		for _, m := range r.re.FindAllStringSubmatchIndex(text[sp[0]:sp[1]], -1) {
			for j := range m {
				if m[j] >= 0 {
					m[j] += sp[0]
				}
			}
			out = append(out, m)
		}
	}
	return out
}

// tokenStart moves i back to the start of the whitespace-delimited token
// it falls in, so a window never cuts a secret in two.
func tokenStart(s string, i int) int {
	if i <= 0 {
		return 0
	}
	for i > 0 && !isSpace(s[i-1]) {
		i--
	}
	return i
}

// tokenEnd moves i forward to the end of the token it falls in.
func tokenEnd(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	for i < len(s) && !isSpace(s[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// mergeSpans sorts spans and merges overlapping ones.
func mergeSpans(spans [][2]int) [][2]int {
	if len(spans) < 2 {
		return spans
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	merged := spans[:1]
	for _, sp := range spans[1:] {
		if last := &merged[len(merged)-1]; sp[0] <= last[1] {
			last[1] = max(last[1], sp[1])
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// mask hides s except for its last keep characters, and shows nothing of
// short secrets, where 4 characters would be a large part.
func mask(s string, keep int) string {
	if keep == 0 || len(s) < 12 {
		return Mask
	}
	return Mask + s[len(s)-keep:]
}

// maskCards finds runs of digits separated by single spaces or dashes and
// masks those that are card numbers. Hand-written: a regular expression
// for this cost more than all the other rules together.
func maskCards(text string) string {
	var out []byte // allocated at the first card only
	for i := 0; i < len(text); {
		if !isDigit(text[i]) || (i > 0 && isWordByte(text[i-1])) {
			i++
			continue
		}
		end, digits := digitRun(text, i)
		if digits >= 13 && digits <= 19 && (end == len(text) || !isWordByte(text[end])) && luhnString(text[i:end]) {
			if out == nil {
				out = []byte(text)
			}
			maskDigits(out[i:end], digits-4)
			i = end
			continue
		}
		i = nextGroup(text, i, end)
	}
	if out == nil {
		return text
	}
	return string(out)
}

// digitRun returns the end of the run of digits starting at i, allowing
// one space or dash between two digits, and how many digits it holds. It
// stops after 20 digits (too many for a card): scanning further from every
// group of a long run would make Redact quadratic.
func digitRun(s string, i int) (end, digits int) {
	end = i
	for j := i; j < len(s) && digits <= 19; j++ {
		switch {
		case isDigit(s[j]):
			digits++
			end = j + 1
		case (s[j] == ' ' || s[j] == '-') && j > i && isDigit(s[j-1]) && j+1 < len(s) && isDigit(s[j+1]):
		default:
			return end, digits
		}
	}
	return end, digits
}

// nextGroup returns where the next digit group of a run starts, so a card
// number glued to other digits ("0001 4539 1488 0343 6467") is still found.
func nextGroup(s string, i, end int) int {
	if j := strings.IndexAny(s[i:end], " -"); j >= 0 {
		return i + j + 1
	}
	return max(end, i+1)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// maskDigits replaces the first n digits of b by '*', keeping separators.
func maskDigits(b []byte, n int) {
	for i := 0; i < len(b) && n > 0; i++ {
		if isDigit(b[i]) {
			b[i] = '*'
			n--
		}
	}
}

// luhnString runs the Luhn check over the digits of s.
func luhnString(s string) bool {
	digits := make([]byte, 0, 19)
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			digits = append(digits, s[i])
		}
	}
	return luhn(digits)
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
