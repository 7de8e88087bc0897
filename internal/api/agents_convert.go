package api

import (
	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/oas"
)

// toAPIAgent converts an agent, adding the ids of its attached tools
// (loaded with the agent's Tools edge).
func toAPIAgent(a *ent.Agent) *oas.AgentInfo {
	out := apiconv.AgentInfo(a)
	out.ToolIds = make([]uuidT, 0, len(a.Edges.Tools))
	for _, t := range a.Edges.Tools {
		out.ToolIds = append(out.ToolIds, t.ID)
	}
	return out
}
