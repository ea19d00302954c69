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
		{"send-test", testSendTest},
		{"redeliver", testRedeliver},
		{"rotate-secret", testRotateSecret},
		{"auto-disabled", testAutoDisabled},
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
	tb.capture(name, false)
}

// screenshotWindow saves what the window shows (the page as scrolled), for a long page where
// the part that matters would be lost in a picture of all of it.
func (tb *tab) screenshotWindow(name string) {
	tb.t.Helper()
	tb.capture(name, true)
}

func (tb *tab) capture(name string, window bool) {
	tb.t.Helper()
	// Let the switches' transitions finish, so the picture shows the result.
	chromedp.Do(tb.ctx, chromedp.Sleep(250*time.Millisecond))
	capture := chromedp.FullScreenshot(100)
	if modal, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`document.querySelector('dialog[open]') !== null`)); modal || window {
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
	controls := eval[int](tb, `[...document.querySelectorAll('#new-notification, [role=switch], [data-action], #deliveries-test, #test-send, #rotate-secret, .reason-row')].filter(e => e.checkVisibility()).length`)
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

	putEvent(t, env.stack.Bus, "Login Failed")
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
	if len(cells) != 6 || !strings.HasPrefix(cells[0], "delivered") || !strings.HasPrefix(cells[2], "login-failure") || cells[3] != "204" || cells[4] != "—" || cells[5] != "Redeliver" {
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

// putEvent publishes a login event (detailType "Login Failed" or "Login Succeeded") for
// org_acme on the stack's bus, as the access platform would.
func putEvent(t *testing.T, bus, detailType string) {
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
		DetailType:   aws.String(detailType),
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

// --- operating rules: test sends, redeliveries, secret rotation, auto-disable ---

// receiver is a local webhook endpoint that answers every request with one status and keeps
// what it got.
type receiver struct {
	*httptest.Server
	mu    sync.Mutex
	hooks []hook
}

// hook is one request a receiver got (generic format).
type hook struct {
	ID   string // the webhook-id header: the delivery id
	Body struct {
		Type string `json:"type"`
		Data struct {
			Type string `json:"type"`
			Test bool   `json:"test"`
		} `json:"data"`
	}
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var hk hook
		hk.ID = r.Header.Get("Webhook-Id")
		json.NewDecoder(r.Body).Decode(&hk.Body)
		rc.mu.Lock()
		rc.hooks = append(rc.hooks, hk)
		rc.mu.Unlock()
		if status >= 400 {
			http.Error(w, "the receiver is down for this test", status)
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) got() []hook {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.hooks)
}

// webhookRule creates a generic webhook rule to url for the test, and removes it when the test
// ends, so later tests' events don't go to a receiver that is gone.
func (env *browserEnv) webhookRule(t *testing.T, name, url string, events ...string) {
	t.Helper()
	env.apiCall(t, http.MethodDelete, "/v1/notifications/"+name, nil, nil) // left by an earlier run
	if code := env.apiCall(t, http.MethodPost, "/v1/notifications", map[string]any{
		"name": name, "type": "webhook", "webhook_url": url, "format": "generic", "events": events,
	}, nil); code != http.StatusCreated {
		t.Fatalf("create %s: HTTP %d", name, code)
	}
	t.Cleanup(func() { env.apiCall(t, http.MethodDelete, "/v1/notifications/"+name, nil, nil) })
}

type deliveryEntry struct {
	DeliveryID string `json:"delivery_id"`
	Attempt    int    `json:"attempt"`
	Outcome    string `json:"outcome"`
	EventType  string `json:"event_type"`
	Status     int    `json:"status"`
	Test       bool   `json:"test"`
}

func (env *browserEnv) deliveries(t *testing.T, name string) []deliveryEntry {
	t.Helper()
	var page struct{ Deliveries []deliveryEntry }
	env.apiCall(t, http.MethodGet, "/v1/notifications/"+name+"/deliveries", nil, &page)
	return page.Deliveries
}

// waitUntil polls cond every 200ms until it holds or d has passed.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func testSendTest(t *testing.T, env *browserEnv) {
	ok := newReceiver(t, http.StatusOK)
	broken := newReceiver(t, http.StatusInternalServerError)
	env.webhookRule(t, "test-ok", ok.URL+"/hooks", "login-success", "login-failure")
	env.webhookRule(t, "test-broken", broken.URL+"/hooks", "login-failure")

	tb := env.newTab(t, 1280, 900)
	tb.signInLocal()
	tb.waitIdle()

	// From the row: the dialog offers the rule's events, its first one chosen.
	okRow := rowSel("test-ok")
	tb.do("open the test dialog",
		chromedp.Click(chromedp.CSS(okRow+` [data-action="test"]`)),
		chromedp.WaitVisible(chromedp.ID("test-dialog")))
	if got := eval[[]string](tb, `[...document.querySelectorAll('#test-event option')].map(o => o.value)`); !slices.Equal(got, []string{"login-success", "login-failure"}) {
		t.Errorf("events offered = %q", got)
	}
	if v := eval[string](tb, `document.getElementById('test-event').value`); v != "login-success" {
		t.Errorf("event chosen at first = %q; want the rule's first", v)
	}
	tb.do("send a login-failure test",
		chromedp.SetValue(chromedp.ID("test-event"), "login-failure"),
		chromedp.Click(chromedp.ID("test-send")))
	tb.waitFor("the outcome", `document.getElementById('test-result').dataset.outcome === 'delivered'`)
	if msg := tb.text("#test-result"); !strings.Contains(msg, "The test reached test-ok (HTTP 200") {
		t.Errorf("outcome shown = %q", msg)
	}
	if role := eval[string](tb, `document.getElementById('test-result').getAttribute('role')`); role != "status" {
		t.Errorf("the outcome is in a region of role %q; want status", role)
	}
	if got := ok.got(); len(got) != 1 || !got[0].Body.Data.Test || got[0].Body.Data.Type != "login-failure" || got[0].ID == "" {
		t.Errorf("the receiver got %+v; want one login-failure test, with a webhook-id", got)
	}
	tb.screenshot("send-test")
	tb.do("close the dialog", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.ID("test-dialog")))
	if v := eval[string](tb, `document.activeElement.dataset.action + '/' + document.activeElement.closest('tr')?.dataset.rule`); v != "test/test-ok" {
		t.Errorf("focus after the test dialog is on %q; want the rule's Send test button", v)
	}
	tb.waitFor("the latest delivery badge shows the test",
		`document.querySelector('`+okRow+` .cell-latest .badge[data-outcome="delivered"] ~ .when .badge.test') !== null`)

	// From the deliveries: a failed test says why, and the list behind shows it, marked.
	brokenRow := rowSel("test-broken")
	tb.do("open the deliveries",
		chromedp.Click(chromedp.CSS(brokenRow+` [data-action="deliveries"]`)),
		chromedp.WaitVisible(chromedp.ID("deliveries-dialog")))
	tb.waitFor("the empty list", `document.getElementById('deliveries-status').textContent.startsWith('No deliveries yet')`)
	tb.do("send a test from there",
		chromedp.Click(chromedp.ID("deliveries-test")),
		chromedp.WaitVisible(chromedp.ID("test-dialog")),
		chromedp.Click(chromedp.ID("test-send")))
	tb.waitFor("the outcome", `document.getElementById('test-result').dataset.outcome === 'failed'`)
	if msg := tb.text("#test-result"); !strings.Contains(msg, "did not reach test-broken (HTTP 500") || !strings.Contains(msg, "Reason: status 500") {
		t.Errorf("outcome shown = %q", msg)
	}
	tb.screenshot("send-test-failed")
	tb.do("back to the deliveries", chromedp.Click(chromedp.CSS(`#test-dialog [data-close].btn`)),
		chromedp.WaitNotVisible(chromedp.ID("test-dialog")))
	if v := eval[string](tb, `document.activeElement.id`); v != "deliveries-test" {
		t.Errorf("focus after the test dialog is on %q; want the deliveries' Send test button", v)
	}
	tb.waitFor("the test in the list", `document.querySelector('#deliveries-body tr[data-test="true"][data-outcome="failed"]') !== null`)
	cells := eval[[]string](tb, `[...document.querySelectorAll('#deliveries-body tr:first-child td')].map(td => td.innerText)`)
	if len(cells) != 6 || !strings.Contains(cells[2], "login-failure") || !strings.Contains(strings.ToLower(cells[2]), "test") || cells[3] != "500" || !strings.HasPrefix(cells[4], "status 500") {
		t.Errorf("test delivery row = %q", cells)
	}
	tb.screenshot("send-test-deliveries")
	if d := env.deliveries(t, "test-broken"); len(d) != 1 || !d[0].Test || d[0].Outcome != "failed" || d[0].Status != 500 {
		t.Errorf("the API logged %+v", d)
	}
	tb.do("close the deliveries", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.ID("deliveries-dialog")))
	tb.waitFor("the latest delivery badge shows the failed test",
		`document.querySelector('`+brokenRow+` .cell-latest .badge[data-outcome="failed"] ~ .when .badge.test') !== null`)

	// On a phone the dialog fits the screen.
	ph := env.newTab(t, 390, 844)
	ph.signInLocal()
	ph.waitIdle()
	ph.do("open the test dialog on a phone",
		chromedp.Click(chromedp.CSS(brokenRow+` [data-action="test"]`)),
		chromedp.WaitVisible(chromedp.ID("test-dialog")),
		chromedp.Click(chromedp.ID("test-send")))
	ph.waitFor("the outcome", `document.getElementById('test-result').dataset.outcome === 'failed'`)
	if w := eval[int](ph, `Math.ceil(document.getElementById('test-dialog').getBoundingClientRect().right)`); w > 390 {
		t.Errorf("the test dialog reaches %dpx on a 390px screen", w)
	}
	ph.screenshot("send-test-phone")
	ph.do("open the deliveries on a phone",
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotVisible(chromedp.ID("test-dialog")),
		chromedp.Click(chromedp.CSS(brokenRow+` [data-action="deliveries"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#deliveries-body tr[data-test="true"]`)))
	if w := eval[int](ph, `Math.ceil(document.getElementById('deliveries-dialog').getBoundingClientRect().right)`); w > 390 {
		t.Errorf("the deliveries dialog reaches %dpx on a 390px screen", w)
	}
	ph.screenshot("deliveries-phone")
}

