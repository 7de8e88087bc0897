package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/ogen-go/ogen"

	worksynapse "github.com/worksynapse/worksynapse"
	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

// nul is the probe: a value no text column of PostgreSQL can store.
const nul = "sweep\x00probe"

// TestSweepUnstorableText sends U+0000 in every string an operation of
// openapi.yaml takes (each path parameter, query parameter and JSON body
// field, nested ones included), one at a time, as an authenticated ADMIN
// whose organization the path names, with the rest of the request filled
// in validly. Nothing may answer 5xx (issue 15: nine operations answered
// 500). The cases come from the spec, so new operations are covered
// without editing this test.
func TestSweepUnstorableText(t *testing.T) {
	spec, err := ogen.Parse(worksynapse.OpenAPISpec)
	if err != nil {
		t.Fatalf("parse openapi.yaml: %v", err)
	}
	cases := sweepCases(spec)
	t.Logf("%d cases from openapi.yaml", len(cases))
	if len(cases) < 100 {
		t.Fatalf("only %d cases from the spec: the sweep lost track of it", len(cases))
	}
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		s := testserver.Start(t, db, testserver.Env{
			"WORKSYNAPSE_RATE_LIMIT_PER_IP_PER_MINUTE":   "0",
			"WORKSYNAPSE_RATE_LIMIT_PER_USER_PER_MINUTE": "0",
		})
		testfix.Seed(t, db.Ent)
		org := testfix.Org(t, db.Ent, "Sweep")
		token := admin(t, s, db, org)
		var failed []string
		for _, c := range cases {
			h := http.Header{"Authorization": {"Bearer " + token}}
			resp, body := s.Do(t, c.method, c.url(org.ID), c.contentType, c.body, h)
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				failed = append(failed, fmt.Sprintf("%s %s (%s): %d %.200s", c.method, c.path, c.target, resp.StatusCode, body))
			}
		}
		if len(failed) > 0 {
			t.Errorf("%d of %d cases did not answer 4xx:\n%s", len(failed), len(cases), strings.Join(failed, "\n"))
		}
	})
}

// admin registers an ADMIN of org and returns their access token.
func admin(t *testing.T, s *testserver.Server, db *database.DB, org *ent.Organization) string {
	t.Helper()
	ctx := context.Background()
	const password = "correct horse battery staple"
	res, err := s.Client.Register(ctx, &oas.RegisterRequest{Email: "sweep@example.com", Username: "sweeper", Password: password})
	me, ok := res.(*oas.Me)
	if err != nil || !ok {
		t.Fatalf("register: %v %+v", err, res)
	}
	u := db.Ent.User.GetX(testfix.System(), me.ID)
	testfix.Member(t, db.Ent, org, u)
	testfix.Grant(t, db.Ent, org, u, seed.RoleAdmin)
	lres, err := s.Client.Login(ctx, &oas.LoginRequest{Identifier: "sweeper", Password: password})
	pair, ok := lres.(*oas.TokenPair)
	if err != nil || !ok {
		t.Fatalf("login: %v %+v", err, lres)
	}
	return pair.AccessToken
}

// sweepCase is one request with the probe in one place.
type sweepCase struct {
	method, path, target string
	query                url.Values
	pathValues           map[string]string
	contentType          string
	body                 []byte
}

// url fills the path template: the probe where targeted, the
// organization for org ids, fresh UUIDs elsewhere.
func (c sweepCase) url(org uuid.UUID) string {
	p := templateParam.ReplaceAllStringFunc(c.path, func(m string) string {
		name := m[1 : len(m)-1]
		if v, ok := c.pathValues[name]; ok {
			return url.PathEscape(v)
		}
		if name == "org_id" || name == "organization_id" {
			return org.String()
		}
		return uuid.NewString()
	})
	if len(c.query) > 0 {
		p += "?" + c.query.Encode()
	}
	return p
}

var templateParam = regexp.MustCompile(`\{[^}]+\}`)

// sweepCases lists the cases of every operation, in a stable order.
func sweepCases(spec *ogen.Spec) []sweepCase {
	var out []sweepCase
	paths := make([]string, 0, len(spec.Paths))
	for p := range spec.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		item := spec.Paths[p]
		for _, mo := range []struct {
			method string
			op     *ogen.Operation
		}{{"GET", item.Get}, {"POST", item.Post}, {"PUT", item.Put}, {"PATCH", item.Patch}, {"DELETE", item.Delete}} {
			if mo.op != nil {
				out = append(out, operationCases(spec, mo.method, p, mo.op)...)
			}
		}
	}
	return out
}

