// Package guard screens text sent to language models for prompt injection
// and masks secrets before prompts are stored.
//
// It is pure: no I/O, no database, no HTTP. The gateway calls Evaluate on
// the messages of a chat completion and stores the findings; capture
// policies decide what of a prompt is kept (Capture).
//
// Detection works on a normalized copy of the text: invisible characters
// (zero-width, bidi controls, Unicode tag characters) are removed and
// reported, the rest is NFKC-normalized and lower-cased, and look-alike
// Cyrillic/Greek letters inside Latin words are mapped to ASCII. Each rule
// yields findings with a score in [0,1]; scores combine as independent
// evidence (1 - Π(1-s)) and a text is treated as an attack when the
// combined score reaches Threshold.
package guard

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Threshold is the combined score from which a text counts as an injection
// attempt (and a block policy refuses it). Rules that are only weak
// evidence alone score below it.
const Threshold = 0.5

// Rule ids of the built-in rules; organization patterns use their own ids.
const (
	RuleInstructionOverride = "instruction_override"
	RuleJailbreak           = "jailbreak"
	RulePromptExfiltration  = "prompt_exfiltration"
	RuleEncodedPayload      = "encoded_payload"
	RuleInvisibleChars      = "invisible_characters"
	RuleTagChars            = "unicode_tag_characters"
	RuleMarkdownExfil       = "markdown_exfiltration"
	RuleToolSmuggling       = "tool_call_smuggling"
)

// Finding is one piece of evidence: the rule that matched, how strongly it
// indicates an attack (0..1) and a short excerpt of the matched text, with
// secrets redacted so that a finding can be stored and logged.
type Finding struct {
	Rule    string  `json:"rule"`
	Score   float64 `json:"score"`
	Excerpt string  `json:"excerpt"`
}

// Score combines findings as independent evidence: 1 - Π(1 - score).
// Several weak signals thus add up, while one strong one suffices.
func Score(findings []Finding) float64 {
	miss := 1.0
	for _, f := range findings {
		miss *= 1 - clamp(f.Score)
	}
	return 1 - miss
}

func clamp(s float64) float64 {
	return min(max(s, 0), 1)
}

// Detect returns the findings for text: the built-in rules plus the
// organization's extra patterns (matched against the normalized text with
// case kept, so patterns should use (?i) where case does not matter).
// A rule may contribute several findings (one per expression that matched).
func Detect(text string, extra []Pattern) []Finding {
	n := normalize(text)
	var fs findings
	fs.scanText(n, 0)
	if n.hidden != "" {
		fs.add(RuleTagChars, 0.9, excerptOf(n.hidden))
		fs.scanText(normalize(n.hidden), 1)
	}
	if d := despace(n.folded); d != "" {
		fs.scanText(normalize(d), 1)
	}
	if n.invisible >= 2 || n.bidi > 0 {
		fs.add(RuleInvisibleChars, invisibleScore(n),
			fmt.Sprintf("%d zero-width, %d bidi control characters", n.invisible, n.bidi))
	}
	for _, p := range extra {
		if loc := p.Re.FindStringIndex(n.plain); loc != nil {
			fs.add(p.Rule, PatternScore, excerpt(n.plain, loc))
		}
	}
	return fs.list
}

// invisibleScore rates hidden characters: a couple of stray zero-width
// spaces come from copy and paste, many of them or bidi overrides (the
// "Trojan Source" trick) do not.
func invisibleScore(n normalized) float64 {
	switch {
	case n.bidi > 0 || n.invisible >= 8:
		return 0.55
	default:
		return 0.3
	}
}

// findings collects the evidence of one text.
type findings struct{ list []Finding }

func (fs *findings) add(rule string, score float64, exc string) {
	fs.list = append(fs.list, Finding{Rule: rule, Score: clamp(score), Excerpt: exc})
}

// builtin holds every phrase rule, indexed for one-pass matching.
var builtin = newRuleSet(append(phraseRules, exfilPhrase))

// scanText runs the phrase rules and the structural scanners; depth limits
// recursion into decoded payloads to one level.
func (fs *findings) scanText(n normalized, depth int) {
	for i, loc := range builtin.scan(n.folded) {
		if loc != nil {
			r := builtin.rules[i]
			fs.add(r.id, r.score, excerpt(n.folded, loc))
		}
	}
	scanMarkdown(fs, n.folded)
	if depth == 0 {
		scanEncoded(fs, n.plain)
	}
}

// excerptRadius is how many bytes around a match an excerpt shows.
const excerptRadius = 30

// maskContext is how far beyond the excerpt secrets are looked for: a
// secret that crosses the excerpt's edge must be recognized whole (its
// pattern needs all of it) before any of it is cut away.
const maskContext = 256

// excerpt quotes the match with some context: it masks first (secrets of
// the surrounding text, recognized whole) and only then cuts, so a cut
// can drop part of a mask but never leave part of a secret unmasked.
func excerpt(s string, loc []int) string {
	start, end := widen(s, loc[0], loc[1])
	words := maskedWords(s[start:end])
	at := min(len(strings.Fields(s[start:loc[0]])), max(len(words)-1, 0))
	return cutWords(words, at, loc[1]-loc[0])
}

// widen extends [from, to) by maskContext bytes on each side (at rune
// boundaries): enough for any secret the cut could reach.
func widen(s string, from, to int) (int, int) {
	start, end := max(from-maskContext, 0), min(to+maskContext, len(s))
	for start > 0 && !utf8.RuneStart(s[start]) {
		start--
	}
	for end < len(s) && !utf8.RuneStart(s[end]) {
		end++
	}
	return start, end
}

// maskedWords redacts text and masks words that look like credentials.
func maskedWords(text string) []string {
	words := strings.Fields(Redact(text))
	for i, w := range words {
		if looksLikeToken(w) {
			words[i] = Mask
		}
	}
	return words
}

// cutWords keeps the words from about excerptRadius bytes before word at
// to about excerptRadius bytes after the match (matchLen bytes), at most
// 160 bytes; a long word is cut at a rune boundary (it is masked already).
func cutWords(words []string, at, matchLen int) string {
	if len(words) == 0 {
		return ""
	}
	first, before := at, 0
	for first > 0 && before+len(words[first-1]) <= excerptRadius {
		first--
		before += len(words[first]) + 1
	}
	last, after := at, 0
	for last+1 < len(words) && after < matchLen+excerptRadius {
		last++
		after += len(words[last]) + 1
	}
	out := strings.Join(words[first:last+1], " ")
	if len(out) > 160 {
		cut := 160
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = out[:cut]
	}
	return out
}

// looksLikeToken reports a word that may be a credential Redact could not
// recognize: rules match the lower-cased text, where "AKIA..." and "eyJ..."
// lost the case Redact keys on. Long runs of letters mixed with digits are
// masked in excerpts; attack phrases are made of words, so nothing of
// value is lost.
func looksLikeToken(w string) bool {
	if len(w) < 16 {
		return false
	}
	letters, digits := 0, 0
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters++
		case c >= '0' && c <= '9':
			digits++
		case strings.IndexByte("_-+/=.", c) >= 0:
		default:
			return false
		}
	}
	return letters > 0 && digits > 0
}

// Detected reports whether text reaches Threshold.
func Detected(text string, extra []Pattern) bool {
	return Score(Detect(text, extra)) >= Threshold
}

// compile is regexp.MustCompile for the package's own rule tables.
func compile(expr string) *regexp.Regexp { return regexp.MustCompile(expr) }
