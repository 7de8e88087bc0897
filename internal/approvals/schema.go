package approvals

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/worksynapse/worksynapse/internal/problem"
)

// noLoader refuses every external $ref: a tool's schema is tenant data,
// so compiling it must never read files or fetch URLs.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("approvals: external schema %q not allowed", url)
}

var printer = message.NewPrinter(language.English)

// ValidateInput checks input against a tool's input JSON Schema (an empty
// schema accepts any object). A mismatch is a 422 problem with one field
// error per failing location, named as a path from "input" (e.g.
// "input.items[0].qty"); a schema that does not compile is a 422 on "tool".
func ValidateInput(schema, input map[string]any) error {
	if len(schema) == 0 {
		return nil
	}
	sch, err := compile(schema)
	if err != nil {
		return problem.Validation("the tool's input_schema is not a valid JSON Schema",
			problem.FieldError{Field: "tool", Message: err.Error()})
	}
	inst, err := roundTrip(input)
	if err != nil {
		return err
	}
	var verr *jsonschema.ValidationError
	if err := sch.Validate(inst); errors.As(err, &verr) {
		return problem.Validation("the input does not match the tool's input_schema", leafErrors(verr)...)
	} else if err != nil {
		return err
	}
	return nil
}

func compile(schema map[string]any) (*jsonschema.Schema, error) {
	doc, err := roundTrip(schema)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	const url = "urn:worksynapse:tool-input"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// roundTrip re-decodes v the way the library expects (json.Number for
// numbers, so large integers keep their precision).
func roundTrip(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("approvals: encode: %w", err)
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

// leafErrors flattens the error tree to its leaves (the concrete
// failures), sorted by path for a stable answer.
func leafErrors(e *jsonschema.ValidationError) []problem.FieldError {
	var out []problem.FieldError
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			out = append(out, problem.FieldError{Field: inputPath(e.InstanceLocation), Message: e.ErrorKind.LocalizedString(printer)})
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(e)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// inputPath renders an instance location as input.a.b[0].
func inputPath(loc []string) string {
	p := "input"
	for _, tok := range loc {
		if _, err := strconv.Atoi(tok); err == nil {
			p += "[" + tok + "]"
		} else {
			p += "." + tok
		}
	}
	return p
}