func operationCases(spec *ogen.Spec, method, path string, op *ogen.Operation) []sweepCase {
	base := sweepCase{method: method, path: path, query: url.Values{}}
	var params []*ogen.Parameter
	for _, prm := range op.Parameters {
		params = append(params, resolveParam(spec, prm))
	}
	for _, prm := range params {
		if prm.In == "query" && prm.Required {
			base.query.Set(prm.Name, queryValue(spec, prm.Schema))
		}
	}
	mediaType, schema := jsonBody(spec, op)
	if schema != nil {
		base.contentType = mediaType
		base.body, _ = json.Marshal(sample(spec, schema, 0))
	}
	var out []sweepCase
	for _, prm := range params {
		if !takesString(spec, prm.Schema) {
			continue
		}
		c := base
		c.target = prm.In + " " + prm.Name
		switch prm.In {
		case "path":
			c.pathValues = map[string]string{prm.Name: nul}
		case "query":
			c.query = cloneValues(base.query)
			c.query.Set(prm.Name, nul)
		default:
			continue // headers cannot carry U+0000 (net/http refuses them)
		}
		out = append(out, c)
	}
	if schema != nil {
		for _, ptr := range stringFields(spec, schema, "", 0) {
			c := base
			c.target = "body " + ptr
			doc := sample(spec, schema, 0)
			doc = setAt(doc, strings.Split(ptr, "/")[1:], nul)
			c.body, _ = json.Marshal(doc)
			out = append(out, c)
		}
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// jsonBody is the operation's JSON request body schema, if any.
func jsonBody(spec *ogen.Spec, op *ogen.Operation) (string, *ogen.Schema) {
	rb := op.RequestBody
	if rb == nil {
		return "", nil
	}
	if rb.Ref != "" {
		rb = spec.Components.RequestBodies[refName(rb.Ref)]
	}
	types := make([]string, 0, len(rb.Content))
	for mt := range rb.Content {
		types = append(types, mt)
	}
	sort.Strings(types)
	for _, mt := range types {
		if mt == "application/json" || strings.HasSuffix(mt, "+json") {
			return mt, resolve(spec, rb.Content[mt].Schema)
		}
	}
	return "", nil
}

func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

func resolveParam(spec *ogen.Spec, p *ogen.Parameter) *ogen.Parameter {
	if p.Ref != "" {
		return spec.Components.Parameters[refName(p.Ref)]
	}
	return p
}

func resolve(spec *ogen.Spec, s *ogen.Schema) *ogen.Schema {
	for s != nil && s.Ref != "" {
		s = spec.Components.Schemas[refName(s.Ref)]
	}
	if s != nil && len(s.AllOf) == 1 && s.Type == "" {
		return resolve(spec, s.AllOf[0])
	}
	return s
}

// takesString: a string, or an array of strings.
func takesString(spec *ogen.Spec, s *ogen.Schema) bool {
	s = resolve(spec, s)
	if s == nil {
		return false
	}
	if s.Type == "array" && s.Items != nil && s.Items.Item != nil {
		return takesString(spec, s.Items.Item)
	}
	return s.Type == "string" && s.Format != "binary"
}

// stringFields are the JSON Pointers of the string fields of a body
// (through objects and the first element of arrays), at most 4 deep.
func stringFields(spec *ogen.Spec, s *ogen.Schema, at string, depth int) []string {
	s = resolve(spec, s)
	if s == nil || depth > 4 {
		return nil
	}
	switch {
	case s.Type == "string" && s.Format != "binary":
		return []string{at}
	case s.Type == "array" && s.Items != nil && s.Items.Item != nil:
		return stringFields(spec, s.Items.Item, at+"/0", depth+1)
	case len(s.OneOf) > 0:
		return stringFields(spec, s.OneOf[0], at, depth+1)
	}
	var out []string
	for _, p := range s.Properties {
		out = append(out, stringFields(spec, p.Schema, at+"/"+p.Name, depth+1)...)
	}
	if len(out) == 0 && at == "" && s.AdditionalProperties != nil {
		out = append(out, "/sweep") // a free-form object: any member
	}
	return out
}

// sample is a valid-looking instance of s: required members only.
func sample(spec *ogen.Spec, s *ogen.Schema, depth int) any {
	s = resolve(spec, s)
	if s == nil || depth > 6 {
		return nil
	}
	if len(s.Enum) > 0 {
		var v any
		_ = json.Unmarshal(s.Enum[0], &v)
		return v
	}
	switch {
	case len(s.OneOf) > 0:
		return sample(spec, s.OneOf[0], depth+1)
	case s.Type == "string":
		return stringSample(s)
	case s.Type == "integer", s.Type == "number":
		if len(s.Minimum) > 0 {
			var v any
			_ = json.Unmarshal(s.Minimum, &v)
			return v
		}
		return 1
	case s.Type == "boolean":
		return false
	case s.Type == "array":
		if s.MinItems != nil && *s.MinItems > 0 && s.Items != nil {
			return []any{sample(spec, s.Items.Item, depth+1)}
		}
		return []any{}
	}
	obj := map[string]any{}
	for _, p := range s.Properties {
		if contains(s.Required, p.Name) {
			obj[p.Name] = sample(spec, p.Schema, depth+1)
		}
	}
	return obj
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func stringSample(s *ogen.Schema) string {
	switch s.Format {
	case "uuid":
		return uuid.NewString()
	case "date-time":
		return "2026-01-02T10:00:00Z"
	case "date":
		return "2026-01-02"
	case "email":
		return "sweep@example.com"
	case "uri":
		return "https://example.com/sweep"
	}
	v := "sweep"
	if s.MinLength != nil && uint64(len(v)) < *s.MinLength {
		v = strings.Repeat("s", int(*s.MinLength))
	}
	return v
}

func queryValue(spec *ogen.Spec, s *ogen.Schema) string {
	v := sample(spec, s, 0)
	if list, ok := v.([]any); ok && len(list) > 0 {
		v = list[0]
	}
	return fmt.Sprint(v)
}

// setAt puts value at the pointer's tokens, creating objects and
// one-element arrays on the way.
func setAt(doc any, tokens []string, value any) any {
	if len(tokens) == 0 || (len(tokens) == 1 && tokens[0] == "") {
		return value
	}
	if tokens[0] == "0" {
		list, _ := doc.([]any)
		var first any
		if len(list) > 0 {
			first = list[0]
		}
		return []any{setAt(first, tokens[1:], value)}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		obj = map[string]any{}
	}
	obj[tokens[0]] = setAt(obj[tokens[0]], tokens[1:], value)
	return obj
}
