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

// Scanned reports whether messages of role are screened. System and
// developer messages are the operator's own configuration (and the agent's
// system prompt legitimately says "you are ..."), and assistant turns are
// the model's output; everything else, notably user and tool content, is
// where injected text arrives. Unknown roles are screened, to be safe.
func Scanned(role string) bool {
	switch role {
	case "system", "developer", "assistant":
		return false
	}
	return true
}

// Evaluate screens the messages under an agent's injection policy: off
// scans nothing; flag returns the findings and never blocks; block also
// sets Block when a message reaches Threshold. Only roles for which
// Scanned is true are screened. Findings of all messages are returned;
// scores combine per message, since one message must carry the attack.
func Evaluate(policy agent.InjectionPolicy, msgs []Message, extra []Pattern) Decision {
	var d Decision
	if policy == agent.InjectionPolicyOff {
		return d
	}
	for _, m := range msgs {
		if !Scanned(m.Role) || m.Content == "" {
			continue
		}
		fs := Detect(m.Content, extra)
		d.Findings = append(d.Findings, fs...)
		d.Score = max(d.Score, Score(fs))
	}
	d.Block = policy == agent.InjectionPolicyBlock && d.Score >= Threshold
	return d
}