func testRedeliver(t *testing.T, env *browserEnv) {
	rc := newReceiver(t, http.StatusOK)
	env.webhookRule(t, "redeliver-me", rc.URL+"/hooks", "login-success")
	putEvent(t, env.stack.Bus, "Login Succeeded")
	waitUntil(t, 45*time.Second, "the event is delivered and logged", func() bool {
		d := env.deliveries(t, "redeliver-me")
		return len(d) == 1 && d[0].Outcome == "delivered"
	})
	first := rc.got()
	if len(first) != 1 || first[0].ID == "" || first[0].Body.Data.Test {
		t.Fatalf("the receiver got %+v; want the event, once", first)
	}

	tb := env.newTab(t, 1280, 900)
	tb.signInLocal()
	tb.do("open the deliveries",
		chromedp.Click(chromedp.CSS(rowSel("redeliver-me")+` [data-action="deliveries"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#deliveries-body tr[data-outcome="delivered"]`)))
	tb.do("redeliver it", chromedp.Click(chromedp.CSS(`#deliveries-body tr:first-child [data-action="redeliver"]`)))
	tb.waitFor("the outcome", `document.getElementById('deliveries-result').dataset.outcome === 'delivered'`)
	if msg := tb.text("#deliveries-result"); !strings.Contains(msg, "Redelivery (attempt 2) reached redeliver-me (HTTP 200") {
		t.Errorf("outcome shown = %q", msg)
	}
	tb.waitFor("the new attempt on top", `document.querySelectorAll('#deliveries-body tr').length === 2`)
	got := rc.got()
	if len(got) != 2 || got[1].ID != first[0].ID {
		t.Errorf("the receiver got webhook-ids %q; want the same one twice", []string{first[0].ID, got[len(got)-1].ID})
	}
	ids := eval[[]string](tb, `[...document.querySelectorAll('#deliveries-body tr')].map(tr => tr.dataset.delivery)`)
	if len(ids) != 2 || ids[0] != ids[1] || ids[0] != first[0].ID {
		t.Errorf("delivery ids listed = %q; want %s twice", ids, first[0].ID)
	}
	if top := tb.text("#deliveries-body tr:first-child td:first-child"); !strings.Contains(top, "attempt 2") {
		t.Errorf("the top row's outcome = %q; want attempt 2", top)
	}
	if v := eval[bool](tb, `document.activeElement === document.querySelector('#deliveries-body tr:first-child [data-action="redeliver"]')`); !v {
		t.Error("focus after redelivering is not on the new attempt's Redeliver button")
	}
	tb.screenshot("redeliver")
	if d := env.deliveries(t, "redeliver-me"); len(d) != 2 || d[0].Attempt != 2 || d[0].DeliveryID != first[0].ID {
		t.Errorf("the API logged %+v", d)
	}
}

