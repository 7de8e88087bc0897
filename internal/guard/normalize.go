package guard

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalized is a text prepared for matching. Rules match folded; the
// encoded-payload scanner needs the original case (base64 is case
// sensitive), so it reads plain.
type normalized struct {
	plain  string // NFKC, invisible characters removed, case kept
	folded string // "\n" + plain, lower-cased, look-alike letters mapped to ASCII
	// hidden is the ASCII text spelled by Unicode tag characters
	// (U+E0020–U+E007E), which render as nothing but many models read.
	hidden string
	// invisible counts removed zero-width characters, bidi controls the
	// count of removed bidirectional override/isolate controls.
	invisible, bidi int
}

// normalize removes invisible characters before NFKC so that "ig\u200bnore"
// cannot dodge the rules, and keeps their count so that hiding itself is a
// finding. NFKC folds full-width and compatibility forms ("ｉｇｎｏｒｅ").
func normalize(text string) normalized {
	var n normalized
	if isPlainASCII(text) {
		// Fast path for the common case: nothing to strip or compose.
		n.plain = text
	} else {
		n.plain = norm.NFKC.String(n.strip(text))
	}
	// The leading line break lets rules about fake chat turns match a
	// "System:" line at the very start like any other line.
	n.folded = "\n" + fold(n.plain)
	return n
}

// isPlainASCII reports whether text is printable ASCII or common whitespace,
// which NFKC and stripping leave unchanged.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// strip drops invisible runes, counting them and decoding tag characters.
func (n *normalized) strip(text string) string {
	var b, hidden strings.Builder
	b.Grow(len(text))
	prev := rune(0)
	runes := []rune(text)
	flag := false // inside a subdivision flag emoji (🏴 + tags + cancel tag)
	for i, r := range runes {
		switch {
		case r >= 0xE0000 && r <= 0xE007F:
			// Tags after U+1F3F4 spell a region ("gbsct", Scotland's flag):
			// that is how these flags are written, nothing is hidden.
			flag = flag || prev == 0x1F3F4
			if r >= 0xE0020 && r <= 0xE007E && !flag {
				hidden.WriteRune(r - 0xE0000)
			}
			if r == 0xE007F {
				flag = false
			}
			continue
		case isBidiControl(r):
			n.bidi++
			continue
		case isZeroWidth(r):
			// Joiners between non-ASCII letters or emoji are how Persian,
			// Indic scripts and emoji sequences are written: not hiding.
			if !(isJoiner(r) && (prev >= utf8.RuneSelf || (i+1 < len(runes) && runes[i+1] >= utf8.RuneSelf))) {
				n.invisible++
			}
			continue
		}
		b.WriteRune(r)
		prev = r
	}
	n.hidden = hidden.String()
	return b.String()
}

func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

func isJoiner(r rune) bool { return r == 0x200C || r == 0x200D }

func isZeroWidth(r rune) bool {
	switch r {
	case 0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x00AD, 0x180E:
		return true
	}
	return false
}

// confusables maps Cyrillic and Greek letters that look like Latin ones,
// the usual trick against keyword filters ("іgnore" with a Cyrillic і).
// Only applied to letters inside otherwise Latin words, so Russian or Greek
// prose keeps its letters.
var confusables = map[rune]rune{
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'х': 'x', 'у': 'y', 'і': 'i', 'ј': 'j', 'ѕ': 's',
	'ο': 'o', 'α': 'a', 'ι': 'i', 'ν': 'v', 'τ': 't', 'ε': 'e',
}

// fold lower-cases and maps look-alike letters that sit next to a Latin
// letter, so mixed-script words become plain ASCII words.
func fold(s string) string {
	lower := strings.ToLower(s)
	if isPlainASCII(lower) {
		return lower
	}
	runes := []rune(lower)
	for i, r := range runes {
		c, ok := confusables[r]
		if !ok {
			continue
		}
		if (i > 0 && isLatin(runes[i-1])) || (i+1 < len(runes) && isLatin(runes[i+1])) {
			runes[i] = c
		}
	}
	return string(runes)
}

func isLatin(r rune) bool { return r < utf8.RuneSelf && unicode.IsLetter(r) }

// minSpacedLetters is how many single letters in a row, each followed by
// one space, count as a spelled-out word ("i g n o r e").
const minSpacedLetters = 5

// despace joins letters spelled out with single spaces and turns wider
// gaps into word breaks: "i g n o r e   a l l" becomes "ignore all". It
// returns "" unless the text has a run of at least minSpacedLetters, the
// usual case, so ordinary text ("a b test") is never rewritten.
func despace(s string) string {
	found := false
	for i := 0; i < len(s) && !found; i++ {
		found = spacedRun(s, i) >= minSpacedLetters
	}
	if !found {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if n := spacedRun(s, i); n >= 2 {
			for k := 0; k < n; k++ {
				b.WriteByte(s[i+2*k])
			}
			i += 2*n - 1
			continue
		}
		if s[i] == ' ' && i > 0 && s[i-1] == ' ' {
			i++ // collapse the gap between spelled-out words
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// spacedRun counts the letters of a "l l l" run starting at i.
func spacedRun(s string, i int) int {
	if i > 0 && s[i-1] != ' ' && s[i-1] != '\n' {
		return 0
	}
	n := 0
	for j := i; j < len(s) && isLetter(s[j]); j += 2 {
		n++
		if j+1 >= len(s) || s[j+1] != ' ' || (j+2 < len(s) && !isLetter(s[j+2])) {
			break
		}
	}
	return n
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' }
