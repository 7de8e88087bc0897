package api

import (
	"strconv"
	"strings"

	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/tasks"
)

// Optimistic concurrency (see the conventions): resources edited
// concurrently carry an integer version; PATCH requires If-Match with the
// version the client read, and the service updates conditionally on it
// (WHERE id = ? AND version = ?, incrementing it), answering 412 when the
// row moved on. A missing or malformed If-Match is a 412 as well: without
// it an update could silently overwrite someone else's change.

// ifMatchVersion parses an If-Match header holding a version: 3, "3" or
// W/"3" (weak and strong tags compare the same for a version counter).
func ifMatchVersion(raw string) (int, error) {
	if strings.TrimSpace(raw) == "" {
		return 0, problem.PreconditionFailed("If-Match required: send the version you read")
	}
	tag := strings.TrimPrefix(strings.TrimSpace(raw), "W/")
	tag = strings.TrimSuffix(strings.TrimPrefix(tag, `"`), `"`)
	v, err := strconv.Atoi(tag)
	if err != nil || v < 1 {
		return 0, problem.PreconditionFailed("If-Match must hold a version such as \"3\"")
	}
	return v, nil
}

// versionETag is a version as a strong entity tag, e.g. "3": what
// ifMatchVersion reads back.
func versionETag(version int) oas.OptString {
	return oas.NewOptString(strconv.Quote(strconv.Itoa(version)))
}

// taskWithETag answers a task with its version as the ETag header.
func taskWithETag(t tasks.Task, err error) (*oas.TaskInfoHeaders, error) {
	if err != nil {
		return nil, err
	}
	return &oas.TaskInfoHeaders{ETag: versionETag(t.Version), Response: *ToAPITask(t)}, nil
}
