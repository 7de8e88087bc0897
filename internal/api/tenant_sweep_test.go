package api_test

import (
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/go-faster/yaml"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// TestOrganizationReadsAreNotFoundToOutsiders sweeps the contract: every
// GET under /organizations/{org_id}, /projects/{project_id},
// /tasks/{task_id}, /notes/{note_id}, /channels/{channel_id} or
// /messages/{message_id} that takes no other path parameter answers 404 to
// a user of another organization, as a read of the parent itself would, never a
// page of nothing or a 403 that confirms it exists. New operations are
// covered without editing this test.
func TestOrganizationReadsAreNotFoundToOutsiders(t *testing.T) {
	t.Parallel()
	paths := scopedReads(t, "/organizations/{org_id}", "/projects/{project_id}", "/tasks/{task_id}",
		"/notes/{note_id}", "/channels/{channel_id}", "/messages/{message_id}")
	if len(paths) < 35 {
		t.Fatalf("only %d organization and project reads in openapi.yaml: %v", len(paths), paths)
	}
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoard(t, db)
		tk := b.newTask(b.project, 1, task.StatusTodo, nil, nil)
		var note, channel, message struct{ ID uuid.UUID }
		b.must(http.StatusCreated, b.adminT, "POST", b.path("/notes"), map[string]any{"title": "Sweep"}, &note)
		b.must(http.StatusCreated, b.adminT, "POST", b.path("/channels"), map[string]any{"type": "public", "name": "sweep"}, &channel)
		b.must(http.StatusCreated, b.adminT, "POST", "/channels/"+channel.ID.String()+"/messages", map[string]any{"body": "hi"}, &message)
		ids := strings.NewReplacer("{org_id}", b.org.org.ID.String(), "{project_id}", b.project.ID.String(),
			"{task_id}", tk.ID.String(), "{note_id}", note.ID.String(), "{channel_id}", channel.ID.String(),
			"{message_id}", message.ID.String())
		for _, p := range paths {
			resp, body := b.s.Do(t, "GET", ids.Replace(p), "", nil, http.Header{"Authorization": {"Bearer " + b.otherT}})
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s as another organization's admin: %d %s, want 404", p, resp.StatusCode, body)
			}
		}
	})
}

// TestAgentReadsAreNotFoundToOutsiders: the same sweep for every GET under
// /agents/{agent_id}, read by another organization's admin and by a member
// of the agent's own organization who holds no right on it (an agent is
// governed per agent: without a grant it does not exist for them).
func TestAgentReadsAreNotFoundToOutsiders(t *testing.T) {
	t.Parallel()
	paths := scopedReads(t, "/agents/{agent_id}")
	if len(paths) < 5 {
		t.Fatalf("only %d agent reads in openapi.yaml: %v", len(paths), paths)
	}
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		w := newAgentWorld(t, db)
		for _, p := range paths {
			for who, token := range map[string]string{"another organization's admin": w.otherT, "a member without a grant": w.devT} {
				path := strings.ReplaceAll(p, "{agent_id}", w.agent.ID.String())
				resp, body := w.s.Do(t, "GET", path, "", nil, http.Header{"Authorization": {"Bearer " + token}})
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("GET %s as %s: %d %s, want 404", p, who, resp.StatusCode, body)
				}
			}
		}
	})
}

// scopedReads lists the GET operations of openapi.yaml under one of the
// prefixes that take no other path parameter, each with an example value
// for its required query parameters (so the request reaches the handler
// rather than stopping at 422).
func scopedReads(t *testing.T, prefixes ...string) []string {
	t.Helper()
	raw, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type param struct {
		Ref      string `yaml:"$ref"`
		Name, In string
		Required bool
		Schema   struct{ Type, Format string }
	}
	var spec struct {
		Paths map[string]struct {
			Get *struct{ Parameters []param }
		} `yaml:"paths"`
		Components struct{ Parameters map[string]param }
	}
	if err := yaml.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	example := func(p param) string {
		switch {
		case p.Schema.Format == "date-time":
			return "2026-01-01T00:00:00Z"
		case p.Schema.Format == "date":
			return "2026-01-01"
		case p.Schema.Type == "integer":
			return "1"
		}
		return "x"
	}
	var paths []string
	for p, item := range spec.Paths {
		if item.Get == nil {
			continue
		}
		for _, prefix := range prefixes {
			rest, ok := strings.CutPrefix(p, prefix)
			if !ok || strings.Contains(rest, "{") {
				continue
			}
			query := url.Values{}
			for _, prm := range item.Get.Parameters {
				if prm.Ref != "" {
					prm = spec.Components.Parameters[strings.TrimPrefix(prm.Ref, "#/components/parameters/")]
				}
				if prm.In == "query" && prm.Required {
					query.Set(prm.Name, example(prm))
				}
			}
			if len(query) > 0 {
				p += "?" + query.Encode()
			}
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	return paths
}
