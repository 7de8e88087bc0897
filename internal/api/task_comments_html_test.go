package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// TestCommentBodyHTMLIsSanitized: a comment's Markdown is stored as typed
// and rendered to body_html without script, event handlers or javascript
// URLs, on create, edit and in lists.
func TestCommentBodyHTMLIsSanitized(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		b := newBoard(t, db)
		tk := b.newTask(b.project, 1, task.StatusTodo, nil, nil)
		const payload = `**ship** <script>alert(1)</script><img src=x onerror="alert(2)"> [click](javascript:alert(3)) <a href="https://evil.example" onclick="alert(4)">raw</a> [ok](https://example.com)`
		type commentJSON struct {
			idJSON
			Body     string `json:"body"`
			BodyHTML string `json:"body_html"`
		}
		check := func(what string, c commentJSON, body string) {
			t.Helper()
			if c.Body != body {
				t.Errorf("%s: body %q, want it as typed", what, c.Body)
			}
			low := strings.ToLower(c.BodyHTML)
			// The script's text may remain as text; no tag, handler or javascript URL does.
			for _, bad := range []string{"<script", "<img", "onerror", "onclick", "javascript:"} {
				if strings.Contains(low, bad) {
					t.Errorf("%s: body_html keeps %q: %s", what, bad, c.BodyHTML)
				}
			}
			if !strings.Contains(c.BodyHTML, "<strong>ship</strong>") || !strings.Contains(c.BodyHTML, `href="https://example.com"`) {
				t.Errorf("%s: formatting lost: %s", what, c.BodyHTML)
			}
		}
		var c commentJSON
		b.must(201, b.devT, "POST", fmt.Sprintf("/tasks/%s/comments", tk.ID), map[string]any{"body": payload}, &c)
		check("create", c, payload)
		var page pageJSON[commentJSON]
		b.must(200, b.viewT, "GET", fmt.Sprintf("/tasks/%s/comments", tk.ID), nil, &page)
		if len(page.Items) != 1 {
			t.Fatalf("comments: %+v", page.Items)
		}
		check("list", page.Items[0], payload)
		edited := payload + " again"
		b.must(200, b.devT, "PATCH", "/comments/"+c.ID.String(), map[string]any{"body": edited}, &c)
		check("edit", c, edited)
	})
}
