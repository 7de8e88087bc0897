package e2e

import (
	"context"
	"errors"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-faster/yaml"

	worksynapse "github.com/worksynapse/worksynapse"
)

// TestDocsPageRendersInChromium loads GET /docs from the real binary in
// headless Chromium with every host but loopback unresolvable, and checks
// that Redoc rendered every operation of the embedded spec under the page's
// CSP. `make docs-check` runs it (installing Chromium when missing) and
// keeps the screenshot under bin/test-artifacts; `go test ./...` skips it.
func TestDocsPageRendersInChromium(t *testing.T) {
	chromium := os.Getenv("WORKSYNAPSE_CHROMIUM")
	if chromium == "" {
		t.Skip("set WORKSYNAPSE_CHROMIUM (make docs-check) to run the browser test")
	}
	bin := os.Getenv("WORKSYNAPSE_BIN")
	if bin == "" {
		bin = buildBinary(t)
	}
	dir := t.TempDir()
	srv := startReplica(t, bin, []string{"WORKSYNAPSE_DATABASE_URL=", "WORKSYNAPSE_DATABASE_SQLITE_PATH=" + filepath.Join(dir, "db")})
	page := srv.base + "/docs"

	dom, console := runChromium(t, chromium, dir, "--dump-dom", page)
	text := html.UnescapeString(dom)
	for _, summary := range operationSummaries(t) {
		if !strings.Contains(text, summary) {
			t.Errorf("rendered page lacks the operation %q", summary)
		}
	}
	for _, line := range strings.Split(console, "\n") {
		// Redoc's sidebar asks for its logo on cdn.redoc.ly: refusing that
		// is the CSP doing its job. Anything else refused, or a script
		// error, means the page needs something the policy does not allow.
		blocked := strings.Contains(line, "Content Security Policy") && !strings.Contains(line, "https://cdn.redoc.ly/")
		if blocked || strings.Contains(line, "Uncaught") {
			t.Errorf("browser console: %s", line)
		}
	}

	shot := filepath.Join(t.ArtifactDir(), "docs.png")
	runChromium(t, chromium, dir, "--window-size=1280,1600", "--screenshot="+shot, page)
	if info, err := os.Stat(shot); err != nil || info.Size() < 10_000 {
		t.Fatalf("screenshot %s missing or blank: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)
}

// runChromium runs one headless Chromium command on url and returns its
// stdout and its log (console messages included). A busy CI machine once
// took Chromium past a 20 s limit on its first start (fontconfig and the
// profile are built then), so each try gets a minute and a try that had to
// be killed is made once more before the test fails.
func runChromium(t *testing.T, chromium, dir string, args ...string) (stdout, log string) {
	t.Helper()
	const tries = 2
	for try := 1; ; try++ {
		out, errs, err := chromiumOnce(t.Context(), chromium, dir, args...)
		if err == nil {
			return out, errs
		}
		if try == tries || t.Context().Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("chromium %v (try %d): %v\n%s", args, try, err, errs)
		}
		t.Logf("chromium %v timed out on try %d; trying again", args, try)
	}
}

// chromiumOnce is one run of runChromium's; a run killed at its deadline
// returns context.DeadlineExceeded.
func chromiumOnce(ctx context.Context, chromium, dir string, args ...string) (stdout, log string, err error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "chromium"),
		// Offline: any host but the test server fails to resolve.
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--enable-logging=stderr", "--v=0",
		// Let the page fetch the spec and render before the DOM or screenshot is taken.
		"--virtual-time-budget=10000",
	}, args...)...)
	var out, errs strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errs
	err = cmd.Run()
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return out.String(), errs.String(), err
}

// operationSummaries lists the summary of every operation in the spec the
// binary embeds.
func operationSummaries(t *testing.T) []string {
	t.Helper()
	var spec struct {
		Paths map[string]map[string]any `yaml:"paths"` // path-level "parameters" is a list
	}
	if err := yaml.Unmarshal(worksynapse.OpenAPISpec, &spec); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ops := range spec.Paths {
		for _, op := range ops {
			if op, ok := op.(map[string]any); ok && op["summary"] != nil {
				out = append(out, op["summary"].(string))
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no operation summaries in openapi.yaml")
	}
	return out
}
