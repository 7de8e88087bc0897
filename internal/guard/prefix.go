package guard

import (
	"hash/maphash"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// matcher runs a regular expression fast on long texts. Go's regexp is
// linear-time but slow when a large expression (word lists, counted
// repetitions) is tried at every position of a 4 KB prompt. Every match of
// our rules starts with one of a small set of literal prefixes ("ignor",
// "disregard", "<|"...), computed from the expression's syntax tree; the
// matcher finds those with strings.Index and tries the expression anchored
// at each occurrence only.
type matcher struct {
	re       *regexp.Regexp // unanchored, the fallback
	anchored *regexp.Regexp // ^(?:expr)
	prefixes []string       // nil: no usable prefixes, scan everything
	// boundary: the expression starts with \b, lineStart: with (?m)^.
	// An anchored match on a suffix cannot check either, so the byte
	// before is checked by hand.
	boundary, lineStart bool
}

// maxMatchLen bounds a phrase match; rules describe phrases, not pages.
// The window also bounds the cost of a failed attempt: the backtracker
// clears a bitmap of window × program size first.
const maxMatchLen = 256

// maxAttempts is how many anchored attempts a rule makes in one text
// before it starts remembering failed windows.
const maxAttempts = 64

// seed keys the hashes of failed windows.
var seed = maphash.MakeSeed()

// maxPrefixes bounds the prefix set; beyond, the plain scan is cheaper.
const maxPrefixes = 300

func newMatcher(expr string) matcher {
	m := matcher{re: compile(expr), anchored: compile(`^(?:` + expr + `)`)}
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return m
	}
	if p, ok := prefixesOf(tree); ok && len(p.strs) <= maxPrefixes && !slices.Contains(p.strs, "") {
		slices.Sort(p.strs)
		m.prefixes, m.boundary, m.lineStart = slices.Compact(p.strs), p.boundary, p.lineStart
	}
	return m
}

// ruleSet finds the leftmost match of every rule in one pass over the
// text: a table keyed by the first two bytes of each prefix says which
// rules may start at a position, and only those are tried, anchored.
type ruleSet struct {
	rules []phraseRule
	// Prefixes of two bytes or more are listed in pairs[pairIndex[k]] for
	// k their first two bytes (index 0: none), an array lookup per byte
	// rather than a map's hashing; bySingle holds one-byte prefixes.
	pairIndex *[1 << 16]uint16
	pairs     [][]prefixEntry
	bySingle  [256][]prefixEntry
	fallback  []int // rules without prefixes, matched over the whole text
}

type prefixEntry struct {
	prefix string
	rule   int
}

func newRuleSet(rules []phraseRule) *ruleSet {
	rs := &ruleSet{rules: rules, pairIndex: new([1 << 16]uint16), pairs: [][]prefixEntry{nil}}
	for i, r := range rules {
		if r.m.prefixes == nil {
			rs.fallback = append(rs.fallback, i)
			continue
		}
		for _, p := range r.m.prefixes {
			e := prefixEntry{prefix: p, rule: i}
			if len(p) == 1 {
				rs.bySingle[p[0]] = append(rs.bySingle[p[0]], e)
			} else {
				k := pairKey(p, 0)
				if rs.pairIndex[k] == 0 {
					rs.pairIndex[k] = uint16(len(rs.pairs))
					rs.pairs = append(rs.pairs, nil)
				}
				rs.pairs[rs.pairIndex[k]] = append(rs.pairs[rs.pairIndex[k]], e)
			}
		}
	}
	return rs
}

func pairKey(s string, i int) uint16 { return uint16(s[i])<<8 | uint16(s[i+1]) }

// scan returns, per rule, its leftmost match in s or nil.
func (rs *ruleSet) scan(s string) [][]int {
	locs := make([][]int, len(rs.rules))
	attempts := make([]int, len(rs.rules))
	var failed map[uint64]struct{} // failed windows, once a rule is busy
	try := func(e prefixEntry, i int) {
		if locs[e.rule] != nil || !strings.HasPrefix(s[i:], e.prefix) {
			return
		}
		m := rs.rules[e.rule].m
		if (m.boundary && i > 0 && isWordByte(s[i-1])) || (m.lineStart && i > 0 && s[i-1] != '\n') {
			return
		}
		window := s[i:runeEnd(s, i+maxMatchLen)]
		if attempts[e.rule]++; attempts[e.rule] > maxAttempts {
			// A text repeating a prefix ("ignore ignore ..." a megabyte
			// long) would cost an attempt per occurrence; the result only
			// depends on the window, so repeated windows are tried once.
			k := maphash.String(seed, window) ^ uint64(e.rule)*0x9e3779b97f4a7c15
			if _, dup := failed[k]; dup {
				return
			}
			if failed == nil {
				failed = map[uint64]struct{}{}
			}
			defer func() {
				if locs[e.rule] == nil {
					failed[k] = struct{}{}
				}
			}()
		}
		// A bounded input keeps regexp on its fast backtracking engine.
		if loc := m.anchored.FindStringIndex(window); loc != nil {
			locs[e.rule] = []int{i, i + loc[1]}
		}
	}
	for i := 0; i < len(s); i++ {
		for _, e := range rs.bySingle[s[i]] {
			try(e, i)
		}
		if i+1 < len(s) {
			for _, e := range rs.pairs[rs.pairIndex[pairKey(s, i)]] {
				try(e, i)
			}
		}
	}
	for _, r := range rs.fallback {
		locs[r] = rs.rules[r].m.re.FindStringIndex(s)
	}
	return locs
}

