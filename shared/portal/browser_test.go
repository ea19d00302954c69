package portal_test

// Browser tests: Debian's headless Chromium, driven with chromedp, against herald-local (the
// whole local stack, built from ./cmd/herald-local and run as a subprocess on the emulator
// that awstest provides). One stack serves every test; each test gets its own tab, so its own
// sessionStorage, and saves a screenshot under build/screenshots/.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/heraldhq/herald/shared/awstest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

const chromium = "/usr/bin/chromium"

// repoRoot is where go build runs and build/screenshots/ goes.
var repoRoot = filepath.Join("..", "..")

// localStack is a running herald-local.
type localStack struct {
	URL         string
	Bus         string
	AdminToken  string
	MemberToken string
}

// browserEnv is what the tests share: the stack and a browser with one tab per test.
type browserEnv struct {
	stack   localStack
	browser context.Context
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests drive Chromium against the local stack; -short skips them")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("these tests need Debian's headless Chromium at %s: run scripts/ensure-chromium.sh (make test does)", chromium)
	}
	env := &browserEnv{stack: startLocalStack(t), browser: startBrowser(t)}

	for _, tc := range []struct {
		name string
		run  func(*testing.T, *browserEnv)
	}{
		{"sign-in-local-admin", testSignInLocalAdmin},
		{"sign-in-token", testSignInToken},
		{"create-email-rule", testCreateEmailRule},
		{"create-webhook-rule", testCreateWebhookRule},
		{"edit-events", testEditEvents},
		{"toggle-enabled", testToggleEnabled},
		{"delete-rule", testDeleteRule},
		{"recipient-limit", testRecipientLimit},
		{"bad-webhook-url", testBadWebhookURL},
		{"member-read-only", testMemberReadOnly},
		{"delivery-shown", testDeliveryShown},
		{"phone-layout", testPhoneLayout},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, env) })
	}
}

// startLocalStack builds herald-local, runs it on a free loopback port with its own resource
// names, and stops it (SIGINT, as Ctrl-C would) when the test ends.
func startLocalStack(t *testing.T) localStack {
	t.Helper()
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "herald-local")
	build := exec.Command("go", "build", "-o", bin, "./cmd/herald-local")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/herald-local: %v\n%s", err, out)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	suffix := awstest.Name("-portal")
	dir := filepath.Join(tmp, "state")
	logPath := filepath.Join(tmp, "herald-local.out")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--addr", addr, "--dir", dir, "--name-suffix", suffix)
	cmd.Stdout, cmd.Stderr = logFile, logFile // AWS_ENDPOINT_URL and the rest are inherited
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logFile.Close() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("herald-local did not stop within 20s of SIGINT; killed it")
		}
		if t.Failed() {
			out, _ := os.ReadFile(logPath)
			t.Logf("herald-local output:\n%s", tail(out, 4000))
		}
	})

	s := localStack{URL: "http://" + addr, Bus: "herald" + suffix}
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/v1/openapi.yaml")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			out, _ := os.ReadFile(logPath)
			t.Fatalf("herald-local exited (%v):\n%s", err, out)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(logPath)
			t.Fatalf("herald-local did not serve %s within 90s:\n%s", s.URL, out)
		}
	}
	s.AdminToken = devToken(t, bin, dir, "admin")
	s.MemberToken = devToken(t, bin, dir, "member")
	return s
}

func devToken(t *testing.T, bin, dir, role string) string {
	t.Helper()
	out, err := exec.Command(bin, "token", "--dir", dir, "--org", "org_acme", "--role", role).Output()
	if err != nil {
		t.Fatalf("herald-local token --role %s: %v", role, err)
	}
	return strings.TrimSpace(string(out))
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// startBrowser starts Chromium with a fresh profile; tests open tabs in it.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start %s: %v", chromium, err)
	}
	return ctx
}

// tab is one test's browser tab.
type tab struct {
	t   *testing.T
	ctx context.Context
	env *browserEnv

	mu       sync.Mutex
	problems []string // uncaught exceptions and CSP violations the page reported
}

