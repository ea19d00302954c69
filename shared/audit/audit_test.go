package audit

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
)

type capture struct {
	events []event.Event
	err    error
}

func (c *capture) Publish(_ context.Context, ev event.Event) error {
	c.events = append(c.events, ev)
	return c.err
}

func TestChangesAreRedacted(t *testing.T) {
	before := &notification.Rule{Name: "hook", Type: notification.Webhook, Enabled: true, Events: []event.Type{event.Audit},
		WebhookURL: "https://hooks.slack.com/services/T1/B1/TOKEN1", Format: notification.FormatAuto, Secret: "whsec_old"}
	after := *before
	after.WebhookURL, after.Secret, after.Enabled = "https://hooks.slack.com/services/T1/B1/TOKEN2", "whsec_new", false
	b, _ := json.Marshal(Changes(before, &after))
	got := string(b)
	for _, leak := range []string{"TOKEN1", "TOKEN2", "whsec_old", "whsec_new"} {
		if strings.Contains(got, leak) {
			t.Errorf("changes leak %s: %s", leak, got)
		}
	}
	for _, want := range []string{`"enabled":{"from":true,"to":false}`, `"secret":{"from":"[redacted]","to":"[redacted]"}`} {
		if !strings.Contains(got, want) {
			t.Errorf("changes %s lack %s", got, want)
		}
	}
	created, _ := json.Marshal(Changes(nil, before))
	if !strings.Contains(string(created), `"webhook_url":{"to":"https://hooks.slack.com/services/T1/B1/****"}`) {
		t.Errorf("created: %s", created)
	}
}

func TestRecord(t *testing.T) {
	c := &capture{}
	tr := &Trail{Publisher: c, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	r := &notification.Rule{Name: "mail", Type: notification.Email, Enabled: true, Events: []event.Type{event.LoginFailure}, EmailRecipients: []string{"a@b.test"}}
	who := event.Person{ID: "u_1", Email: "alice@acme.test"}
	tr.Record(context.Background(), "org_a", who, Updated, r, r) // nothing changed: nothing said
	tr.Record(context.Background(), "org_a", who, Deleted, r, nil)
	if len(c.events) != 1 {
		t.Fatalf("%d events, want 1", len(c.events))
	}
	ev := c.events[0]
	if ev.Type != event.Audit || ev.Org != "org_a" || ev.Action != Deleted || ev.Target.Name != "mail" || ev.Actor.Email != "alice@acme.test" || !strings.HasPrefix(ev.ID, "evt_herald_") {
		t.Errorf("event = %+v", ev)
	}
	// A bus that refuses is logged, not returned: the change stands.
	c.err = errors.New("bus down")
	tr.Record(context.Background(), "org_a", who, Created, nil, r)
	var nilTrail *Trail
	nilTrail.Record(context.Background(), "org_a", who, Created, nil, r) // no bus configured: no panic
}

func TestTokenOnlyURLChangeIsAudited(t *testing.T) {
	before := &notification.Rule{Name: "hook", Type: notification.Webhook, Enabled: true, Events: []event.Type{event.LoginFailure},
		WebhookURL: "https://hooks.slack.com/services/T1/B1/TOKENA", Format: notification.FormatAuto}
	after := *before
	after.WebhookURL = "https://hooks.slack.com/services/T1/B1/TOKENB"
	c := &capture{}
	(&Trail{Publisher: c, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Record(context.Background(), "org_a", event.Person{ID: "u"}, Updated, before, &after)
	if len(c.events) != 1 {
		t.Fatal("repointing a webhook (only its token changed) was not audited")
	}
	got := string(c.events[0].Changes)
	if !strings.Contains(got, "token changed") || strings.Contains(got, "TOKENA") || strings.Contains(got, "TOKENB") {
		t.Errorf("changes = %s", got)
	}
}
