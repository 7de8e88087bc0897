package api

import (
	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/oas"
)

// ToAPIAgentAction converts a tool action; its output is null until the
// runtime reports a result.
func ToAPIAgentAction(a *ent.AgentAction) *oas.AgentActionInfo {
	out := apiconv.AgentActionInfo(a)
	out.Output.SetToNull()
	if a.Output != nil {
		out.Output = oas.NewNilAgentActionInfoOutput(rawValues(a.Output))
	}
	return out
}