// newTab opens a tab of width x height CSS pixels. When the test ends it fails the test if the
// page threw or broke its CSP, and saves a screenshot if the test failed.
func (env *browserEnv) newTab(t *testing.T, width, height int64) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(env.browser)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatal(err)
	}
	tb := &tab{t: t, env: env}
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			s := m.String()
			if m.IsException() || strings.Contains(s, "Content Security Policy") || strings.Contains(s, "Refused to") {
				tb.mu.Lock()
				tb.problems = append(tb.problems, s)
				tb.mu.Unlock()
			}
		}
	}()
	// Each test's steps together get a minute; a wait that never ends fails the test.
	tctx, tcancel := context.WithTimeout(ctx, time.Minute)
	tb.ctx = tctx
	t.Cleanup(func() {
		if t.Failed() {
			tb.screenshot(t.Name()[strings.LastIndex(t.Name(), "/")+1:] + "-failure")
		}
		tcancel()
		cancel()
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, p := range tb.problems {
			t.Errorf("the page reported: %s", p)
		}
	})
	return tb
}

// do runs steps, failing the test with what was being done.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression and decodes its value.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it is true.
func (tb *tab) waitFor(what, cond string) {
	tb.t.Helper()
	if _, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		tb.t.Fatalf("waiting until %s (%s): %v", what, cond, err)
	}
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// screenshot saves the page as build/screenshots/<name>.png: all of it, or, while a modal
// dialog is open, the window (the dialog and its backdrop cover the window, not the page).
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	// Let the switches' transitions finish, so the picture shows the result.
	chromedp.Do(tb.ctx, chromedp.Sleep(250*time.Millisecond))
	capture := chromedp.FullScreenshot(100)
	if modal, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`document.querySelector('dialog[open]') !== null`)); modal {
		capture = chromedp.CaptureScreenshot()
	}
	png, err := chromedp.Run(tb.ctx, capture)
	if err != nil {
		tb.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join(repoRoot, "build", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot: %s", path)
}

// open loads the portal, signed out (a new tab has an empty sessionStorage).
func (tb *tab) open() {
	tb.t.Helper()
	tb.do("open the portal", chromedp.Navigate(tb.env.stack.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("signin-token")))
}

// signInLocal signs in with herald-local's "Sign in as local admin" and waits for the table.
func (tb *tab) signInLocal() {
	tb.t.Helper()
	tb.open()
	tb.do("sign in as local admin",
		chromedp.WaitVisible(chromedp.ID("local-signin-button")),
		chromedp.Click(chromedp.ID("local-signin-button")),
		chromedp.WaitVisible(chromedp.ID("panel-notifications")),
		chromedp.WaitNotVisible(chromedp.ID("rules-loading")))
}

// signInToken signs in by pasting token.
func (tb *tab) signInToken(token string) {
	tb.t.Helper()
	tb.do("sign in with a token",
		chromedp.SetValue(chromedp.ID("signin-token"), token),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("panel-notifications")))
}

func rowSel(name string) string { return fmt.Sprintf(`#rules-body tr[data-rule=%q]`, name) }

// waitIdle waits until every row's latest-delivery badge has loaded.
func (tb *tab) waitIdle() {
	tb.t.Helper()
	tb.waitFor("the latest deliveries load", `document.querySelector('#rules-body .cell-latest .loading') === null`)
}