func testRotateSecret(t *testing.T, env *browserEnv) {
	env.webhookRule(t, "rotate-me", "https://hooks.example.com/herald/rotate-me", "login-failure")
	var before struct{ Secret string }
	env.apiCall(t, http.MethodGet, "/v1/notifications/rotate-me/secret", nil, &before)

	tb := env.newTab(t, 1280, 900)
	tb.signInLocal()
	tb.do("edit the rule",
		chromedp.Click(chromedp.CSS(rowSel("rotate-me")+` [data-action="edit"]`)),
		chromedp.WaitVisible(chromedp.ID("rotate-secret")))
	tb.do("ask to rotate", chromedp.Click(chromedp.ID("rotate-secret")), chromedp.WaitVisible(chromedp.ID("rotate-dialog")))
	if msg := tb.text("#rotate-text"); !strings.Contains(msg, "24 hours") || !strings.Contains(msg, "rotate-me") {
		t.Errorf("the confirmation says %q; want the rule and the 24-hour overlap", msg)
	}
	if v := eval[string](tb, `document.activeElement.id`); v != "rotate-cancel" {
		t.Errorf("focus in the confirmation is on %q; want Cancel", v)
	}
	tb.screenshot("rotate-secret-confirm")

	tb.do("rotate", chromedp.Click(chromedp.ID("rotate-confirm")), chromedp.WaitVisible(chromedp.ID("secret-dialog")))
	secret := eval[string](tb, `document.getElementById('secret-value').value`)
	var after struct{ Secret string }
	env.apiCall(t, http.MethodGet, "/v1/notifications/rotate-me/secret", nil, &after)
	if !strings.HasPrefix(secret, "whsec_") || secret != after.Secret || secret == before.Secret {
		t.Errorf("the portal showed %q; the API's secret is %q (before: %q)", secret, after.Secret, before.Secret)
	}
	var r struct {
		Expires time.Time `json:"previous_secret_expires_at"`
	}
	env.apiCall(t, http.MethodGet, "/v1/notifications/rotate-me", nil, &r)
	if d := time.Until(r.Expires); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("previous_secret_expires_at = %v", r.Expires)
	}
	if msg := tb.text("#secret-overlap"); !strings.Contains(msg, "previous secret also signs every delivery until") {
		t.Errorf("the secret dialog says %q about the old secret", msg)
	}
	if v := eval[string](tb, `document.getElementById('secret-overlap-until').dateTime`); v == "" {
		t.Error("the time the old secret stops is not given")
	}
	tb.do("copy it", chromedp.Click(chromedp.ID("secret-copy")))
	tb.waitFor("the copy is confirmed", `document.getElementById('secret-copied').textContent !== ''`)
	tb.screenshot("rotate-secret")

	tb.do("done", chromedp.Click(chromedp.ID("secret-done")), chromedp.WaitNotVisible(chromedp.ID("secret-dialog")))
	// The dialog's close event, which empties it, comes just after it is hidden.
	tb.waitFor("the secret leaves the page", `document.getElementById('secret-value').value === ''`)
	if v := eval[string](tb, `document.activeElement.id`); v != "rotate-secret" {
		t.Errorf("focus after the secret dialog is on %q; want the Rotate secret button", v)
	}
	if msg := tb.text("#secret-field-overlap"); !strings.Contains(msg, "previous secret also signs until") {
		t.Errorf("the form says %q after the rotation", msg)
	}
	// A second rotation within the 24 hours warns that the oldest secret stops at once.
	tb.do("ask again", chromedp.Click(chromedp.ID("rotate-secret")), chromedp.WaitVisible(chromedp.ID("rotate-recent")))
	tb.do("cancel", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.ID("rotate-dialog")))
	tb.do("close the form", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.ID("rule-dialog")))
	env.apiCall(t, http.MethodGet, "/v1/notifications/rotate-me/secret", nil, &after)
	if after.Secret != secret {
		t.Error("cancelling the second rotation or the form changed the secret")
	}

	// Email rules have no secret to rotate.
	env.createRule(t, emailRule("security-team", "login-failure"))
	tb.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(rowSel("security-team"))))
	tb.do("edit an email rule",
		chromedp.Click(chromedp.CSS(rowSel("security-team")+` [data-action="edit"]`)),
		chromedp.WaitVisible(chromedp.ID("rule-dialog")))
	if v := eval[bool](tb, `document.getElementById('rotate-secret').checkVisibility()`); v {
		t.Error("an email rule offers to rotate a secret")
	}
}

