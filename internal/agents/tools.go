package agents

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agenttool"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// SlugToolInput is the problem type of a tool input its schema rejects.
const SlugToolInput = "invalid-tool-input"

// schemaURL names the compiled document; it is never fetched.
const schemaURL = "urn:worksynapse:agent-tool-input"

// noLoader refuses every $ref outside the schema itself: a tool schema
// must not make the server read files or fetch URLs.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("external reference %s is not allowed", url)
}

// compile compiles a tool's input schema (draft 2020-12 unless it says
// otherwise). An empty schema accepts any input.
func compile(schema map[string]any) (*jsonschema.Schema, error) {
	doc, err := jsonDoc(schema)
	if err != nil {
		return nil, err
	}
	if schema == nil {
		doc = map[string]any{}
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(schemaURL)
}

// jsonDoc re-reads v as the JSON values the library expects (json.Number).
func jsonDoc(v any) (any, error) {
	var raw []byte
	switch x := v.(type) {
	case json.RawMessage:
		raw = x
	case []byte:
		raw = x
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(raw))
}

// CheckSchema answers 422 (field input_schema) when schema does not compile.
func CheckSchema(schema map[string]any) error {
	if _, err := compile(schema); err != nil {
		return problem.Validation("input_schema is not a valid JSON Schema",
			problem.FieldError{Field: "input_schema", Message: trim(err.Error())})
	}
	return nil
}

// ValidateToolInput checks an action's input (decoded JSON, a
// json.RawMessage or any value that marshals to JSON) against the tool's
// input schema. A rejected input is a 422 problem of type
// invalid-tool-input whose errors name each failing location as a JSON
// Pointer into the input (e.g. "/items/0/title"; "/" is the input itself).
func ValidateToolInput(tool *ent.AgentTool, input any) error {
	sch, err := compile(tool.InputSchema)
	if err != nil {
		return problem.Conflict("the tool's input schema does not compile: " + trim(err.Error()))
	}
	doc, err := jsonDoc(input)
	if err != nil {
		return problem.Validation("the tool input is not JSON", problem.FieldError{Field: "/", Message: trim(err.Error())})
	}
	err = sch.Validate(doc)
	var ve *jsonschema.ValidationError
	if err == nil {
		return nil
	}
	if !errors.As(err, &ve) {
		return err
	}
	p := problem.New(http.StatusUnprocessableEntity, SlugToolInput, "the input does not match the tool's input schema")
	p.Errors = leafErrors(ve, nil)
	return p
}

var printer = message.NewPrinter(language.English)

// leafErrors flattens the error tree to its leaves, the specific failures.
func leafErrors(e *jsonschema.ValidationError, out []problem.FieldError) []problem.FieldError {
	if len(e.Causes) == 0 {
		return append(out, problem.FieldError{Field: pointer(e.InstanceLocation), Message: trim(e.ErrorKind.LocalizedString(printer))})
	}
	for _, c := range e.Causes {
		out = leafErrors(c, out)
	}
	return out
}

// pointer is the RFC 6901 JSON Pointer of a location.
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteString("/")
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// trim caps a library message to what the problem schema allows.
func trim(s string) string {
	if len(s) > 1000 {
		return s[:1000]
	}
	return s
}

// CreateTool registers a tool in org; apply sets the request's fields.
func (s *Service) CreateTool(ctx context.Context, org uuid.UUID, apply func(*ent.AgentToolCreate)) (*ent.AgentTool, error) {
	var out *ent.AgentTool
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		c := tx.AgentTool.Create().SetOrganizationID(org)
		apply(c)
		if err := checkToolMutation(c.Mutation()); err != nil {
			return err
		}
		var err error
		out, err = c.Save(ctx)
		return err
	})
	return out, err
}

// checkToolMutation validates a tool's schema and keeps four_eyes implying
// approval.
func checkToolMutation(m *ent.AgentToolMutation) error {
	if sch, ok := m.InputSchema(); ok {
		if err := CheckSchema(sch); err != nil {
			return err
		}
	}
	if fe, ok := m.FourEyes(); ok && fe {
		m.SetRequiresApproval(true)
	}
	return nil
}

// UpdateTool changes a tool (agent_tool:update).
func (s *Service) UpdateTool(ctx context.Context, id uuid.UUID, apply func(*ent.AgentToolUpdateOne)) (*ent.AgentTool, error) {
	var out *ent.AgentTool
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if _, err := tx.AgentTool.Get(ctx, id); err != nil {
			return err
		}
		u := tx.AgentTool.UpdateOneID(id)
		apply(u)
		if err := checkToolMutation(u.Mutation()); err != nil {
			return err
		}
		var err error
		out, err = u.Save(ctx)
		return err
	})
	return out, err
}

// GetTool returns a visible tool.
func (s *Service) GetTool(ctx context.Context, id uuid.UUID) (*ent.AgentTool, error) {
	return s.client.AgentTool.Get(ctx, id)
}

// ListTools pages the tools of org, newest first.
func (s *Service) ListTools(ctx context.Context, org uuid.UUID, p pagination.Params) (pagination.Page[*ent.AgentTool], error) {
	if err := rule.RequireOrganization(ctx, s.client, org); err != nil {
		return pagination.Page[*ent.AgentTool]{}, err
	}
	return pagination.List(ctx, s.client.AgentTool.Query().Where(agenttool.OrganizationID(org)), p,
		func(t *ent.AgentTool) uuid.UUID { return t.ID })
}

// DeleteTool soft-deletes a tool (agent_tool:delete).
func (s *Service) DeleteTool(ctx context.Context, id uuid.UUID) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		return tx.AgentTool.DeleteOneID(id).Exec(ctx)
	})
}

// AttachTool attaches a tool of the agent's organization (configure); a
// configuration change, so a version is written.
func (s *Service) AttachTool(ctx context.Context, agentID, toolID uuid.UUID) (*ent.Agent, error) {
	return s.bindTool(ctx, agentID, toolID, true)
}

// DetachTool detaches an attached tool (configure; 404 when not attached).
func (s *Service) DetachTool(ctx context.Context, agentID, toolID uuid.UUID) (*ent.Agent, error) {
	return s.bindTool(ctx, agentID, toolID, false)
}

func (s *Service) bindTool(ctx context.Context, agentID, toolID uuid.UUID, attach bool) (*ent.Agent, error) {
	var out *ent.Agent
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		u, err := configurable(ctx, tx, agentID)
		if err != nil {
			return err
		}
		a, err := tx.Agent.Get(ctx, agentID)
		if err != nil {
			return err
		}
		t, err := tx.AgentTool.Get(ctx, toolID)
		if err != nil || t.OrganizationID != a.OrganizationID {
			return problem.NotFound("tool not found")
		}
		bound, err := a.QueryTools().Where(agenttool.ID(toolID)).Exist(ctx)
		if err != nil {
			return err
		}
		switch {
		case attach && !bound:
			u.AddToolIDs(toolID)
		case !attach && bound:
			u.RemoveToolIDs(toolID)
		case !attach:
			return problem.NotFound("the tool is not attached to the agent")
		}
		if err := u.Exec(ctx); err != nil {
			return err
		}
		out, err = commitVersion(ctx, tx, agentID)
		return err
	})
	return out, err
}
