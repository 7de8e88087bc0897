package guard

import (
	"os"
	"strings"
	"testing"
)

// loadCorpus reads a testdata file of prompts separated by lines "%%",
// which lets prompts span lines (code, e-mails, fake chat turns).
func loadCorpus(t testing.TB, name string) []string {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range strings.Split(string(raw), "\n%%\n") {
		if p = strings.TrimSuffix(p, "\n"); strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

// TestCorpusRates is the detector's acceptance test: at least 90% of the
// attack corpus detected, at most 3% of the benign corpus flagged.
func TestCorpusRates(t *testing.T) {
	attacks, benign := loadCorpus(t, "attacks.txt"), loadCorpus(t, "benign.txt")
	if len(attacks) < 150 || len(benign) < 150 {
		t.Fatalf("corpus too small: %d attacks, %d benign (want 150 each)", len(attacks), len(benign))
	}
	missed := misclassified(attacks, false)
	flagged := misclassified(benign, true)
	detection := 1 - float64(len(missed))/float64(len(attacks))
	falsePos := float64(len(flagged)) / float64(len(benign))
	t.Logf("detection rate %.1f%% (%d/%d), false-positive rate %.1f%% (%d/%d)",
		100*detection, len(attacks)-len(missed), len(attacks), 100*falsePos, len(flagged), len(benign))
	for _, m := range missed {
		t.Logf("missed: %.100q", m)
	}
	for _, f := range flagged {
		t.Logf("false positive: %.100q %v", f, Detect(f, nil))
	}
	if detection < 0.90 {
		t.Errorf("detection rate %.1f%% is below 90%%", 100*detection)
	}
	if falsePos > 0.03 {
		t.Errorf("false-positive rate %.1f%% is above 3%%", 100*falsePos)
	}
}

// misclassified returns the prompts whose verdict is not want.
func misclassified(prompts []string, want bool) []string {
	var out []string
	for _, p := range prompts {
		if Detected(p, nil) == want {
			out = append(out, p)
		}
	}
	return out
}
