// Package richtext turns user Markdown (task descriptions, comments, notes,
// messages) into HTML that is safe to insert into a page. Text is stored as
// typed; HTML is produced here, where it is rendered: goldmark drops raw
// HTML from the input, and bluemonday's UGC policy then removes anything
// still dangerous (script, event handlers, javascript: and data: URLs), so
// a renderer bug alone cannot let script through.
package richtext

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

var (
	markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))
	policy   = newPolicy()
)

func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	// Links only to the web and mail; never javascript:, data: or file:.
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	// GFM task-list checkboxes render as disabled inputs.
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").OnElements("input")
	return p
}

// HTML renders Markdown to sanitized HTML.
func HTML(md string) (string, error) {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(md), &buf); err != nil {
		return "", fmt.Errorf("richtext: render: %w", err)
	}
	return policy.Sanitize(buf.String()), nil
}

// SanitizeHTML cleans HTML that did not come from HTML (e.g. imported).
func SanitizeHTML(html string) string { return policy.Sanitize(html) }
