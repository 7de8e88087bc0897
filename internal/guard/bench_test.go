package guard

import (
	"strings"
	"testing"
	"time"
)

// typicalPrompt is about 4 KB of ordinary work text: a mix of the benign
// corpus (prose in several languages, code, links, a data URL).
func typicalPrompt(b *testing.B) string {
	var sb strings.Builder
	for _, p := range loadCorpus(b, "benign.txt") {
		if sb.Len()+len(p) > 4096 {
			continue
		}
		sb.WriteString(p)
		sb.WriteString("\n\n")
	}
	return sb.String()
}

// BenchmarkDetect measures a typical 4 KB prompt (goal: well under 1 ms).
func BenchmarkDetect(b *testing.B) {
	text := typicalPrompt(b)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Detect(text, nil)
	}
}

// BenchmarkDetectAttacks measures 4 KB of attack text, where most rules
// pass their keyword filter and run their expression.
func BenchmarkDetectAttacks(b *testing.B) {
	var sb strings.Builder
	for _, p := range loadCorpus(b, "attacks.txt") {
		if sb.Len()+len(p) <= 4096 {
			sb.WriteString(p + "\n")
		}
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Detect(text, nil)
	}
}

func BenchmarkRedact(b *testing.B) {
	text := typicalPrompt(b)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Redact(text)
	}
}

// TestLargeInputs: a megabyte prompt, also one repeating a rule prefix or
// digit groups, is screened and redacted in bounded time (these took
// seconds to minutes before attempts and digit runs were bounded).
func TestLargeInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	for name, text := range map[string]string{
		"repeated prefix": strings.Repeat("ignore previous ", 1<<16),
		"digit groups":    strings.Repeat("4539 1488 ", 1<<17),
		"benign prose":    strings.Repeat(strings.Join(loadCorpus(t, "benign.txt"), "\n"), 20),
	} {
		start := time.Now()
		Detect(text, nil)
		Redact(text)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s (%d KB): %v", name, len(text)>>10, d)
		}
	}
}
