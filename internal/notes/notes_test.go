package notes

import (
	"strings"
	"testing"
)

func TestLocatePrefersContextThenNearest(t *testing.T) {
	text := "fox one. Über fox two. fox three."
	cases := []struct {
		name   string
		a      Anchor
		hint   int
		start  int
		exists bool
	}{
		{"context wins over distance", Anchor{Quote: "fox", Prefix: "Über ", Suffix: " two"}, 0, 14, true},
		{"bare quote: nearest the hint", Anchor{Quote: "fox"}, 25, 23, true},
		{"stale context: nearest the hint", Anchor{Quote: "fox", Prefix: "gone ", Suffix: " gone"}, 1, 0, true},
		{"one side of the context beats none", Anchor{Quote: "fox", Suffix: " three"}, 0, 23, true},
		{"quote gone", Anchor{Quote: "wolf"}, 0, 0, false},
	}
	for _, c := range cases {
		got, ok := Locate(text, c.a, c.hint)
		if ok != c.exists || (ok && (got.Start != c.start || got.End != c.start+3)) {
			t.Errorf("%s: got %+v %v, want start %d %v", c.name, got, ok, c.start, c.exists)
		}
	}
	// Offsets count code points, not bytes.
	if got, _ := Locate("ééé fox", Anchor{Quote: "fox"}, 0); got.Start != 4 {
		t.Errorf("code point offset: %+v", got)
	}
	a := WithContext("ab fox cd", Anchor{Quote: "fox", Start: 3, End: 6})
	if a.Prefix != "ab " || a.Suffix != " cd" {
		t.Errorf("derived context: %+v", a)
	}
}

func TestUnifiedDiff(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n"
	b := "1\ntwo\n3\n4\n5\n6\n7\n8\n9\n10\n11\ntwelve\n"
	// Changes 9 lines apart: two hunks (diff -u merges up to 6 apart).
	want := "--- a\n+++ b\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n@@ -9,3 +9,4 @@\n 9\n 10\n 11\n+twelve\n"
	if got := UnifiedDiff(a, b, "a", "b"); got != want {
		t.Errorf("unified diff:\n%s\nwant:\n%s", got, want)
	}
	if got := UnifiedDiff("", "x\n", "a", "b"); got != "--- a\n+++ b\n@@ -0,0 +1,1 @@\n+x\n" {
		t.Errorf("from empty: %q", got)
	}
	if got := UnifiedDiff(a, a, "a", "b"); got != "" {
		t.Errorf("equal texts: %q", got)
	}
}

func TestWordDiff(t *testing.T) {
	got := WordDiff("the quick brown fox", "the slow brown fox!")
	var b strings.Builder
	for _, s := range got {
		b.WriteString(string(s.Op[0]) + "[" + s.Text + "]")
	}
	if b.String() != "e[the ]d[quick]i[slow]e[ brown fox]i[!]" {
		t.Errorf("word diff: %s", b.String())
	}
}
