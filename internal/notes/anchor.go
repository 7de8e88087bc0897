package notes

import (
	"strings"
	"unicode/utf8"
)

// contextRunes is how much text around a quote is kept as its prefix and
// suffix when the client sends none (W3C TextQuoteSelector context); 16
// code points fit the 64-byte columns whatever the script.
const contextRunes = 16

// Anchor is a comment's position in a note: a W3C TextQuoteSelector
// (exact quote with the text right before and after it) plus the offsets
// where it was last found, in Unicode code points, End exclusive.
type Anchor struct {
	Quote, Prefix, Suffix string
	Start, End            int
}

// Locate finds the quote in text. Every occurrence of the quote is a
// candidate; one whose prefix and suffix both match the surrounding text
// wins over one matching only one of them, which wins over the bare
// quote; ties go to the occurrence nearest hint (the old start offset).
// ok is false when the quote no longer occurs at all (the comment is
// orphaned).
func Locate(text string, a Anchor, hint int) (Anchor, bool) {
	if a.Quote == "" {
		return a, false
	}
	bestScore, bestDist, found := -1, 0, false
	var best Anchor
	runeAt, byteAt := 0, 0 // incremental byte -> code point conversion
	for from := 0; from <= len(text); {
		i := strings.Index(text[from:], a.Quote)
		if i < 0 {
			break
		}
		b := from + i
		runeAt += utf8.RuneCountInString(text[byteAt:b])
		byteAt = b
		score := 0
		if a.Prefix == "" || strings.HasSuffix(text[:b], a.Prefix) {
			score++
		}
		if a.Suffix == "" || strings.HasPrefix(text[b+len(a.Quote):], a.Suffix) {
			score++
		}
		dist := abs(runeAt - hint)
		if score > bestScore || (score == bestScore && dist < bestDist) {
			bestScore, bestDist, found = score, dist, true
			best = Anchor{Quote: a.Quote, Prefix: a.Prefix, Suffix: a.Suffix,
				Start: runeAt, End: runeAt + utf8.RuneCountInString(a.Quote)}
		}
		_, size := utf8.DecodeRuneInString(text[b:])
		from = b + max(size, 1)
	}
	return best, found
}

// WithContext fills an empty prefix or suffix from the text around the
// located quote, so a later edit can tell repeated quotes apart.
func WithContext(text string, a Anchor) Anchor {
	runes := []rune(text)
	if a.Prefix == "" {
		a.Prefix = string(runes[max(0, a.Start-contextRunes):a.Start])
	}
	if a.Suffix == "" {
		a.Suffix = string(runes[a.End:min(len(runes), a.End+contextRunes)])
	}
	return a
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
