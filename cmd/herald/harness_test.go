package main

// The test harness: the real API on an httptest.Server (the handler on a fresh emulator table,
// behind the local stack's JWT authorizer, with real tokens), the CLI run in-process against
// it, and golden files of what it printed.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/heraldhq/herald/shared/api"
	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/localauth"
	"github.com/heraldhq/herald/shared/store"
)

func TestMain(m *testing.M) { awstest.Main(m) }

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// start is the API's clock at the start of every test: the sample events' day.
var start = time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC)

// clock ticks a second each time it is read, so every write the API makes has its own time
// and a test that makes the same calls always sees the same times.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

// testAPI is Herald's API for one test, with tokens of org_acme's admin and member.
type testAPI struct {
	URL    string
	Log    *delivery.Log
	tokens map[string]string // by the name the golden files show
}

func newTestAPI(t *testing.T, configure ...func(*api.Handler)) *testAPI {
	t.Helper()
	db := dynamodb.NewFromConfig(awstest.Config(t))
	table := awstest.Table(t, db)
	authority, err := localauth.Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var secrets int
	hc := &api.Handler{
		Rules:      &store.Rules{DB: db, Table: table},
		Deliveries: &delivery.Log{DB: db, Table: table},
		Log:        slog.New(slog.DiscardHandler),
		Now:        (&clock{now: start}).Now,
		// Secrets that look like real ones but are the same on every run, for the golden files.
		NewSecret: func() (string, error) {
			secrets++
			sum := sha256.Sum256(fmt.Appendf(nil, "herald-cli-test-secret-%d", secrets))
			return "whsec_" + base64.StdEncoding.EncodeToString(sum[:24]), nil
		},
	}
	for _, f := range configure {
		f(hc)
	}
	h := api.New(hc)
	public := func(r *http.Request) bool { return r.Method == http.MethodGet && r.URL.Path == "/v1/openapi.yaml" }
	srv := httptest.NewServer(authority.Authorizer(h, public))
	t.Cleanup(srv.Close)

	issue := func(id localauth.Identity, ttl time.Duration) string {
		tok, err := authority.Issue(id, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	return &testAPI{
		URL: srv.URL,
		Log: &delivery.Log{DB: db, Table: table},
		tokens: map[string]string{
			"admin":   issue(localauth.Identity{Org: "org_acme", Role: "admin", Email: "alice@acme.test"}, time.Hour),
			"member":  issue(localauth.Identity{Org: "org_acme", Role: "member", Email: "mallory@acme.test"}, time.Hour),
			"expired": issue(localauth.Identity{Org: "org_acme", Role: "admin", Email: "alice@acme.test"}, -time.Hour),
			"garbage": "not-a-token",
		},
	}
}

// cliCase is one run of the CLI and the golden file of what it printed.
type cliCase struct {
	golden string   // testdata/<golden>.golden
	token  string   // a key of testAPI.tokens for HERALD_TOKEN; "" sets none
	env    []string // more environment, KEY=VALUE
	args   []string
	code   int // the exit status it must end with
}

// result is what one run printed.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the CLI with args, the environment env and no other, as a process would.
func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := newApp(&stdout, &stderr, func(k string) string { return env[k] })
	a.now = func() time.Time { return start.Add(time.Hour) }
	a.newEventID = func() string { return "evt_01KTESTCLI0000000000000000" }
	code := a.run(context.Background(), args)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// run runs c against api (nil for cases that never reach it) and checks its golden file.
// Each of replace's keys is replaced by its value in the output first, for names that differ
// from run to run.
func (c cliCase) run(t *testing.T, api *testAPI, replace ...string) result {
	t.Helper()
	env := map[string]string{}
	shown := ""
	if api != nil {
		env[envAPIURL] = api.URL
	}
	if c.token != "" {
		env[envToken] = api.tokens[c.token]
		shown = envToken + "=<" + c.token + "> "
	}
	for _, kv := range c.env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
		shown += kv + " "
	}
	res := runCLI(t, env, c.args...)
	if res.code != c.code {
		t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, c.code, res.stdout, res.stderr)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "$ %sherald %s\n[exit status %d]\n", shown, shellQuote(c.args), res.code)
	if res.stdout != "" {
		b.WriteString("--- stdout\n" + res.stdout)
	}
	if res.stderr != "" {
		b.WriteString("--- stderr\n" + res.stderr)
	}
	got := b.String()
	if api != nil {
		got = strings.ReplaceAll(got, api.URL, "$HERALD_API_URL")
	}
	for i := 0; i+1 < len(replace); i += 2 {
		got = strings.ReplaceAll(got, replace[i], replace[i+1])
	}
	for name, tok := range tokensOf(api) {
		if strings.Contains(got, tok) {
			t.Errorf("the output shows the %s token", name)
		}
	}
	checkGolden(t, c.golden, got)
	return res
}

func tokensOf(api *testAPI) map[string]string {
	if api == nil {
		return nil
	}
	return api.tokens
}

// shellQuote writes args as a person would type them.
func shellQuote(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \"'{}[]()$`\\|&;<>*?!") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// checkGolden compares got with testdata/name.golden, or rewrites the file with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n--- got\n%s--- want\n%s", path, got, want)
	}
}