func testAutoDisabled(t *testing.T, env *browserEnv) {
	gone := newReceiver(t, http.StatusGone)
	env.webhookRule(t, "dead-hook", gone.URL+"/hooks", "login-success")
	for range 5 {
		putEvent(t, env.stack.Bus, "Login Succeeded")
	}
	var r struct {
		Enabled        bool   `json:"enabled"`
		DisabledReason string `json:"disabled_reason"`
	}
	waitUntil(t, 60*time.Second, "Herald turns the rule off", func() bool {
		env.apiCall(t, http.MethodGet, "/v1/notifications/dead-hook", nil, &r)
		return !r.Enabled && r.DisabledReason != ""
	})

	tb := env.newTab(t, 1280, 900)
	tb.signInLocal()
	tb.waitIdle()
	row := rowSel("dead-hook")
	reason := `#rules-body tr.reason-row[data-reason-for="dead-hook"]`
	tb.do("see the reason", chromedp.WaitVisible(chromedp.CSS(reason)))
	if badge := tb.text(row + " .badge.auto-disabled"); badge != "Auto-disabled" {
		t.Errorf("badge = %q", badge)
	}
	if msg := tb.text(reason); !strings.Contains(msg, r.DisabledReason) {
		t.Errorf("the row says %q; want %q", msg, r.DisabledReason)
	}
	sw := row + ` input[role="switch"]`
	// A screen reader hears the reason with the switch.
	described := eval[string](tb, `document.getElementById(document.querySelector('`+sw+`').getAttribute('aria-describedby')).textContent`)
	if !strings.Contains(described, "Auto-disabled") || !strings.Contains(described, r.DisabledReason) {
		t.Errorf("the switch is described by %q", described)
	}
	if on := eval[bool](tb, `document.querySelector('`+sw+`').checked`); on {
		t.Error("the switch shows the rule on")
	}
	tb.screenshot("auto-disabled")

	// The form says it too.
	tb.do("edit it",
		chromedp.Click(chromedp.CSS(row+` [data-action="edit"]`)),
		chromedp.WaitVisible(chromedp.ID("rule-auto-disabled")))
	if msg := tb.text("#rule-auto-disabled"); !strings.Contains(msg, r.DisabledReason) {
		t.Errorf("the form says %q", msg)
	}
	tb.do("scroll to the switch", chromedp.ScrollIntoView(chromedp.ID("rule-enabled")))
	tb.screenshot("auto-disabled-edit")
	tb.do("close the form", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.ID("rule-dialog")))

	// On a phone the reason closes the rule's card.
	ph := env.newTab(t, 390, 844)
	ph.signInLocal()
	ph.waitIdle()
	ph.do("see the reason on a phone", chromedp.WaitVisible(chromedp.CSS(reason)), chromedp.ScrollIntoView(chromedp.CSS(row)))
	if w := eval[int](ph, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the page is %dpx wide on a 390px screen", w)
	}
	ph.screenshotWindow("auto-disabled-phone")

	// Turning it back on with the switch clears the reason.
	tb.do("switch it on", chromedp.Click(chromedp.CSS(sw)))
	tb.waitFor("the change is saved", `document.getElementById('status').textContent === 'dead-hook is enabled.'`)
	tb.do("the reason goes", chromedp.WaitNotPresent(chromedp.CSS(reason)), chromedp.WaitNotPresent(chromedp.CSS(row+" .badge.auto-disabled")))
	if v := eval[bool](tb, `document.querySelector('`+sw+`').hasAttribute('aria-describedby')`); v {
		t.Error("the switch is still described by the reason")
	}
	r.DisabledReason = "" // absent from the JSON when cleared
	env.apiCall(t, http.MethodGet, "/v1/notifications/dead-hook", nil, &r)
	if !r.Enabled || r.DisabledReason != "" {
		t.Errorf("the API has enabled %v, reason %q", r.Enabled, r.DisabledReason)
	}
	tb.screenshot("auto-disabled-cleared")
	tb.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(row)))
	tb.waitIdle()
	if n := eval[int](tb, `document.querySelectorAll('.reason-row, .badge.auto-disabled').length`); n != 0 {
		t.Errorf("after a reload %d auto-disable marks are shown", n)
	}
}
