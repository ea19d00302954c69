package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/shared/apiclient"
	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/localauth"
	"github.com/heraldhq/herald/shared/topology"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// TestDemo runs what make demo runs: every event type delivered by a verified webhook and by
// email, through the emulator's EventBridge, SQS and SES.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := runDemo(context.Background(), &out, demoOptions{Dir: t.TempDir(), Wait: 60 * time.Second}); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	got := out.String()
	if n := strings.Count(got, "— signature ok"); n != 3 {
		t.Errorf("%d webhooks with a good signature, want 3:\n%s", n, got)
	}
	for _, subject := range []string{"Successful login: alice@demo.test → prod-db", "Failed login: alice@demo.test → prod-db", "Audit: alice@demo.test socket.update prod-db"} {
		if !strings.Contains(got, subject) {
			t.Errorf("no email %q in:\n%s", subject, got)
		}
	}
	if !strings.Contains(got, "All 3 events were delivered") {
		t.Errorf("no success line in:\n%s", got)
	}
}

// TestStack checks what make dev offers a user: the API behind the dev authorizer, the admin
// token, the local sign-in and .herald/dev.env.
func TestStack(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	s, err := startStack(context.Background(), stackOptions{Addr: "127.0.0.1:0", Dir: dir, Org: "org_acme",
		Names: topology.DefaultNames().WithSuffix(awstest.Name("")), Log: slogLogger(io.Discard, &logs), Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()

	me, err := apiclient.New(s.APIURL, s.AdminToken).Me(context.Background())
	if err != nil || me.Org != "org_acme" || me.Role != "admin" {
		t.Fatalf("me = %+v, %v", me, err)
	}
	if _, err := apiclient.New(s.APIURL, "not-a-token").Me(context.Background()); err == nil {
		t.Error("a bad token was let through")
	}
	resp, err := http.Get(s.APIURL + "/v1/openapi.yaml")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("the OpenAPI document is not public: %v %v", resp, err)
	}
	resp, err = http.Get(s.APIURL + "/local/session")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("local sign-in: %v %v", resp, err)
	}

	path := filepath.Join(dir, "dev.env")
	if err := s.writeEnv(path); err != nil {
		t.Fatal(err)
	}
	env, _ := os.ReadFile(path)
	for _, want := range []string{"export HERALD_API_URL=" + s.APIURL, "export HERALD_TOKEN=" + s.AdminToken,
		"export AWS_ENDPOINT_URL=" + s.AWSURL, "export HERALD_EVENT_BUS=" + s.Local.Resources.Names.Bus, "export AWS_REGION=", "export AWS_ACCESS_KEY_ID="} {
		if !strings.Contains(string(env), want) {
			t.Errorf("dev.env lacks %q:\n%s", want, env)
		}
	}
	// Requests show up on the console.
	if !strings.Contains(logs.String(), "api      GET /v1/me → 200") {
		t.Errorf("console = %q", logs.String())
	}
}

func TestTokenCommand(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	root := newRoot(&out, &errOut)
	root.SetArgs([]string{"token", "--dir", dir, "--org", "org_x", "--role", "member", "--email", "bob@x.test"})
	if err := root.Execute(); err != nil {
		t.Fatalf("token: %v %s", err, errOut.String())
	}
	if parts := strings.Split(strings.TrimSpace(out.String()), "."); len(parts) != 3 {
		t.Errorf("not a JWT: %q", out.String())
	}
	out.Reset()
	root = newRoot(&out, &errOut)
	root.SetArgs([]string{"token", "--dir", dir, "--role", "owner"})
	if err := root.Execute(); err == nil || !strings.Contains(errOut.String(), "admin or member") {
		t.Errorf("--role owner: %v %q", err, errOut.String())
	}
}

func TestLocalSessionOnlyForLoopback(t *testing.T) {
	a, err := localauth.Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := localSession(a, "org_acme")
	for _, tc := range []struct {
		host, remote string
		want         int
	}{
		{"127.0.0.1:8080", "127.0.0.1:50000", 200},
		{"localhost:8080", "[::1]:50000", 200},
		{"evil.example:8080", "127.0.0.1:50000", 403}, // DNS rebinding
		{"127.0.0.1:8080", "192.168.1.20:50000", 403}, // another machine, with --addr 0.0.0.0
	} {
		r := httptest.NewRequest(http.MethodGet, "/local/session", nil)
		r.Host, r.RemoteAddr = tc.host, tc.remote
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.want {
			t.Errorf("Host %s from %s: %d, want %d", tc.host, tc.remote, w.Code, tc.want)
		}
	}
}
