package apispec

import (
	"encoding/json"
	"fmt"
	"regexp"

	"entgo.io/ent/entc/gen"
	"github.com/ogen-go/ogen"
)

// componentRef matches a local reference like "#/components/schemas/User".
var componentRef = regexp.MustCompile(`"#/components/([A-Za-z]+)/([A-Za-z0-9_.-]+)"`)

// pruneUnused drops the components this pass or entoas generated that no
// operation reaches: entoas emits a schema for every ent entity, and
// addErrorModel a response for every problem status, but operations opt in
// per entity (and per status) later. A contract listing 50 resources nobody
// can fetch misleads readers and generated clients. Components a fragment
// declares are kept even when unused, so the linter still reports them.
func pruneUnused(g *gen.Graph, spec *ogen.Spec) error {
	used, err := reachable(spec)
	if err != nil {
		return err
	}
	for _, n := range g.Nodes {
		if !used["schemas/"+n.Name] {
			delete(spec.Components.Schemas, n.Name)
		}
	}
	for code := range errorResponses {
		if name := responseName(code); !used["responses/"+name] {
			delete(spec.Components.Responses, name)
		}
	}
	return nil
}

// reachable returns "<section>/<name>" for every component referenced from
// the paths, directly or through other components. It scans the JSON form,
// which keeps it independent of where ogen's types nest a $ref.
func reachable(spec *ogen.Spec) (map[string]bool, error) {
	paths, err := json.Marshal(spec.Paths)
	if err != nil {
		return nil, fmt.Errorf("apispec: marshal paths: %w", err)
	}
	rawComponents, err := json.Marshal(spec.Components)
	if err != nil {
		return nil, fmt.Errorf("apispec: marshal components: %w", err)
	}
	var components map[string]map[string]json.RawMessage
	if err := json.Unmarshal(rawComponents, &components); err != nil {
		return nil, fmt.Errorf("apispec: reload components: %w", err)
	}
	used := map[string]bool{}
	queue := []json.RawMessage{paths}
	for len(queue) > 0 {
		for _, m := range componentRef.FindAllSubmatch(queue[0], -1) {
			section, name := string(m[1]), string(m[2])
			if key := section + "/" + name; !used[key] {
				used[key] = true
				queue = append(queue, components[section][name])
			}
		}
		queue = queue[1:]
	}
	return used, nil
}
