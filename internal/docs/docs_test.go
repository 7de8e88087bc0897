package docs_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/docs"
	"github.com/worksynapse/worksynapse/internal/server/middleware"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testserver"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// Through the whole middleware chain: the docs responses carry the docs CSP,
// every other response keeps the strict default.
func TestDocsPageAndAssets(t *testing.T) {
	s := testserver.Start(t, testdb.NewSQLite(t), nil)

	resp, body := s.Do(t, http.MethodGet, "/docs", "", nil, nil)
	page := string(body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("/docs: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != docs.CSP {
		t.Fatalf("/docs CSP = %q", got)
	}
	if !strings.Contains(page, `<redoc spec-url="/openapi.yaml">`) || strings.Contains(page, "<script>") {
		t.Fatalf("page must point Redoc at /openapi.yaml without inline script:\n%s", page)
	}

	// Every asset the page references is served, typed and cached for a year.
	refs := regexp.MustCompile(`(?:src|href)="(/docs/assets/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) != 2 {
		t.Fatalf("want the script and the stylesheet, got %v", refs)
	}
	wantType := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	for _, ref := range refs {
		url := ref[1]
		if !regexp.MustCompile(`\?v=[0-9a-f]{12}$`).MatchString(url) {
			t.Errorf("%s: asset URL is not versioned by content", url)
		}
		resp, body := s.Do(t, http.MethodGet, url, "", nil, nil)
		ext := regexp.MustCompile(`\.[a-z]+\?`).FindString(url)
		if resp.StatusCode != http.StatusOK || len(body) == 0 ||
			resp.Header.Get("Content-Type") != wantType[strings.TrimSuffix(ext, "?")] {
			t.Errorf("%s: %d, %d bytes, %q", url, resp.StatusCode, len(body), resp.Header.Get("Content-Type"))
		}
		if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", url, got)
		}
		if got := resp.Header.Get("Content-Security-Policy"); got != docs.CSP {
			t.Errorf("%s: CSP %q", url, got)
		}
	}

	resp, _ = s.Do(t, http.MethodGet, "/docs/assets/redoc.standalone.js.LICENSE.txt", "", nil, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("license: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, _ = s.Do(t, http.MethodGet, "/docs/assets/missing.js", "", nil, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing asset: %d", resp.StatusCode)
	}
	for _, path := range []string{"/healthz", "/openapi.yaml", "/docs/"} {
		resp, _ := s.Do(t, http.MethodGet, path, "", nil, nil)
		if got := resp.Header.Get("Content-Security-Policy"); got != middleware.DefaultCSP {
			t.Errorf("%s: CSP %q, want the strict default", path, got)
		}
	}
}