// runeEnd clamps i to len(s) and moves it forward to a rune boundary.
func runeEnd(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return i
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// prefixSet is the result of the prefix analysis: one of strs starts
// every match; exact means the strings are the whole language of the
// expression, so what follows may extend them.
type prefixSet struct {
	strs      []string
	boundary  bool // the expression starts with \b
	lineStart bool // the expression starts with (?m)^
	exact     bool
}

// prefixesOf returns literal strings one of which starts every match of
// re; ok is false when there is no such finite set (a leading large class,
// a case-folded literal, ...).
func prefixesOf(re *syntax.Regexp) (prefixSet, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return prefixSet{}, false
		}
		return prefixSet{strs: []string{string(re.Rune)}, exact: true}, true
	case syntax.OpCharClass:
		return classPrefixes(re.Rune)
	case syntax.OpCapture:
		return prefixesOf(re.Sub[0])
	case syntax.OpPlus:
		p, ok := prefixesOf(re.Sub[0])
		p.exact = false
		return p, ok
	case syntax.OpRepeat:
		if re.Min >= 1 {
			p, ok := prefixesOf(re.Sub[0])
			p.exact = p.exact && re.Min == 1 && re.Max == 1
			return p, ok
		}
	case syntax.OpAlternate:
		out := prefixSet{exact: true}
		for i, sub := range re.Sub {
			p, ok := prefixesOf(sub)
			if !ok || (i > 0 && (p.boundary != out.boundary || p.lineStart != out.lineStart)) {
				return prefixSet{}, false
			}
			out.strs, out.boundary, out.lineStart, out.exact = append(out.strs, p.strs...), p.boundary, p.lineStart, out.exact && p.exact
		}
		return out, true
	case syntax.OpConcat:
		return concatPrefixes(re.Sub)
	}
	return prefixSet{}, false
}

// concatPrefixes skips leading \b (reporting it), takes the prefixes of
// the first element (or of both it and the rest when it is optional), and
// extends exact ones with the next element's, so "n(?:ever|ot)" yields
// "never" and "not" rather than just "n".
func concatPrefixes(subs []*syntax.Regexp) (prefixSet, bool) {
	boundary, lineStart := false, false
	for i, sub := range subs {
		switch sub.Op {
		case syntax.OpWordBoundary:
			boundary = true
			continue
		case syntax.OpBeginLine:
			lineStart = true
			continue
		case syntax.OpQuest, syntax.OpStar:
			first, ok1 := prefixesOf(sub.Sub[0])
			rest, ok2 := concatPrefixes(subs[i+1:])
			if !ok1 || !ok2 || first.boundary || rest.boundary || first.lineStart || rest.lineStart {
				return prefixSet{}, false
			}
			return prefixSet{strs: append(first.strs, rest.strs...), boundary: boundary, lineStart: lineStart}, true
		}
		p, ok := prefixesOf(sub)
		if !ok {
			return prefixSet{}, false
		}
		p.boundary = p.boundary || boundary
		p.lineStart = p.lineStart || lineStart
		if p.exact && i+1 < len(subs) {
			p = extend(p, subs[i+1:])
		}
		return p, true
	}
	return prefixSet{}, false
}

// extend appends the prefixes of the rest of a concatenation to exact
// prefixes, while the product stays small; otherwise p is kept as it is.
func extend(p prefixSet, rest []*syntax.Regexp) prefixSet {
	next, ok := concatPrefixes(rest)
	if !ok || next.boundary || next.lineStart || len(p.strs)*len(next.strs) > maxPrefixes || isCharSet(next.strs) {
		return prefixSet{strs: p.strs, boundary: p.boundary, lineStart: p.lineStart}
	}
	out := prefixSet{boundary: p.boundary, lineStart: p.lineStart, exact: next.exact}
	for _, a := range p.strs {
		for _, b := range next.strs {
			out.strs = append(out.strs, a+b)
		}
	}
	return out
}

// isCharSet reports a set of one-byte strings only, such as the
// expansion of \s: appending it multiplies prefixes without making them
// rarer.
func isCharSet(strs []string) bool {
	return len(strs) > 1 && !slices.ContainsFunc(strs, func(s string) bool { return len(s) != 1 })
}

// classPrefixes expands a small character class such as [sz] or [-=#].
func classPrefixes(ranges []rune) (prefixSet, bool) {
	var out []string
	for i := 0; i+1 < len(ranges); i += 2 {
		if ranges[i+1]-ranges[i] > 10 {
			return prefixSet{}, false
		}
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			out = append(out, string(r))
		}
	}
	return prefixSet{strs: out, exact: true}, len(out) > 0 && len(out) <= 10
}
