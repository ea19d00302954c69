package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/heraldhq/herald/shared/api"
	"github.com/heraldhq/herald/shared/audit"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/sender"
	"github.com/heraldhq/herald/shared/store"
	"github.com/heraldhq/herald/shared/webhook"
)

// receiver is a webhook endpoint answering with status, keeping what it got.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	got    []*http.Request
	bodies [][]byte
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{status: status}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got, rc.bodies = append(rc.got, r), append(rc.bodies, b)
		rc.mu.Unlock()
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) last(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.got) == 0 {
		t.Fatal("the receiver got nothing")
	}
	return rc.got[len(rc.got)-1], rc.bodies[len(rc.bodies)-1]
}

// operating is a server whose webhooks may go to local receivers, signed at the server's time.
func operating(t *testing.T, configure ...func(*api.Handler, *store.Rules)) *server {
	var s *server
	s = newServer(t, append([]func(*api.Handler, *store.Rules){func(h *api.Handler, _ *store.Rules) {
		h.Policy = notification.Policy{AllowHTTP: true}
		h.Deliverers[notification.Webhook] = &sender.Webhook{
			Client: webhook.NewClient(webhook.Options{AllowPrivate: true, Timeout: 5 * time.Second}),
			Now:    func() time.Time { return s.clock.Now() },
		}
	}}, configure...)...)
	return s
}

type sendResult struct {
	DeliveryID string `json:"delivery_id"`
	Attempt    int    `json:"attempt"`
	Outcome    string `json:"outcome"`
	Status     int    `json:"status"`
	Error      string `json:"error"`
	Event      struct {
		Type string `json:"type"`
		Test bool   `json:"test"`
	} `json:"event"`
}

func verifies(t *testing.T, secret string, r *http.Request, body []byte) bool {
	t.Helper()
	wh, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	// The handler signs at the test clock's time, hours from the real one.
	return wh.VerifyIgnoringTimestamp(body, r.Header) == nil
}

func TestTestSend(t *testing.T) {
	s := operating(t)
	ok, broken := newReceiver(t, http.StatusOK), newReceiver(t, http.StatusInternalServerError)
	created := s.mustCreate(t, acmeAdmin, webhookRule("ok", ok.URL))
	var c struct{ Secret string }
	created.decode(t, &c)
	s.mustCreate(t, acmeAdmin, webhookRule("broken", broken.URL))

	var res sendResult
	s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: rulePath("ok") + "/test", body: `{"event":"login-failure"}`}).decode(t, &res)
	if res.Outcome != "delivered" || res.Status != 200 || res.Event.Type != "login-failure" || !res.Event.Test || res.Attempt != 1 {
		t.Errorf("test send to a 200 receiver = %+v", res)
	}
	req, body := ok.last(t)
	if !verifies(t, c.Secret, req, body) {
		t.Error("the test delivery's signature does not verify")
	}
	if !strings.Contains(string(body), `"test":true`) || req.Header.Get("webhook-id") != res.DeliveryID {
		t.Errorf("test delivery: id %q body %s", req.Header.Get("webhook-id"), body)
	}

	// No body: the rule's first event.
	s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: rulePath("broken") + "/test"}).decode(t, &res)
	if res.Outcome != "failed" || res.Status != 500 || !strings.Contains(res.Error, "500") || res.Event.Type != "login-success" {
		t.Errorf("test send to a 500 receiver = %+v", res)
	}

	// Both are in the delivery log, marked as tests.
	var log deliveryList
	s.get(t, acmeAdmin, deliveriesPath("broken")).decode(t, &log)
	if len(log.Deliveries) != 1 || log.Deliveries[0].Outcome != "failed" || log.Deliveries[0].Status != 500 {
		t.Errorf("delivery log = %+v", log)
	}

	e := s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: rulePath("ok") + "/test", body: `{"event":"logout"}`, invalid: true}).
		wantError(t, http.StatusBadRequest, "invalid_field")
	if e.Field != "event" || !strings.Contains(e.Message, "login-success, login-failure, audit-events") {
		t.Errorf("unknown event: %+v", e)
	}
	s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: rulePath("ok") + "/test",
		body: `{"event":"` + strings.Repeat("x", api.MaxBodyBytes) + `"}`, invalid: true}).wantError(t, http.StatusRequestEntityTooLarge, "payload_too_large")
	s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: rulePath("nope") + "/test"}).wantError(t, http.StatusNotFound, "not_found")
}

func TestRedeliver(t *testing.T) {
	s := operating(t)
	rc := newReceiver(t, http.StatusOK)
	s.mustCreate(t, acmeAdmin, webhookRule("hook", rc.URL))
	var first sendResult
	s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: rulePath("hook") + "/test"}).decode(t, &first)
	firstReq, firstBody := rc.last(t)

	var again sendResult
	s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: deliveriesPath("hook") + "/" + first.DeliveryID + "/redeliver"}).decode(t, &again)
	if again.Outcome != "delivered" || again.DeliveryID != first.DeliveryID || again.Attempt != 2 {
		t.Errorf("redelivery = %+v, want delivered as attempt 2 of %s", again, first.DeliveryID)
	}
	req, body := rc.last(t)
	if req.Header.Get("webhook-id") != firstReq.Header.Get("webhook-id") {
		t.Errorf("redelivered webhook-id %q, want the original %q", req.Header.Get("webhook-id"), firstReq.Header.Get("webhook-id"))
	}
	var a, b map[string]any
	json.Unmarshal(firstBody, &a)
	json.Unmarshal(body, &b)
	if a["data"].(map[string]any)["event_id"] != b["data"].(map[string]any)["event_id"] {
		t.Error("the redelivery carries another event")
	}
	var log deliveryList
	s.get(t, acmeAdmin, deliveriesPath("hook")).decode(t, &log)
	if len(log.Deliveries) != 2 || log.Deliveries[0].Attempt != 2 || log.Deliveries[0].DeliveryID != first.DeliveryID {
		t.Errorf("delivery log = %+v", log)
	}
	// The job a sender may still hold for this delivery will find it done.
	claims := &delivery.Claims{DB: s.store.DB.(delivery.ClaimDB), Table: s.store.Table}
	if err := claims.Claim(context.Background(), first.DeliveryID); !errors.Is(err, delivery.ErrClaimed) {
		t.Errorf("claiming a redelivered delivery = %v, want ErrClaimed", err)
	}
	s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: deliveriesPath("hook") + "/dlv_unknown/redeliver"}).wantError(t, http.StatusNotFound, "not_found")
	s.do(t, request{token: globexAdmin, method: http.MethodPost, path: deliveriesPath("hook") + "/" + first.DeliveryID + "/redeliver"}).wantError(t, http.StatusNotFound, "not_found")
}

