package guard

import "testing"

// TestHoldoutRates reports the rates on prompts written after the rules
// were frozen: a fairer estimate of how the rules do on phrasing they were
// not written against than TestCorpusRates, whose corpus was used to write
// them. Measured when written: 42.5% detection (17/40), 2.5% false
// positives (1/40). Regular expressions catch the well-known phrasings;
// paraphrased attacks mostly get through, which is why flag is the default
// policy and block is an operator's choice.
//
// Do not tune rules against these files: when rules are improved with
// their help, move the prompts into attacks.txt/benign.txt and write a new
// holdout set. The bounds only catch regressions.
func TestHoldoutRates(t *testing.T) {
	attacks, benign := loadCorpus(t, "holdout_attacks.txt"), loadCorpus(t, "holdout_benign.txt")
	missed, flagged := misclassified(attacks, false), misclassified(benign, true)
	detection := 1 - float64(len(missed))/float64(len(attacks))
	falsePos := float64(len(flagged)) / float64(len(benign))
	t.Logf("holdout: detection rate %.1f%% (%d/%d), false-positive rate %.1f%% (%d/%d)",
		100*detection, len(attacks)-len(missed), len(attacks), 100*falsePos, len(flagged), len(benign))
	for _, m := range missed {
		t.Logf("missed: %.100q", m)
	}
	for _, f := range flagged {
		t.Logf("false positive: %.100q %v", f, Detect(f, nil))
	}
	if detection < 0.35 || falsePos > 0.05 {
		t.Errorf("holdout rates regressed: detection %.1f%%, false positives %.1f%%", 100*detection, 100*falsePos)
	}
}
