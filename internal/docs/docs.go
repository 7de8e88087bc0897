// Package docs serves the API reference page (GET /docs): Redoc rendering
// the contract from GET /openapi.yaml. Every file the page needs is embedded
// in the binary, so the page works without any network beyond this server.
//
// assets/redoc.standalone.js (and its license file) are copied from the
// pinned npm package in tools/docs by `make docs-assets`; `make check` fails
// when the committed copy differs from the pinned package. The other files
// in assets/ are ours.
package docs

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/worksynapse/worksynapse/internal/requestmeta"
)

// CSP is the Content-Security-Policy of the docs page and its assets:
// scripts only from this server (no inline script), the spec fetched from
// this server, and no third-party request at all (Redoc's sidebar asks for
// its logo from cdn.redoc.ly; the browser refuses and Redoc hides it).
// Why the exceptions: Redoc's styled-components inject <style> elements and
// React sets style attributes ('unsafe-inline' styles, no script); its
// search index runs in a Web Worker created from a blob: URL; its icons are
// data: SVGs. The browser test (internal/e2e) fails on any other refusal.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; worker-src blob:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// SpecURL is where the page loads the contract from (same origin).
const SpecURL = "/openapi.yaml"

const assetPrefix = "/docs/assets/"

// contentTypes is fixed here rather than taken from mime.TypeByExtension,
// which depends on the host's mime.types.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".txt": "text/plain; charset=utf-8",
}

//go:embed assets
var embedded embed.FS

//go:embed page.html.tmpl
var pageTemplate string

// Handler serves GET /docs and GET /docs/assets/{name}.
type Handler struct {
	page   []byte
	assets map[string]asset
}

type asset struct {
	body        []byte
	contentType string
}

// New renders the page once: asset URLs carry a hash of their content, so
// assets can be cached for a year and a new binary's page still gets its
// own (see ServeAsset).
func New() (*Handler, error) {
	h := &Handler{assets: map[string]asset{}}
	versions := map[string]string{}
	err := fs.WalkDir(embedded, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		name := path.Base(p)
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			return fmt.Errorf("%s: no content type for %q", p, path.Ext(name))
		}
		h.assets[name] = asset{body: body, contentType: ct}
		sum := sha256.Sum256(body)
		versions[name] = assetPrefix + name + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("docs: read embedded assets: %w", err)
	}
	tmpl, err := template.New("page").Option("missingkey=error").Parse(pageTemplate)
	if err != nil {
		return nil, fmt.Errorf("docs: parse page: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, map[string]any{"Asset": versions, "SpecURL": SpecURL}); err != nil {
		return nil, fmt.Errorf("docs: render page: %w", err)
	}
	h.page = buf.Bytes()
	return h, nil
}

// ServePage serves the HTML page.
func (h *Handler) ServePage(w http.ResponseWriter, r *http.Request) {
	requestmeta.SetOperation(r.Context(), "getDocs")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300") // like /openapi.yaml, which it renders
	_, _ = w.Write(h.page)
}

// ServeAsset serves an embedded file by name. Its URL in the page is
// versioned by content hash, hence the year-long immutable cache; the
// version is not checked, so a page from another replica during a rolling
// deploy still gets a working (if newer) file.
func (h *Handler) ServeAsset(w http.ResponseWriter, r *http.Request) {
	requestmeta.SetOperation(r.Context(), "getDocsAsset")
	a, ok := h.assets[strings.TrimPrefix(r.URL.Path, assetPrefix)]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(a.body)
}