// apiCall calls the stack's API as the local admin and decodes the JSON answer into out.
func (env *browserEnv) apiCall(t *testing.T, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, env.stack.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+env.stack.AdminToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

type rule struct {
	Name            string   `json:"name"`
	Type            string   `json:"type"`
	Enabled         bool     `json:"enabled"`
	Events          []string `json:"events"`
	EmailRecipients []string `json:"email_recipients"`
}

// createRule creates a rule through the API, for tests about what the portal does with one.
// A rule of that name may exist already (tests run alone create what they need).
func (env *browserEnv) createRule(t *testing.T, r map[string]any) {
	t.Helper()
	code := env.apiCall(t, http.MethodPost, "/v1/notifications", r, nil)
	if code != http.StatusCreated && code != http.StatusConflict {
		t.Fatalf("create %v: HTTP %d", r["name"], code)
	}
}

func (env *browserEnv) getRule(t *testing.T, name string) (rule, int) {
	t.Helper()
	var r rule
	code := env.apiCall(t, http.MethodGet, "/v1/notifications/"+name, nil, &r)
	return r, code
}

func emailRule(name string, events ...string) map[string]any {
	return map[string]any{"name": name, "type": "email", "events": events,
		"email_recipients": []string{"secops@acme.test", "alice@acme.test"}}
}

// --- the tests ---

func testSignInLocalAdmin(t *testing.T, env *browserEnv) {
	env.createRule(t, emailRule("security-team", "login-failure"))
	env.createRule(t, map[string]any{"name": "slack-webhook", "type": "webhook",
		"webhook_url": "https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnopqrstuvwx",
		"events":      []string{"login-success", "login-failure", "audit-events"}})
	tb := env.newTab(t, 1280, 900)
	tb.signInLocal()
	tb.waitIdle()
	if got := tb.text("#who-org"); got != "org_acme" {
		t.Errorf("org shown = %q", got)
	}
	if got := tb.text("#who-role"); got != "admin" {
		t.Errorf("role shown = %q", got)
	}
	tb.do("see the rules", chromedp.WaitVisible(chromedp.CSS(rowSel("security-team"))),
		chromedp.WaitVisible(chromedp.CSS(rowSel("slack-webhook"))))
	// The list masks the webhook URL's token; the portal shows it as the API gives it.
	if dest := tb.text(rowSel("slack-webhook") + " .dest"); !strings.Contains(dest, "****") || strings.Contains(dest, "abcdefghij") {
		t.Errorf("webhook destination shown as %q; want its token masked", dest)
	}
	if got := eval[string](tb, `location.href`); got != env.stack.URL+"/" {
		t.Errorf("location = %q; the token must never be in the URL", got)
	}
	tb.screenshot("sign-in-local-admin")
}

func testSignInToken(t *testing.T, env *browserEnv) {
	tb := env.newTab(t, 1280, 900)
	tb.open()
	tb.do("wait for the local sign-in offer", chromedp.WaitVisible(chromedp.ID("local-signin-button")))

	// A token the API refuses is reported at the field and not kept.
	tb.do("sign in with a bad token",
		chromedp.SetValue(chromedp.ID("signin-token"), "not-a-token"),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("signin-error")))
	if msg := tb.text("#signin-error"); !strings.Contains(msg, "not accepted") {
		t.Errorf("error for a bad token = %q", msg)
	}
	if v := eval[bool](tb, `sessionStorage.getItem('herald.token') === null`); !v {
		t.Error("a refused token was kept")
	}
	tb.screenshot("sign-in-token")

	tb.signInToken(env.stack.AdminToken)
	if got := eval[string](tb, `sessionStorage.getItem('herald.token')`); got != env.stack.AdminToken {
		t.Error("the token is not kept in sessionStorage")
	}
	if got := eval[string](tb, `location.href`); strings.Contains(got, "eyJ") {
		t.Errorf("location %q holds the token", got)
	}
	// A reload stays signed in (same tab); signing out forgets the token.
	tb.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("panel-notifications")))
	tb.do("sign out", chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("signin-token")))
	if v := eval[bool](tb, `sessionStorage.length === 0`); !v {
		t.Error("sign-out left something in sessionStorage")
	}
}

