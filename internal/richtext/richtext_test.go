package richtext

import (
	"strings"
	"testing"
)

func TestHTMLKeepsFormattingAndDropsScript(t *testing.T) {
	for _, tc := range []struct {
		name, in        string
		want, mustNotBe []string
	}{
		{"markdown", "**bold** and [link](https://example.com)", []string{"<strong>bold</strong>", `href="https://example.com"`, `rel="nofollow noopener"`}, nil},
		{"script tag", "hi <script>alert(1)</script>", []string{"hi"}, []string{"<script", "alert(1)</script"}},
		{"event handler", `<img src="x" onerror="alert(1)">`, nil, []string{"onerror"}},
		{"javascript link", "[click](javascript:alert(1))", nil, []string{"javascript:"}},
		{"data link", "[x](data:text/html;base64,PHNjcmlwdD4=)", nil, []string{"data:text/html"}},
		{"raw iframe", `<iframe src="https://evil.example"></iframe>`, nil, []string{"<iframe"}},
		{"sql text stays text", "Robert'); DROP TABLE tasks;--", []string{"DROP TABLE tasks;--"}, nil},
		{"code keeps the literal", "`<script>`", []string{"&lt;script&gt;"}, []string{"<script>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := HTML(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("want %q in %q", w, got)
				}
			}
			for _, bad := range tc.mustNotBe {
				if strings.Contains(got, bad) {
					t.Errorf("%q must not appear in %q", bad, got)
				}
			}
		})
	}
}
