package api_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/oas"
)

// The agent shapes are generated from ent/schema: a field added there
// reaches responses unless it is Hidden or Sensitive. These must never.
func TestAgentShapesCarryNoSecretOrCapturedContent(t *testing.T) {
	forbidden := map[string]any{
		"secret_hash":        oas.AgentKeyInfo{},
		"secret":             oas.AgentKeyInfo{},
		"request_messages":   oas.AgentCallInfo{},
		"response":           oas.AgentCallInfo{},
		"error_message":      oas.AgentCallInfo{},
		"injection_findings": oas.AgentCallInfo{},
		"deleted_at":         oas.AgentInfo{},
	}
	for prop, shape := range forbidden {
		typ := reflect.TypeOf(shape)
		for i := 0; i < typ.NumField(); i++ {
			if strings.Split(typ.Field(i).Tag.Get("json"), ",")[0] == prop {
				t.Errorf("%s carries %q", typ.Name(), prop)
			}
		}
	}
}