func testCreateEmailRule(t *testing.T, env *browserEnv) {
	tb := env.newTab(t, 1280, 900)
	tb.signInLocal()
	// By keyboard: Enter on the button opens the form with focus in its first field.
	tb.do("open the form", chromedp.Focus(chromedp.ID("new-notification")), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.ID("rule-dialog")))
	if v := eval[string](tb, `document.activeElement.id`); v != "rule-name" {
		t.Errorf("focus in the new form is on %q; want the name", v)
	}
	tb.do("fill in a new email rule",
		chromedp.SendKeys(chromedp.ID("rule-name"), "oncall-email"),
		chromedp.SendKeys(chromedp.CSS("#recipients li:nth-child(1) input"), "oncall@acme.test"),
		chromedp.Click(chromedp.ID("add-recipient")),
		chromedp.SendKeys(chromedp.CSS("#recipients li:nth-child(2) input"), "bob@acme.test"),
		chromedp.Click(chromedp.ID("add-recipient")),
		chromedp.SendKeys(chromedp.CSS("#recipients li:nth-child(3) input"), "carol@acme.test"),
		chromedp.Click(chromedp.CSS(`#rule-events input[value="login-failure"]`)),
		chromedp.Click(chromedp.CSS(`#rule-events input[value="audit-events"]`)),
	)
	// Remove the second recipient again, by keyboard-reachable button.
	tb.do("remove a recipient", chromedp.Click(chromedp.CSS(`#recipients button[aria-label="Remove recipient 2"]`)))
	tb.screenshot("create-email-rule")
	tb.do("create it",
		chromedp.Click(chromedp.ID("rule-submit")),
		chromedp.WaitNotVisible(chromedp.ID("rule-dialog")),
		chromedp.WaitVisible(chromedp.CSS(rowSel("oncall-email"))))
	if s := tb.text("#status"); !strings.Contains(s, "Created oncall-email") {
		t.Errorf("status = %q", s)
	}
	if dest := tb.text(rowSel("oncall-email") + " .dest"); !strings.Contains(dest, "oncall@acme.test") || !strings.Contains(dest, "+1 more") {
		t.Errorf("destination shown as %q", dest)
	}
	r, code := env.getRule(t, "oncall-email")
	if code != http.StatusOK || r.Type != "email" || !r.Enabled ||
		!slices.Equal(r.EmailRecipients, []string{"oncall@acme.test", "carol@acme.test"}) ||
		!slices.Equal(r.Events, []string{"login-failure", "audit-events"}) {
		t.Errorf("the API has %d %+v", code, r)
	}
}

func testCreateWebhookRule(t *testing.T, env *browserEnv) {
	tb := env.newTab(t, 1280, 900)
	tb.signInLocal()
	const url = "https://hooks.slack.com/services/T0002/B0002/zyxwvutsrqponmlkjihgfedc"
	tb.do("fill in a new webhook rule",
		chromedp.Click(chromedp.ID("new-notification")),
		chromedp.WaitVisible(chromedp.ID("rule-dialog")),
		chromedp.SendKeys(chromedp.ID("rule-name"), "slack-alerts"),
		chromedp.Click(chromedp.ID("rule-type-webhook")),
		chromedp.WaitVisible(chromedp.ID("rule-webhook-url")),
		chromedp.WaitNotVisible(chromedp.ID("recipients-field")),
		chromedp.SendKeys(chromedp.ID("rule-webhook-url"), url),
		chromedp.Click(chromedp.CSS(`#rule-events input[value="login-success"]`)),
		chromedp.Click(chromedp.CSS(`#rule-events input[value="login-failure"]`)),
		chromedp.Click(chromedp.ID("rule-submit")),
		chromedp.WaitVisible(chromedp.ID("secret-dialog")))
	secret := eval[string](tb, `document.getElementById('secret-value').value`)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret shown = %q", secret)
	}
	tb.do("copy it", chromedp.Click(chromedp.ID("secret-copy")))
	tb.waitFor("the copy is confirmed", `document.getElementById('secret-copied').textContent !== ''`)
	tb.screenshot("create-webhook-rule")

	var got struct{ Secret string }
	env.apiCall(t, http.MethodGet, "/v1/notifications/slack-alerts/secret", nil, &got)
	if got.Secret != secret {
		t.Errorf("the portal showed %q; the API's secret is %q", secret, got.Secret)
	}
	tb.do("close the secret",
		chromedp.Click(chromedp.ID("secret-done")),
		chromedp.WaitNotVisible(chromedp.ID("secret-dialog")),
		chromedp.WaitVisible(chromedp.CSS(rowSel("slack-alerts"))))
	if v := eval[string](tb, `document.getElementById('secret-value').value`); v != "" {
		t.Error("the secret stays in the page after its dialog closed")
	}
	if v := eval[string](tb, `document.activeElement.id`); v != "new-notification" {
		t.Errorf("focus after the secret dialog is on %q; want the New Notification button", v)
	}
	if dest := tb.text(rowSel("slack-alerts") + " .dest"); strings.Contains(dest, "zyxwvu") {
		t.Errorf("the table shows the webhook token: %q", dest)
	}
}

