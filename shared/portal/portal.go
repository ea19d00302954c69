// Package portal is Herald's admin portal: plain HTML, CSS and JavaScript modules, embedded in
// the binary and served by the API function itself at / and /assets/, so the portal deploys
// with the API and runs unchanged in the local stack.
//
// The page is index.html; everything else is an asset served under /assets/<version>/, where
// version is a hash of all the assets' content. Assets can then be cached for a year, and a
// new deployment is still seen at once, because index.html (never cached without revalidation)
// names the new version. The assets are one versioned folder rather than one hash per file so
// the JavaScript modules can import each other by relative path, with no build step.
package portal

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed web
var web embed.FS

// ContentSecurityPolicy allows only the portal's own scripts, styles and API. The portal has no
// inline script or style at all, so neither needs 'unsafe-inline'.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Cache lifetimes: index.html is revalidated on every load (its ETag makes that cheap); the
// versioned assets never change under their URL.
const (
	indexCache = "no-cache"
	assetCache = "public, max-age=31536000, immutable"
)

// contentTypes are the types the portal's files are served as, fixed here rather than read
// from the system's MIME tables, which differ between machines. JavaScript modules must be
// served as JavaScript or the browser refuses to run them.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
}

// file is one response the portal serves.
type file struct {
	body  []byte
	ctype string
	etag  string
}

// Handler serves the portal. Build it with New.
type Handler struct {
	version  string
	index    file
	assets   map[string]file // by name under web/assets
	notFound http.Handler
}

// New loads the embedded portal. notFound answers requests for anything the portal doesn't
// have (such as an asset of another version), so unknown paths get the API's JSON 404.
func New(notFound http.Handler) *Handler {
	h, err := load(web, notFound)
	if err != nil {
		panic(err) // the files are embedded; a failure here is a build mistake, caught by tests
	}
	return h
}

func load(fsys fs.FS, notFound http.Handler) (*Handler, error) {
	h := &Handler{assets: map[string]file{}, notFound: notFound}
	sum := sha256.New()
	var names []string
	err := fs.WalkDir(fsys, "web/assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		names = append(names, strings.TrimPrefix(p, "web/assets/"))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("portal: list assets: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := fs.ReadFile(fsys, "web/assets/"+name)
		if err != nil {
			return nil, fmt.Errorf("portal: read %s: %w", name, err)
		}
		ctype, ok := contentTypes[path.Ext(name)]
		if !ok {
			return nil, fmt.Errorf("portal: %s: no content type for %q files", name, path.Ext(name))
		}
		h.assets[name] = file{body: b, ctype: ctype, etag: etag(b)}
		fmt.Fprintf(sum, "%s\x00%d\x00", name, len(b))
		sum.Write(b)
	}
	h.version = hex.EncodeToString(sum.Sum(nil))[:16]

	index, err := fs.ReadFile(fsys, "web/index.html")
	if err != nil {
		return nil, fmt.Errorf("portal: read index.html: %w", err)
	}
	// index.html names assets as "/assets/<name>"; point it at this version's folder.
	index = bytes.ReplaceAll(index, []byte(`="/assets/`), []byte(`="/assets/`+h.version+`/`))
	h.index = file{body: index, ctype: contentTypes[".html"], etag: etag(index)}
	return h, nil
}

// Version is the hash that names the current assets' folder.
func (h *Handler) Version() string { return h.version }

// ServeHTTP serves GET and HEAD of / and /assets/<version>/<name>.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.notFound.ServeHTTP(w, r)
		return
	}
	if r.URL.Path == "/" {
		h.serve(w, r, h.index, indexCache)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/assets/"+h.version+"/")
	f, found := h.assets[rest]
	if !ok || !found {
		h.notFound.ServeHTTP(w, r)
		return
	}
	h.serve(w, r, f, assetCache)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, f file, cache string) {
	hd := w.Header()
	hd.Set("Content-Type", f.ctype)
	hd.Set("Cache-Control", cache)
	hd.Set("ETag", f.etag)
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	// ServeContent answers If-None-Match with 304, HEAD without a body, and ranges.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

// etag is a strong validator for b: a hash of its content.
func etag(b []byte) string {
	s := sha256.Sum256(b)
	return `"` + hex.EncodeToString(s[:])[:20] + `"`
}
