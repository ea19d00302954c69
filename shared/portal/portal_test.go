package portal_test

import (
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/heraldhq/herald/shared/api"
	"github.com/heraldhq/herald/shared/portal"
)

// notFound stands in for the API's JSON 404.
var notFound = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not found", http.StatusTeapot)
})

func get(t *testing.T, h http.Handler, method, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func wantSecurityHeaders(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	for k, v := range map[string]string{
		"Content-Security-Policy": portal.ContentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

var assetRef = regexp.MustCompile(`(?:href|src)="(/assets/[^"]+)"`)

func TestIndex(t *testing.T) {
	h := portal.New(notFound)
	w := get(t, h, http.MethodGet, "/")
	if w.Code != http.StatusOK {
		t.Fatalf("GET / = %d", w.Code)
	}
	wantSecurityHeaders(t, w)
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control = %q; index.html must be revalidated so a deployment shows at once", cc)
	}
	body := w.Body.String()

	// Every asset the page names is under this version's folder and is served.
	refs := assetRef.FindAllStringSubmatch(body, -1)
	if len(refs) < 3 {
		t.Fatalf("index.html names %d assets; want the stylesheet, the script and the icon", len(refs))
	}
	prefix := "/assets/" + h.Version() + "/"
	for _, m := range refs {
		if !strings.HasPrefix(m[1], prefix) {
			t.Errorf("%s is not under %s", m[1], prefix)
			continue
		}
		if w := get(t, h, http.MethodGet, m[1]); w.Code != http.StatusOK {
			t.Errorf("GET %s = %d", m[1], w.Code)
		}
	}

	// The CSP allows no inline script or style: the page must have none.
	scripts := regexp.MustCompile(`<script([^>]*)>([\s\S]*?)</script>`)
	for _, m := range scripts.FindAllStringSubmatch(body, -1) {
		if !strings.Contains(m[1], ` src="`) || strings.TrimSpace(m[2]) != "" {
			t.Errorf("index.html has an inline script, which the CSP blocks: %q", m[0])
		}
	}
	if m := regexp.MustCompile(`<style|\sstyle=|\son[a-z]+=|javascript:`).FindString(body); m != "" {
		t.Errorf("index.html has inline code or style, which the CSP blocks: %q", m)
	}
}

func TestAssets(t *testing.T) {
	h := portal.New(notFound)
	v := h.Version()
	for name, ctype := range map[string]string{
		"app.js":   "text/javascript; charset=utf-8",
		"app.css":  "text/css; charset=utf-8",
		"icon.svg": "image/svg+xml",
	} {
		w := get(t, h, http.MethodGet, "/assets/"+v+"/"+name)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", name, w.Code)
		}
		wantSecurityHeaders(t, w)
		if got := w.Header().Get("Content-Type"); got != ctype {
			t.Errorf("%s: Content-Type = %q, want %q", name, got, ctype)
		}
		if got := w.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control = %q", name, got)
		}
		etag := w.Header().Get("ETag")
		if etag == "" {
			t.Fatalf("%s: no ETag", name)
		}
		if w := get(t, h, http.MethodGet, "/assets/"+v+"/"+name, "If-None-Match", etag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
			t.Errorf("%s with If-None-Match: %d, %d bytes; want 304 and no body", name, w.Code, w.Body.Len())
		}
		if w := get(t, h, http.MethodHead, "/assets/"+v+"/"+name); w.Code != http.StatusOK || w.Body.Len() != 0 {
			t.Errorf("HEAD %s: %d, %d bytes; want 200 and no body", name, w.Code, w.Body.Len())
		}
	}

	// Anything else goes to the API's 404: an asset of another version (it would be cached for
	// a year under the wrong name), a file that doesn't exist, a folder, the unversioned path.
	for _, path := range []string{
		"/assets/0123456789abcdef/app.js",
		"/assets/" + v + "/nope.js",
		"/assets/" + v + "/",
		"/assets/app.js",
		"/index.html",
	} {
		if w := get(t, h, http.MethodGet, path); w.Code != http.StatusTeapot {
			t.Errorf("GET %s = %d, want the not-found handler", path, w.Code)
		}
	}
}

// The modules import each other by relative path, so they must all sit in the one folder, and
// every import must name a module that exists.
func TestModuleImports(t *testing.T) {
	dir := filepath.Join("web", "assets")
	imp := regexp.MustCompile(`(?m)^\s*import\s[^'"]*['"]([^'"]+)['"]`)
	styleUse := regexp.MustCompile(`\.style\.|setAttribute\(\s*['"]style|innerHTML|insertAdjacentHTML|eval\(|new Function`)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || filepath.Ext(path) != ".js" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range imp.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasPrefix(m[1], "./") {
				t.Errorf("%s imports %q; import sibling modules as ./name.js", path, m[1])
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, m[1])); err != nil {
				t.Errorf("%s imports %q, which doesn't exist", path, m[1])
			}
		}
		// Inline styles are blocked by the CSP; markup from strings invites injection.
		if m := styleUse.FindString(string(b)); m != "" {
			t.Errorf("%s uses %q", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The API serves the portal at / and /assets/ and keeps its JSON 404 for everything else.
func TestServedByTheAPI(t *testing.T) {
	h := api.New(&api.Handler{Log: slog.New(slog.DiscardHandler)})
	if w := get(t, h, http.MethodGet, "/"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "<title>") {
		t.Errorf("GET / = %d", w.Code)
	}
	v := portal.New(notFound).Version()
	if w := get(t, h, http.MethodGet, "/assets/"+v+"/app.js"); w.Code != http.StatusOK {
		t.Errorf("GET app.js = %d", w.Code)
	}
	for _, req := range [][2]string{
		{http.MethodPost, "/"},
		{http.MethodGet, "/assets/" + v + "/nope.js"},
		{http.MethodGet, "/nope"},
		{http.MethodDelete, "/assets/" + v + "/app.js"},
	} {
		w := get(t, h, req[0], req[1])
		if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), `"not_found"`) {
			t.Errorf("%s %s = %d %s; want the API's JSON 404", req[0], req[1], w.Code, w.Body)
		}
	}
}