func testEditEvents(t *testing.T, env *browserEnv) {
	env.createRule(t, emailRule("edit-me", "login-failure"))
	tb := env.newTab(t, 1280, 900)
	tb.signInLocal()
	row := rowSel("edit-me")
	tb.do("open the rule",
		chromedp.Click(chromedp.CSS(row+` [data-action="edit"]`)),
		chromedp.WaitVisible(chromedp.ID("rule-dialog")))
	if title := tb.text("#rule-dialog-title"); title != "Edit edit-me" {
		t.Errorf("dialog title = %q", title)
	}
	if fixed := eval[bool](tb, `[...document.querySelectorAll('input[name=type]')].every(r => r.disabled)`); !fixed {
		t.Error("the type can be changed when editing")
	}
	tb.do("change the events",
		chromedp.Click(chromedp.CSS(`#rule-events input[value="login-failure"]`)),
		chromedp.Click(chromedp.CSS(`#rule-events input[value="login-success"]`)),
		chromedp.Click(chromedp.CSS(`#rule-events input[value="audit-events"]`)))
	tb.screenshot("edit-events")
	tb.do("save",
		chromedp.Click(chromedp.ID("rule-submit")),
		chromedp.WaitNotVisible(chromedp.ID("rule-dialog")))
	tb.waitFor("the table shows the new events",
		`[...document.querySelectorAll('`+row+` .chip')].map(c => c.title).join() === 'login-success,audit-events'`)
	r, _ := env.getRule(t, "edit-me")
	if !slices.Equal(r.Events, []string{"login-success", "audit-events"}) || len(r.EmailRecipients) != 2 {
		t.Errorf("the API has %+v", r)
	}
	if v := eval[string](tb, `document.activeElement.closest('tr')?.dataset.rule + '/' + document.activeElement.dataset.action`); v != "edit-me/edit" {
		t.Errorf("focus after saving is on %q; want the rule's Edit button", v)
	}
}

func testToggleEnabled(t *testing.T, env *browserEnv) {
	env.createRule(t, emailRule("toggle-me", "audit-events"))
	tb := env.newTab(t, 1280, 900)
	tb.signInLocal()
	tb.waitIdle()
	sw := rowSel("toggle-me") + ` input[role="switch"]`
	tb.do("switch it off", chromedp.Click(chromedp.CSS(sw)))
	tb.waitFor("the change is saved", `document.getElementById('status').textContent === 'toggle-me is disabled.'`)
	if r, _ := env.getRule(t, "toggle-me"); r.Enabled {
		t.Error("the API still has the rule enabled")
	}
	tb.screenshot("toggle-enabled")
	tb.do("switch it on with the keyboard", chromedp.Focus(chromedp.CSS(sw)), chromedp.KeyEvent(" "))
	tb.waitFor("the change is saved", `document.getElementById('status').textContent === 'toggle-me is enabled.'`)
	if r, _ := env.getRule(t, "toggle-me"); !r.Enabled {
		t.Error("the API still has the rule disabled")
	}

	// When the API refuses (here: someone deleted the rule meanwhile), the switch goes back.
	env.apiCall(t, http.MethodDelete, "/v1/notifications/toggle-me", nil, nil)
	tb.do("switch it off again", chromedp.Click(chromedp.CSS(sw)))
	tb.waitFor("the error is shown", `!document.getElementById('alert').hidden`)
	if on := eval[bool](tb, `document.querySelector('`+sw+`').checked`); !on {
		t.Error("the switch shows off although saving failed")
	}
	if msg := tb.text("#alert"); !strings.Contains(msg, "toggle-me could not be disabled") || !strings.Contains(msg, "not found") {
		t.Errorf("alert = %q", msg)
	}
}

