package middleware

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/worksynapse/worksynapse/internal/problem"
)

// StorableText refuses, with a 422 problem naming the field, any request
// carrying text PostgreSQL cannot store in text or jsonb columns: U+0000
// (raw, percent-encoded or as the JSON escape \u0000) and invalid UTF-8.
// It looks at the path, the query parameters, the headers listed (those
// the API stores, such as User-Agent) and JSON request bodies. Other
// bodies (file uploads) are binary and passed on unread.
//
// It is the one place for requests: it runs before every handler (the
// ogen router and the handlers mounted beside it, such as the LLM
// gateway), so no lookup, write or provider call happens with such text.
// The ent hook internal/textguard stays as the last line for writes that
// do not come from a request.
func StorableText(headers ...string) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fe, ok := checkRequestText(r, headers)
			if ok {
				fe, ok = checkJSONBody(r)
			}
			if !ok {
				problem.Write(w, r, problem.Validation("text contains characters that cannot be stored", fe))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// unstorable says why s cannot be stored, or "" when it can.
func unstorable(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		return "contains U+0000"
	}
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	return ""
}

// checkRequestText checks path, query and the stored headers.
func checkRequestText(r *http.Request, headers []string) (problem.FieldError, bool) {
	if why := unstorable(r.URL.Path); why != "" {
		return problem.FieldError{Field: "path", Message: why}, false
	}
	if r.URL.RawQuery != "" {
		// ParseQuery keeps the pairs it could decode; a malformed escape
		// is the router's 400 to give.
		q, _ := url.ParseQuery(r.URL.RawQuery)
		for name, values := range q {
			if why := unstorable(name); why != "" {
				return problem.FieldError{Field: "query", Message: "a parameter name " + why}, false
			}
			for _, v := range values {
				if why := unstorable(v); why != "" {
					return problem.FieldError{Field: name, Message: why}, false
				}
			}
		}
	}
	for _, h := range headers {
		for _, v := range r.Header.Values(h) {
			if why := unstorable(v); why != "" {
				return problem.FieldError{Field: h, Message: why}, false
			}
		}
	}
	return problem.FieldError{}, true
}

// isJSON reports a JSON media type (application/json, application/*+json).
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// checkJSONBody reads a JSON body, scans it and puts it back for the
// handler. A read error (such as BodyLimit's *http.MaxBytesError) is
// replayed to the handler after the bytes read, so it answers as before.
func checkJSONBody(r *http.Request) (problem.FieldError, bool) {
	if r.Body == nil || r.Body == http.NoBody || !isJSON(r.Header.Get("Content-Type")) {
		return problem.FieldError{}, true
	}
	body, err := readAll(r.Body, r.ContentLength)
	_ = r.Body.Close()
	rest := io.Reader(bytes.NewReader(body))
	if err != nil {
		rest = io.MultiReader(rest, errReader{err})
	}
	r.Body = io.NopCloser(rest)
	if !suspectJSON(body) {
		return problem.FieldError{}, true
	}
	field := offendingPointer(body)
	if field == "" {
		field = "body" // not valid JSON, or outside any string: JSON Pointers start with "/"
	}
	return problem.FieldError{Field: field, Message: "contains U+0000 or invalid UTF-8"}, false
}

// readAll reads r into a buffer sized by the declared length (capped:
// the length is the client's claim; BodyLimit bounds what is read).
func readAll(r io.Reader, n int64) ([]byte, error) {
	var buf bytes.Buffer
	if n > 0 {
		buf.Grow(int(min(n, 8<<20)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// nulEscape is the JSON escape of U+0000.
var nulEscape = []byte(`\u0000`)

// suspectJSON is the fast path every JSON body takes: a raw NUL byte,
// invalid UTF-8, or a \u0000 escape (one that is not itself an escaped
// backslash followed by the text "u0000").
func suspectJSON(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b) {
		return true
	}
	for off := 0; ; {
		i := bytes.Index(b[off:], nulEscape)
		if i < 0 {
			return false
		}
		i += off
		if escapes(b, i) {
			return true
		}
		off = i + len(nulEscape)
	}
}

// escapes reports whether the backslash at i starts an escape: it is
// preceded by an even number of backslashes (each pair is one "\\").
func escapes(b []byte, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
		n++
	}
	return n%2 == 0
}

// offendingPointer walks the JSON (only after the fast scan hit) and
// returns the JSON Pointer (RFC 6901) of the first key or string value
// that cannot be stored; "" (the whole body) when the body is not valid
// JSON or the offence lies outside any string.
func offendingPointer(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var path []frame
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		// The raw token (with the delimiters before it, all ASCII): the
		// decoded string would hide invalid UTF-8 behind U+FFFD.
		raw := body[start:dec.InputOffset()]
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			path = valueDone(path[:len(path)-1])
			continue
		}
		if s, ok := tok.(string); ok && expectsKey(path) {
			path[len(path)-1].key, path[len(path)-1].inValue = s, true
			if suspectJSON(raw) {
				return pointer(path)
			}
			continue
		}
		if len(path) > 0 && path[len(path)-1].array {
			path[len(path)-1].index++
		}
		if d, ok := tok.(json.Delim); ok {
			path = append(path, frame{array: d == '[', index: -1})
			continue
		}
		if suspectJSON(raw) {
			return pointer(path)
		}
		path = valueDone(path)
	}
}

// frame is one open object or array of the walk.
type frame struct {
	array   bool
	index   int    // current element of an array
	key     string // current member of an object
	inValue bool   // an object's key was read, its value not yet
}

// expectsKey reports that the next string is an object's member name.
func expectsKey(path []frame) bool {
	return len(path) > 0 && !path[len(path)-1].array && !path[len(path)-1].inValue
}

// valueDone ends the current member of an enclosing object.
func valueDone(path []frame) []frame {
	if len(path) > 0 && !path[len(path)-1].array {
		path[len(path)-1].inValue = false
	}
	return path
}

func pointer(path []frame) string {
	var b strings.Builder
	for _, f := range path {
		b.WriteByte('/')
		if f.array {
			b.WriteString(strconv.Itoa(f.index))
			continue
		}
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(f.key))
	}
	if b.Len() == 0 {
		return ""
	}
	return b.String()
}
