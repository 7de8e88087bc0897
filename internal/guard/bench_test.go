package guard

import (
	"strings"
	"testing"
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