func testDeleteRule(t *testing.T, env *browserEnv) {
	env.createRule(t, emailRule("delete-me", "login-success"))
	tb := env.newTab(t, 1280, 900)
	tb.signInLocal()
	tb.waitIdle()
	tb.do("ask to delete",
		chromedp.Click(chromedp.CSS(rowSel("delete-me")+` [data-action="delete"]`)),
		chromedp.WaitVisible(chromedp.ID("delete-dialog")))
	if text := tb.text("#delete-text"); !strings.Contains(text, "delete-me") {
		t.Errorf("the confirmation doesn't name the rule: %q", text)
	}
	if v := eval[string](tb, `document.activeElement.id`); v != "delete-cancel" {
		t.Errorf("focus in the confirmation is on %q; want Cancel", v)
	}
	tb.screenshot("delete-rule")

	// Cancel keeps it; confirming deletes it.
	tb.do("cancel", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.ID("delete-dialog")))
	if _, code := env.getRule(t, "delete-me"); code != http.StatusOK {
		t.Fatalf("cancel deleted the rule (GET = %d)", code)
	}
	tb.do("delete",
		chromedp.Click(chromedp.CSS(rowSel("delete-me")+` [data-action="delete"]`)),
		chromedp.WaitVisible(chromedp.ID("delete-dialog")),
		chromedp.Click(chromedp.ID("delete-confirm")),
		chromedp.WaitNotVisible(chromedp.ID("delete-dialog")),
		chromedp.WaitNotPresent(chromedp.CSS(rowSel("delete-me"))))
	if _, code := env.getRule(t, "delete-me"); code != http.StatusNotFound {
		t.Errorf("GET after delete = %d", code)
	}
	if s := tb.text("#status"); s != "Deleted delete-me." {
		t.Errorf("status = %q", s)
	}
}

func testRecipientLimit(t *testing.T, env *browserEnv) {
	tb := env.newTab(t, 1280, 900)
	tb.signInLocal()
	tb.do("start a new email rule",
		chromedp.Click(chromedp.ID("new-notification")),
		chromedp.WaitVisible(chromedp.ID("rule-dialog")),
		chromedp.SendKeys(chromedp.ID("rule-name"), "ten-recipients"),
		chromedp.Click(chromedp.CSS(`#rule-events input[value="login-failure"]`)))
	// One typed address, then a pasted list of eight (one per line), spread over rows 2 to 9.
	var list []string
	for i := 2; i <= 9; i++ {
		list = append(list, fmt.Sprintf("user%d@acme.test", i))
	}
	tb.do("type one, paste eight",
		chromedp.SendKeys(chromedp.CSS("#recipients li:nth-child(1) input"), "user1@acme.test"),
		chromedp.Click(chromedp.ID("add-recipient")),
		paste("#recipients li:nth-child(2) input", strings.Join(list, "\n")))
	if got := eval[[]string](tb, `[...document.querySelectorAll('#recipients input')].map(i => i.value)`); len(got) != 9 || got[8] != "user9@acme.test" {
		t.Fatalf("recipients after the paste: %q", got)
	}
	tb.do("add the tenth row", chromedp.Click(chromedp.ID("add-recipient")))
	const limit = "A notification can have at most 10 recipients."
	if disabled := eval[bool](tb, `document.getElementById('add-recipient').disabled`); !disabled {
		t.Error("the add button is enabled at 10 recipients")
	}
	if msg := tb.text("#recipients-limit"); msg != limit {
		t.Errorf("limit message = %q", msg)
	}

	// Typing a separator to start an eleventh address is refused.
	tb.do("type a comma", chromedp.SendKeys(chromedp.CSS("#recipients li:nth-child(10) input"), "user10@acme.test,"))
	if v := eval[string](tb, `document.querySelector('#recipients li:nth-child(10) input').value`); v != "user10@acme.test" {
		t.Errorf("tenth row = %q", v)
	}
	if n := eval[int](tb, `document.querySelectorAll('#recipients input').length`); n != 10 {
		t.Errorf("%d recipient rows after typing a separator", n)
	}
	if msg := tb.text("#recipients-limit"); msg != limit {
		t.Errorf("limit message after typing a separator = %q", msg)
	}
	// Pasting two addresses over the tenth keeps the first and refuses the eleventh.
	tb.do("paste two addresses", paste("#recipients li:nth-child(10) input", "user10@acme.test, eleven@acme.test"))
	if n := eval[int](tb, `document.querySelectorAll('#recipients input').length`); n != 10 {
		t.Errorf("%d recipient rows after pasting an eleventh address", n)
	}
	if msg := tb.text("#recipients-limit"); !strings.HasPrefix(msg, limit) || !strings.Contains(msg, "eleven@acme.test") {
		t.Errorf("limit message after the paste = %q", msg)
	}
	tb.screenshot("recipient-limit")

	tb.do("create it", chromedp.Click(chromedp.ID("rule-submit")), chromedp.WaitNotVisible(chromedp.ID("rule-dialog")))
	if r, code := env.getRule(t, "ten-recipients"); code != http.StatusOK || len(r.EmailRecipients) != 10 {
		t.Errorf("the API has %d %v", code, r.EmailRecipients)
	}
}

