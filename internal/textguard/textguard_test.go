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
