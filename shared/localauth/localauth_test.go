package localauth

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/heraldhq/herald/shared/auth"
)

func TestIssueVerify(t *testing.T) {
	dir := t.TempDir()
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, keyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	tok, err := a.Issue(Identity{Org: "org_acme", Role: "admin", Email: "alice@acme.test"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// A second Load reads the same key: tokens survive restarts.
	b, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := b.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	c, err := auth.Claims{}.FromClaims(claims)
	if err != nil || c.Org != "org_acme" || c.Role != "admin" || c.Email != "alice@acme.test" || c.Subject != "local-admin" {
		t.Errorf("caller = %+v, %v", c, err)
	}

	other, _ := Load(t.TempDir())
	if _, err := other.Verify(tok); err == nil {
		t.Error("a token signed with another key verified")
	}
	a.now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	old, _ := a.Issue(Identity{Org: "o", Role: "admin"}, time.Hour)
	if _, err := b.Verify(old); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired token: %v", err)
	}
	wrongAud := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": Issuer, "aud": "other", "exp": time.Now().Add(time.Hour).Unix(), "org_id": "o", "role": "admin"})
	s, _ := wrongAud.SignedString(b.key)
	if _, err := b.Verify(s); err == nil {
		t.Error("a token for another audience verified")
	}
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": Issuer, "aud": Audience, "exp": time.Now().Add(time.Hour).Unix()})
	s, _ = none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if _, err := b.Verify(s); err == nil {
		t.Error("an unsigned token verified")
	}
	if _, err := a.Issue(Identity{Role: "admin"}, time.Hour); err == nil {
		t.Error("a token without an organization was issued")
	}
}

func TestAuthorizer(t *testing.T) {
	a, _ := Load(t.TempDir())
	tok, _ := a.Issue(Identity{Org: "org_acme", Role: "member"}, time.Hour)
	h := a.Authorizer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := auth.Claims{}.FromContext(r.Context())
		if err != nil {
			w.Write([]byte("public"))
			return
		}
		w.Write([]byte(c.Org + " " + c.Role))
	}), func(r *http.Request) bool { return !strings.HasPrefix(r.URL.Path, "/v1/") })
	for _, tc := range []struct {
		path, header string
		status       int
		body         string
	}{
		{"/v1/me", "Bearer " + tok, 200, "org_acme member"},
		{"/v1/me", "", 401, `{"message":"Unauthorized"}`},
		{"/v1/me", "Bearer nonsense", 401, `{"message":"Unauthorized"}`},
		{"/", "", 200, "public"},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tc.status || strings.TrimSpace(w.Body.String()) != tc.body {
			t.Errorf("%s %q: %d %s", tc.path, tc.header, w.Code, w.Body)
		}
	}
}