func testBadWebhookURL(t *testing.T, env *browserEnv) {
	tb := env.newTab(t, 1280, 900)
	tb.signInLocal()
	tb.do("submit a webhook rule with a bad URL",
		chromedp.Click(chromedp.ID("new-notification")),
		chromedp.WaitVisible(chromedp.ID("rule-dialog")),
		chromedp.SendKeys(chromedp.ID("rule-name"), "bad-url"),
		chromedp.Click(chromedp.ID("rule-type-webhook")),
		chromedp.SendKeys(chromedp.ID("rule-webhook-url"), "not a url"),
		chromedp.Click(chromedp.CSS(`#rule-events input[value="audit-events"]`)),
		chromedp.Click(chromedp.ID("rule-submit")),
		chromedp.WaitVisible(chromedp.ID("rule-webhook_url-error")))
	if msg := tb.text("#rule-webhook_url-error"); !strings.Contains(msg, "absolute URL") {
		t.Errorf("error at the URL = %q", msg)
	}
	if v := eval[string](tb, `document.activeElement.id + ' ' + document.activeElement.getAttribute('aria-invalid') + ' ' + document.activeElement.getAttribute('aria-describedby')`); !strings.HasPrefix(v, "rule-webhook-url true ") || !strings.Contains(v, "rule-webhook_url-error") {
		t.Errorf("focused field: %q; want the URL, invalid, described by its error", v)
	}
	tb.screenshot("bad-webhook-url")

	tb.do("try another scheme",
		chromedp.SetValue(chromedp.ID("rule-webhook-url"), "ftp://example.com/hook"),
		chromedp.Click(chromedp.ID("rule-submit")))
	tb.waitFor("the new error", `document.getElementById('rule-webhook_url-error').textContent.includes('ftp')`)
	if _, code := env.getRule(t, "bad-url"); code != http.StatusNotFound {
		t.Errorf("a rule with a bad URL was created (GET = %d)", code)
	}
	// Escape closes the form, and focus goes back to the button that opened it.
	tb.do("close the form", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.ID("rule-dialog")))
	if v := eval[string](tb, `document.activeElement.id`); v != "new-notification" {
		t.Errorf("focus after closing the form is on %q", v)
	}
}

func testMemberReadOnly(t *testing.T, env *browserEnv) {
	tb := env.newTab(t, 1280, 900)
	tb.open()
	tb.signInToken(env.stack.MemberToken)
	tb.do("see the notice", chromedp.WaitVisible(chromedp.ID("member-notice")))
	if msg := tb.text("#member-notice"); msg != "Only admins manage notifications. You are signed in as member of org_acme." {
		t.Errorf("notice = %q", msg)
	}
	if got := tb.text("#who-role"); got != "member" {
		t.Errorf("role shown = %q", got)
	}
	controls := eval[int](tb, `[...document.querySelectorAll('#new-notification, [role=switch], [data-action]')].filter(e => e.checkVisibility()).length`)
	if controls != 0 {
		t.Errorf("a member sees %d edit controls", controls)
	}
	tb.screenshot("member-read-only")
}

