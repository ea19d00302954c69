package main

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldhq/herald/shared/api"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/sender"
	"github.com/heraldhq/herald/shared/webhook"
)

// TestOperatingCommands runs test, redeliver and rotate-secret against an API that really
// sends, to a local receiver.
func TestOperatingCommands(t *testing.T) {
	var status atomic.Int32
	status.Store(200)
	var ids []string
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ids = append(ids, r.Header.Get("webhook-id"))
		w.WriteHeader(int(status.Load()))
	}))
	defer rc.Close()
	a := newTestAPI(t, func(h *api.Handler) {
		h.Policy = notification.Policy{AllowHTTP: true}
		h.Journal = h.Deliveries.(api.Journal)
		h.Deliverers = map[notification.Type]api.Deliverer{notification.Webhook: &sender.Webhook{
			Client: webhook.NewClient(webhook.Options{AllowPrivate: true, Timeout: 5 * time.Second})}}
	})
	env := map[string]string{envAPIURL: a.URL, envToken: a.tokens["admin"]}
	run := func(args ...string) result { return runCLI(t, env, append([]string{"notification"}, args...)...) }

	if r := run("add", "hook", "--type", "webhook", "--webhook-url", rc.URL+"/h", "--event", "login-failure"); r.code != 0 {
		t.Fatalf("add: %+v", r)
	}
	r := run("test", "hook")
	if r.code != 0 || !regexp.MustCompile(`^Test login-failure event to hook: delivered \(delivery dlv_[0-9a-f]{32}, attempt 1, status 200, \d+ ms\)\n$`).MatchString(r.stdout) {
		t.Errorf("test: %+v", r)
	}
	id := regexp.MustCompile(`dlv_[0-9a-f]{32}`).FindString(r.stdout)

	r = run("redeliver", "hook", id)
	if r.code != 0 || !strings.Contains(r.stdout, "Redelivery of "+id+" to hook: delivered") || !strings.Contains(r.stdout, "attempt 2") {
		t.Errorf("redeliver: %+v", r)
	}
	if len(ids) != 2 || ids[0] != id || ids[1] != id {
		t.Errorf("webhook-ids received = %v, want %s twice", ids, id)
	}

	status.Store(500)
	r = run("test", "hook", "--event", "audit-events")
	if r.code != exitError || !strings.Contains(r.stdout, "failed") || !strings.Contains(r.stderr, "not delivered: status 500") {
		t.Errorf("test to a 500 receiver: %+v", r)
	}
	r = run("redeliver", "hook", "dlv_nope")
	if r.code != exitError || !strings.Contains(r.stderr, `no delivery "dlv_nope"`) {
		t.Errorf("redeliver unknown: %+v", r)
	}

	r = run("rotate-secret", "hook")
	if r.code != 0 || !regexp.MustCompile(`whsec_[A-Za-z0-9+/=]{30,}`).MatchString(r.stdout) || !strings.Contains(r.stdout, "keeps signing deliveries") {
		t.Errorf("rotate-secret: %+v", r)
	}
	r = run("rotate-secret", "hook", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"previous_secret_expires_at"`) {
		t.Errorf("rotate-secret -o json: %+v", r)
	}
}