func TestRotateSecret(t *testing.T) {
	s := operating(t)
	rc := newReceiver(t, http.StatusOK)
	var c struct{ Secret string }
	s.mustCreate(t, acmeAdmin, webhookRule("hook", rc.URL)).decode(t, &c)
	oldSecret := c.Secret

	var rot struct {
		Secret  string    `json:"secret"`
		Expires time.Time `json:"previous_secret_expires_at"`
	}
	s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: rulePath("hook") + "/rotate-secret"}).decode(t, &rot)
	wantSecret(t, rot.Secret)
	if rot.Secret == oldSecret || !rot.Expires.Equal(s.clock.Now().Add(24*time.Hour)) {
		t.Errorf("rotation = %+v", rot)
	}
	var cur struct{ Secret string }
	s.get(t, acmeAdmin, secretPath("hook")).decode(t, &cur)
	if cur.Secret != rot.Secret {
		t.Error("GET secret does not return the new secret")
	}

	// During the overlap a receiver with either secret verifies.
	s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: rulePath("hook") + "/test"}).wantStatus(t, http.StatusOK)
	req, body := rc.last(t)
	if sigs := strings.Fields(req.Header.Get("webhook-signature")); len(sigs) != 2 {
		t.Errorf("webhook-signature = %q, want two signatures", req.Header.Get("webhook-signature"))
	}
	if !verifies(t, oldSecret, req, body) || !verifies(t, rot.Secret, req, body) {
		t.Error("during the overlap, a receiver holding only the old or only the new secret does not verify")
	}
	// After it, only the new one signs.
	s.clock.Advance(24*time.Hour + time.Second)
	s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: rulePath("hook") + "/test"}).wantStatus(t, http.StatusOK)
	req, body = rc.last(t)
	if verifies(t, oldSecret, req, body) || !verifies(t, rot.Secret, req, body) {
		t.Error("after the overlap the old secret still verifies, or the new one does not")
	}

	s.mustCreate(t, acmeAdmin, emailRule("mail"))
	s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: rulePath("mail") + "/rotate-secret"}).wantError(t, http.StatusBadRequest, "not_a_webhook")

	// Lists and logs never show either secret.
	list := s.get(t, acmeAdmin, notifications)
	wantNoSecret(t, list, oldSecret, rot.Secret)
	for _, sec := range []string{oldSecret, rot.Secret} {
		if strings.Contains(s.log.String(), sec) {
			t.Error("a secret is in the logs")
		}
	}
}

func TestRotateConflict(t *testing.T) {
	s := operating(t, func(h *api.Handler, st *store.Rules) { h.Rules = &racingRules{Rules: st} })
	s.mustCreate(t, acmeAdmin, webhookRule("hook", "https://hooks.example.com/h"))
	s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: rulePath("hook") + "/rotate-secret"}).wantError(t, http.StatusConflict, "conflict")
}

func TestAuditTrail(t *testing.T) {
	s := operating(t)
	var c struct{ Secret string }
	s.mustCreate(t, acmeAdmin, webhookRule("hook", "https://hooks.slack.com/services/T1/B1/SECRETTOKEN")).decode(t, &c)
	s.patch(t, acmeAdmin, "hook", `{"enabled":false}`).wantStatus(t, http.StatusOK)
	s.patch(t, acmeAdmin, "hook", `{"enabled":false}`).wantStatus(t, http.StatusOK) // no change, no event
	s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: rulePath("hook") + "/rotate-secret"}).wantStatus(t, http.StatusOK)
	s.del(t, acmeAdmin, "hook").wantStatus(t, http.StatusNoContent)

	evs := s.audit.all()
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
		if ev.Org != "org_acme" || ev.Actor.Email != "alice@acme.test" || ev.Target.Name != "hook" || ev.Type != "audit-events" {
			t.Errorf("audit event %+v", ev)
		}
		if strings.Contains(string(ev.Changes), "SECRETTOKEN") || strings.Contains(string(ev.Changes), c.Secret) {
			t.Errorf("%s's changes leak a secret: %s", ev.Action, ev.Changes)
		}
	}
	want := []string{audit.Created, audit.Updated, audit.SecretRotated, audit.Deleted}
	if strings.Join(actions, " ") != strings.Join(want, " ") {
		t.Fatalf("audit actions = %v, want %v", actions, want)
	}
	if got := string(evs[1].Changes); got != `{"enabled":{"from":true,"to":false}}` {
		t.Errorf("update changes = %s", got)
	}
}
