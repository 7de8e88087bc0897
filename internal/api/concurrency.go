package api

import (
	"strconv"
	"strings"

	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/problem"
)

// ifMatchVersion parses the If-Match header of a PATCH into the version
// the client read. It accepts 3, "3" and W/"3" (clients echo ETags in
// either form). Absent or unparsable is 412: an update without a version
// could silently overwrite someone else's change.
func ifMatchVersion(h oas.OptString) (int, error) {
	raw, ok := h.Get()
	if !ok || strings.TrimSpace(raw) == "" {
		return 0, problem.PreconditionFailed("If-Match required: send the version you read")
	}
	s := strings.TrimPrefix(strings.TrimSpace(raw), "W/")
	s = strings.Trim(s, `"`)
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		return 0, problem.PreconditionFailed("If-Match must hold a version, e.g. \"3\"")
	}
	return v, nil
}
