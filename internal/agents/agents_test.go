package agents

import (
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/ent"
)

func TestPointerEscapesTokens(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{{nil, "/"}, {[]string{"a", "0"}, "/a/0"}, {[]string{"a/b", "c~d"}, "/a~1b/c~0d"}} {
		if got := pointer(c.in); got != c.want {
			t.Errorf("pointer(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNewKeyHasPrefixAndHash(t *testing.T) {
	key, prefix, hash, err := newKey()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, prefix+"_") || len(prefix) != len(keyScheme)+16 {
		t.Fatalf("key %q prefix %q", key, prefix)
	}
	if sum := sha256.Sum256([]byte(key)); string(sum[:]) != string(hash) {
		t.Fatal("hash is not SHA-256 of the key")
	}
	other, _, _, _ := newKey()
	if other == key {
		t.Fatal("two keys are equal")
	}
}

func TestChangedFieldsTreatEmptyAsUnset(t *testing.T) {
	a := &ent.Agent{Model: "m", Provider: "anthropic"}
	old, err := snapshot(a)
	if err != nil {
		t.Fatal(err)
	}
	a.Goals = []string{}
	a.Parameters = map[string]any{}
	same, _ := snapshot(a)
	if got := changedFields(old, same); len(got) != 0 {
		t.Fatalf("empty values changed %v", got)
	}
	a.Model = "n"
	budget := int64(5)
	a.MonthlyBudgetMicros = &budget
	cur, _ := snapshot(a)
	if got := strings.Join(changedFields(old, cur), ","); got != "model,monthly_budget_micros" {
		t.Fatalf("changed %s", got)
	}
}

func TestValidateToolInputWithoutSchemaAcceptsAnything(t *testing.T) {
	if err := ValidateToolInput(&ent.AgentTool{}, map[string]any{"x": 1}); err != nil {
		t.Fatal(err)
	}
}
