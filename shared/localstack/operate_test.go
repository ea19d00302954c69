package localstack

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/heraldhq/herald/shared/audit"
	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/envconf"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/lambdahttp"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/sender"
	"github.com/heraldhq/herald/shared/store"
	"github.com/heraldhq/herald/shared/wire"
)

// auditOf decodes the audit events a receiver got (generic format).
func auditOf(t *testing.T, rc *receiver) []event.Event {
	t.Helper()
	var out []event.Event
	for _, r := range rc.requests() {
		var body struct{ Data event.Event }
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		if body.Data.Type == event.Audit {
			out = append(out, body.Data)
		}
	}
	return out
}

// TestAutoDisable: five deliveries in a row that fail for good turn the rule off, with the
// reason recorded, and the audit event reaches a rule that subscribes to audit-events.
func TestAutoDisable(t *testing.T) {
	s := startStack(t, true)
	org := awstest.Name("org")
	dead := newReceiver(t, 410, 410, 410, 410, 410, 410, 410)
	watcher := newReceiver(t)
	s.addRule(t, webhookRule(org, "dead", dead.URL, notification.FormatGeneric, event.LoginSuccess))
	s.addRule(t, webhookRule(org, "watcher", watcher.URL, notification.FormatGeneric, event.Audit))

	for i := range sender.AutoDisableAfter {
		s.publish(t, event.LoginSuccess, org, "evt_dead_"+string(rune('a'+i)))
	}
	s.deliveries(t, org, "dead", func(e []delivery.Entry) bool { return count(e, delivery.Failed) == sender.AutoDisableAfter })
	s.deliveries(t, org, "watcher", func(e []delivery.Entry) bool { return count(e, delivery.Delivered) == 1 })

	r, err := s.rules.Get(context.Background(), org, "dead")
	if err != nil {
		t.Fatal(err)
	}
	if r.Enabled || !strings.Contains(r.DisabledReason, "last 5 deliveries failed") || r.DisabledAt == nil {
		t.Errorf("rule after 5 final failures = enabled %v, reason %q", r.Enabled, r.DisabledReason)
	}
	evs := auditOf(t, watcher)
	if len(evs) != 1 || evs[0].Action != audit.AutoDisabled || evs[0].Target.Name != "dead" || evs[0].Actor.ID != "herald" {
		t.Fatalf("watcher's audit events = %+v", evs)
	}
	if !strings.Contains(string(evs[0].Changes), `"enabled":{"from":true,"to":false}`) {
		t.Errorf("changes = %s", evs[0].Changes)
	}

	// The disabled rule gets nothing more: the matcher no longer picks it.
	s.publish(t, event.LoginSuccess, org, "evt_after")
	time.Sleep(3 * time.Second)
	if n := len(dead.requests()); n != sender.AutoDisableAfter {
		t.Errorf("the dead endpoint got %d requests, want %d", n, sender.AutoDisableAfter)
	}
}

// TestDisablingThroughTheAPIIsAnnounced: an admin turning a rule off through the API is an
// audit event that another rule, subscribed to audit-events, delivers.
func TestDisablingThroughTheAPIIsAnnounced(t *testing.T) {
	s := startStack(t, true)
	org := awstest.Name("org")
	watcher := newReceiver(t)
	s.addRule(t, webhookRule(org, "watcher", watcher.URL, notification.FormatGeneric, event.Audit))
	s.addRule(t, webhookRule(org, "alerts", "https://hooks.slack.com/services/T1/B1/SECRETTOKEN", notification.FormatAuto, event.LoginFailure))

	h, err := wire.API(awstest.Config(t), envconf.FromMap(s.Env()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPatch, "/v1/notifications/alerts", strings.NewReader(`{"enabled":false}`))
	req = req.WithContext(lambdahttp.WithRequestContext(req.Context(), events.APIGatewayV2HTTPRequestContext{
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: map[string]string{"org_id": org, "role": "admin", "sub": "u_mallory", "email": "mallory@acme.test"}}},
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("PATCH = %d %s", w.Code, w.Body)
	}

	s.deliveries(t, org, "watcher", func(e []delivery.Entry) bool { return count(e, delivery.Delivered) == 1 })
	evs := auditOf(t, watcher)
	if len(evs) != 1 {
		t.Fatalf("watcher got %d audit events, want 1", len(evs))
	}
	ev := evs[0]
	if ev.Action != audit.Updated || ev.Actor.Email != "mallory@acme.test" || ev.Target.Name != "alerts" || ev.Org != org {
		t.Errorf("audit event = %+v", ev)
	}
	if string(ev.Changes) != `{"enabled":{"from":true,"to":false}}` {
		t.Errorf("changes = %s", ev.Changes)
	}
	r, _ := (&store.Rules{DB: dynamodb.NewFromConfig(awstest.Config(t)), Table: s.Resources.Names.Table}).Get(context.Background(), org, "alerts")
	if r.Enabled {
		t.Error("the rule is still enabled")
	}
}
