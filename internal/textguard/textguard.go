// Package textguard rejects text that no human types: control characters
// (other than tab, newline and carriage return) and invalid UTF-8. It is an
// ent hook installed on the client, so every write of every entity is
// checked, whichever handler or job makes it. Text is otherwise stored as
// typed (SQL keywords, Markdown and HTML included); HTML is sanitized where
// it is rendered, not here.
package textguard

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"entgo.io/ent"

	"github.com/worksynapse/worksynapse/internal/problem"
)

// Hook checks every string (and []string) value a mutation sets.
func Hook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if err := Check(m); err != nil {
				return nil, err
			}
			return next.Mutate(ctx, m)
		})
	}
}

// Check returns a 422 problem naming the first offending field.
func Check(m ent.Mutation) error {
	var bad []problem.FieldError
	for _, name := range m.Fields() {
		v, _ := m.Field(name)
		if reason := inspect(v); reason != "" {
			bad = append(bad, problem.FieldError{Field: name, Message: reason})
		}
	}
	if len(bad) > 0 {
		return problem.Validation("text contains characters that are not allowed", bad...)
	}
	return nil
}

func inspect(v any) string {
	switch s := v.(type) {
	case string:
		return Reason(s)
	case []string:
		for i, e := range s {
			if r := Reason(e); r != "" {
				return fmt.Sprintf("item %d: %s", i, r)
			}
		}
	}
	return ""
}

// Reason says why s is refused, or "" when it is acceptable.
func Reason(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for _, r := range s {
		if refused(r) {
			return fmt.Sprintf("control character U+%04X", r)
		}
	}
	return ""
}

func refused(r rune) bool { return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f }

// Clean returns s with what Reason refuses replaced by U+FFFD, for text
// that must be stored whatever it holds because it was not typed by our
// client (a provider's answer, error message or request id).
func Clean(s string) string {
	if Reason(s) == "" {
		return s
	}
	return strings.Map(func(r rune) rune {
		if refused(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}
