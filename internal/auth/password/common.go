package password

import (
	_ "embed"
	"strings"
	"sync"
)

// commonList holds leaked passwords that are too popular to allow, lower
// case, one per line, with #-comments. It is embedded so the policy needs
// no file at runtime and cannot silently go missing in a deployment.
//
//go:embed common.txt
var commonList string

// commonSet is built on first use: most processes (CLI, migrations) never
// check a password, so they should not pay for the set.
var commonSet = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, strings.Count(commonList, "\n"))
	for line := range strings.Lines(commonList) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[line] = struct{}{}
	}
	return set
})

// isCommon reports whether lower (an already lower-cased password) is in
// the list.
func isCommon(lower string) bool {
	_, ok := commonSet()[lower]
	return ok
}
