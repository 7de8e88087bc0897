package textguard

import "testing"

func TestReason(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool // refused
	}{
		{"plain text", false},
		{"Robert'); DROP TABLE tasks;--", false},
		{"<script>alert(1)</script>", false},
		{"tabs\tand\nnew\r\nlines", false},
		{"emoji 🚀 and ünïcödé", false},
		{"nul\x00byte", true},
		{"bell\x07", true},
		{"escape\x1b[31m", true},
		{"delete\x7f", true},
		{string([]byte{0xff, 0xfe}), true},
	} {
		if got := Reason(tc.in) != ""; got != tc.want {
			t.Errorf("Reason(%q) refused=%v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain\ttext\n":               "plain\ttext\n",
		"nul\x00byte":                 "nul\uFFFDbyte",
		"bad " + string([]byte{0xff}): "bad \uFFFD",
		"esc\x1b[31m and \u00e9":      "esc\uFFFD[31m and \u00e9",
	} {
		if got := Clean(in); got != want || Reason(got) != "" {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}
