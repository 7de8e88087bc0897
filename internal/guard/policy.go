package guard

import "github.com/worksynapse/worksynapse/ent/agent"

// Decision is the guard's verdict on a request.
type Decision struct {
	Findings []Finding `json:"findings"`
	// Score is the highest combined score of a scanned message.
	Score float64 `json:"score"`
	// Block is true when the policy is block and Score reaches Threshold.
	Block bool `json:"block"`
}

// Evaluate screens the messages under an agent's injection policy: off
// scans nothing; flag returns the findings and never blocks; block also
// sets Block when a message reaches Threshold. Every message is screened,
// whatever its role: a caller can put an injection into a "system" or
// "assistant" message as easily as into a user one. The caller passes
// only the messages its client supplied (the agent's own system prompt is
// the operator's configuration, not input). Findings of all messages are
// returned; scores combine per message, since one message must carry the
// attack.
func Evaluate(policy agent.InjectionPolicy, msgs []Message, extra []Pattern) Decision {
	var d Decision
	if policy == agent.InjectionPolicyOff {
		return d
	}
	for _, m := range msgs {
		if m.Content == "" {
			continue
		}
		fs := Detect(m.Content, extra)
		d.Findings = append(d.Findings, fs...)
		d.Score = max(d.Score, Score(fs))
	}
	d.Block = policy == agent.InjectionPolicyBlock && d.Score >= Threshold
	return d
}

// CaptureFindings reduces findings to what the agent's capture policy lets
// be stored: their excerpts quote the prompt, so metadata (and an unknown
// policy) keeps rule and score only; full and redacted keep the excerpts,
// which are masked already.
func CaptureFindings(policy agent.CapturePolicy, fs []Finding) []Finding {
	if policy == agent.CapturePolicyFull || policy == agent.CapturePolicyRedacted {
		return fs
	}
	out := make([]Finding, len(fs))
	for i, f := range fs {
		out[i] = Finding{Rule: f.Rule, Score: f.Score}
	}
	return out
}