func testDeliveryShown(t *testing.T, env *browserEnv) {
	got := make(chan http.Header, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case got <- r.Header.Clone():
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	env.createRule(t, map[string]any{"name": "local-receiver", "type": "webhook",
		"webhook_url": receiver.URL + "/hooks/herald", "format": "generic", "events": []string{"login-failure"}})

	putLoginFailed(t, env.stack.Bus)
	select {
	case h := <-got:
		if h.Get("Webhook-Signature") == "" {
			t.Error("the delivery is not signed")
		}
	case <-time.After(45 * time.Second):
		t.Fatal("the receiver got nothing within 45s of the event")
	}
	// The sender logs the outcome just after the receiver answered.
	deadline := time.Now().Add(15 * time.Second)
	for {
		var page struct{ Deliveries []struct{ Outcome string } }
		env.apiCall(t, http.MethodGet, "/v1/notifications/local-receiver/deliveries", nil, &page)
		if len(page.Deliveries) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the delivery log stayed empty")
		}
		time.Sleep(200 * time.Millisecond)
	}

	tb := env.newTab(t, 1280, 900)
	tb.signInLocal()
	row := rowSel("local-receiver")
	tb.waitFor("the latest delivery badge", `document.querySelector('`+row+` .badge')?.dataset.outcome === 'delivered'`)
	tb.do("open the deliveries",
		chromedp.Click(chromedp.CSS(row+` [data-action="deliveries"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#deliveries-body tr[data-outcome="delivered"]`)))
	cells := eval[[]string](tb, `[...document.querySelectorAll('#deliveries-body tr:first-child td')].map(td => td.innerText)`)
	if len(cells) != 5 || !strings.HasPrefix(cells[0], "delivered") || !strings.HasPrefix(cells[2], "login-failure") || cells[3] != "204" || cells[4] != "—" {
		t.Errorf("delivery row = %q", cells)
	}
	tb.screenshot("delivery-shown")
}

// paste pastes text into the input sel finds, replacing its content, as Ctrl+V would.
func paste(sel, text string) chromedp.Action[chromedp.Void] {
	js, _ := json.Marshal(map[string]string{"sel": sel, "text": text})
	return chromedp.Evaluate[chromedp.Void](`((a) => {
		const input = document.querySelector(a.sel);
		input.focus();
		input.select();
		const data = new DataTransfer();
		data.setData('text/plain', a.text);
		input.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
	})(` + string(js) + `)`)
}

// putLoginFailed publishes a Login Failed event for org_acme on the stack's bus, as the access
// platform would.
func putLoginFailed(t *testing.T, bus string) {
	t.Helper()
	detail, _ := json.Marshal(map[string]any{
		"org_id":      "org_acme",
		"event_id":    awstest.Name("evt_portal"),
		"occurred_at": time.Now().UTC().Format(time.RFC3339),
		"user":        map[string]string{"id": "u_123", "email": "alice@acme.test", "name": "Alice"},
		"socket":      map[string]string{"name": "prod-db", "type": "database"},
		"client":      map[string]string{"ip": "203.0.113.7", "user_agent": "border0-cli/1.2", "location": "Lisbon, PT"},
		"reason":      "MFA challenge failed",
	})
	eb := eventbridge.NewFromConfig(awstest.Config(t))
	out, err := eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String(bus),
		Source:       aws.String("acme.access"),
		DetailType:   aws.String("Login Failed"),
		Detail:       aws.String(string(detail)),
	}}})
	if err != nil || out.FailedEntryCount > 0 {
		t.Fatalf("PutEvents: %v %+v", err, out)
	}
}

func testPhoneLayout(t *testing.T, env *browserEnv) {
	env.createRule(t, emailRule("security-team", "login-failure"))
	tb := env.newTab(t, 390, 844)
	tb.signInLocal()
	tb.waitIdle()
	tb.do("see the cards", chromedp.WaitVisible(chromedp.CSS(rowSel("security-team"))))
	if w := eval[int](tb, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the page is %dpx wide on a 390px screen", w)
	}
	tb.screenshot("phone-layout")
	tb.do("open the form",
		chromedp.Click(chromedp.ID("new-notification")),
		chromedp.WaitVisible(chromedp.ID("rule-dialog")),
		chromedp.SendKeys(chromedp.ID("rule-name"), "Phone Test"),
		chromedp.Click(chromedp.ID("rule-submit")),
		chromedp.WaitVisible(chromedp.ID("rule-name-error")))
	if w := eval[int](tb, `Math.ceil(document.getElementById('rule-dialog').getBoundingClientRect().right)`); w > 390 {
		t.Errorf("the dialog reaches %dpx on a 390px screen", w)
	}
	tb.screenshot("phone-layout-form")
}
