package notes

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Op is the kind of a diff segment.
type Op string

// Segment kinds.
const (
	OpEqual  Op = "equal"
	OpInsert Op = "insert"
	OpDelete Op = "delete"
)

// Segment is a run of text that is unchanged, inserted or deleted.
type Segment struct {
	Op   Op
	Text string
}

// diffContext is the number of unchanged lines around each hunk of a
// unified diff (diff -u's default).
const diffContext = 3

// tokenDiff diffs two token sequences with diff-match-patch (Myers'
// algorithm with its speedups): each distinct token is mapped to one rune,
// the rune strings are diffed, and the runes are mapped back, the same
// trick as diff-match-patch's line mode but for any tokenization. One
// segment per token.
func tokenDiff(a, b []string) []Segment {
	ids := map[string]rune{}
	var vocab []string
	encode := func(tokens []string) []rune {
		out := make([]rune, len(tokens))
		for i, t := range tokens {
			r, ok := ids[t]
			if !ok {
				r = tokenRune(len(vocab))
				ids[t], vocab = r, append(vocab, t)
			}
			out[i] = r
		}
		return out
	}
	ra, rb := encode(a), encode(b)
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0 // exact result; note sizes are bounded by the schema
	var out []Segment
	for _, d := range dmp.DiffMainRunes(ra, rb, false) {
		op := map[diffmatchpatch.Operation]Op{
			diffmatchpatch.DiffEqual: OpEqual, diffmatchpatch.DiffInsert: OpInsert, diffmatchpatch.DiffDelete: OpDelete,
		}[d.Type]
		for _, r := range d.Text {
			out = append(out, Segment{Op: op, Text: vocab[runeToken(r)]})
		}
	}
	return out
}

// tokenRune and runeToken map a token index to a rune and back, skipping
// the UTF-16 surrogate range, which does not survive a Go string.
func tokenRune(i int) rune {
	if i >= 0xD800 {
		return rune(i + 0x800)
	}
	return rune(i)
}

func runeToken(r rune) int {
	if r >= 0xE000 {
		return int(r) - 0x800
	}
	return int(r)
}

// splitLines splits text into lines, each keeping its "\n".
func splitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// splitWords splits prose into words, whitespace runs and single
// punctuation characters, so a diff never cuts a word in half.
func splitWords(s string) []string {
	var out []string
	start, kind := 0, -1
	for i, r := range s {
		k := 2 // punctuation: one token per character
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '\'':
			k = 0
		case unicode.IsSpace(r):
			k = 1
		}
		if i > start && (k != kind || k == 2) {
			out = append(out, s[start:i])
			start = i
		}
		kind = k
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// WordDiff is a word-level diff of two texts for reading prose changes:
// consecutive tokens of the same kind are merged into one segment.
func WordDiff(a, b string) []Segment {
	var out []Segment
	for _, s := range tokenDiff(splitWords(a), splitWords(b)) {
		if n := len(out); n > 0 && out[n-1].Op == s.Op {
			out[n-1].Text += s.Text
			continue
		}
		out = append(out, s)
	}
	return out
}

// lineOp is one line of a line diff with its line numbers (1-based; 0
// where the line does not exist on that side).
type lineOp struct {
	op       Op
	text     string
	old, new int
}

// UnifiedDiff is a unified line diff (diff -u format, 3 lines of context)
// from text a (labelled from) to text b (labelled to); empty when equal.
func UnifiedDiff(a, b, from, to string) string {
	var ops []lineOp
	oldN, newN := 0, 0
	for _, s := range tokenDiff(splitLines(a), splitLines(b)) {
		l := lineOp{op: s.Op, text: strings.TrimSuffix(s.Text, "\n")}
		if s.Op != OpInsert {
			oldN++
			l.old = oldN
		}
		if s.Op != OpDelete {
			newN++
			l.new = newN
		}
		ops = append(ops, l)
	}
	var b2 strings.Builder
	for _, h := range hunks(ops) {
		if b2.Len() == 0 {
			fmt.Fprintf(&b2, "--- %s\n+++ %s\n", from, to)
		}
		writeHunk(&b2, ops[h[0]:h[1]])
	}
	return b2.String()
}

// hunks groups changed lines into [start, end) ranges of ops with their
// context; changes closer than twice the context share a hunk.
func hunks(ops []lineOp) [][2]int {
	var out [][2]int
	for i, l := range ops {
		if l.op == OpEqual {
			continue
		}
		start, end := max(0, i-diffContext), min(len(ops), i+diffContext+1)
		if n := len(out); n > 0 && start <= out[n-1][1] {
			out[n-1][1] = end
			continue
		}
		out = append(out, [2]int{start, end})
	}
	return out
}

// writeHunk writes one "@@ -l,s +l,s @@" hunk.
func writeHunk(b *strings.Builder, ops []lineOp) {
	oldStart, newStart, oldCount, newCount := 0, 0, 0, 0
	for _, l := range ops {
		if l.old > 0 {
			if oldCount == 0 {
				oldStart = l.old
			}
			oldCount++
		}
		if l.new > 0 {
			if newCount == 0 {
				newStart = l.new
			}
			newCount++
		}
	}
	// Context lines exist on both sides, so a side is empty in a hunk only
	// when its whole text is empty: diff -u writes it as "-0,0".
	fmt.Fprintf(b, "@@ -%d,%d +%d,%d @@\n", oldStart, oldCount, newStart, newCount)
	for _, l := range ops {
		fmt.Fprintf(b, "%c%s\n", map[Op]rune{OpEqual: ' ', OpInsert: '+', OpDelete: '-'}[l.op], l.text)
	}
}
