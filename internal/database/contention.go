package database

import (
	"errors"

	"github.com/lib/pq"
)

// PostgreSQL error codes of a transaction aborted because of a concurrent
// one: it did nothing, and the same request retried will normally pass.
const (
	codeDeadlock      = "40P01" // deadlock_detected
	codeSerialization = "40001" // serialization_failure
)

// IsContention reports whether err is a transaction PostgreSQL aborted to
// resolve a conflict with a concurrent transaction (deadlock or
// serialization failure). The API answers it with 503 and Retry-After: it
// is the server's doing, not the client's, and it changed nothing.
func IsContention(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && (pe.Code == codeDeadlock || pe.Code == codeSerialization)
}
