package sesmail

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/motoserver"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/provision"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// loginFailure is the login-failure event DESIGN.md describes.
func loginFailure() event.Event {
	return event.Event{
		Type:       event.LoginFailure,
		ID:         "evt_01JEXAMPLE",
		Org:        "org_acme",
		OccurredAt: time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC),
		User:       &event.Person{ID: "u_123", Email: "alice@acme.test", Name: "Alice"},
		Socket:     &event.Socket{Name: "prod-db", Type: "database"},
		Client:     &event.Client{IP: "203.0.113.7", UserAgent: "border0-cli/1.2", Location: "Lisbon, PT"},
		Reason:     "MFA challenge failed",
	}
}

func emailRule(name string, recipients ...string) notification.Rule {
	return notification.Rule{
		Org:             "org_acme",
		Name:            name,
		Type:            notification.Email,
		Enabled:         true,
		Events:          []event.Type{event.LoginFailure},
		EmailRecipients: recipients,
	}
}

func jobFor(rule notification.Rule, e event.Event) delivery.Job {
	return delivery.Job{
		ID:       delivery.ID(rule.Org, e.ID, rule.Name),
		Org:      rule.Org,
		Rule:     rule.Name,
		Type:     notification.Email,
		Event:    e,
		Enqueued: e.OccurredAt,
	}
}

// sentTo returns the messages moto's SES sent to recipient. Other packages' tests may share
// the emulator, so a test finds its messages by a recipient of its own.
func sentTo(t *testing.T, recipient string) []motoserver.SentEmail {
	t.Helper()
	msgs, err := motoserver.SentEmails(context.Background(), os.Getenv("AWS_ENDPOINT_URL"), recipient)
	if err != nil {
		t.Fatalf("moto data: %v", err)
	}
	return msgs
}

func TestDeliverThroughSES(t *testing.T) {
	ctx := context.Background()
	client := sesv2.NewFromConfig(awstest.Config(t))
	from := "Herald <" + awstest.Name("notifications") + "@herald.test>"
	addr, err := Address(from)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if err := provision.EmailIdentity(ctx, client, addr); err != nil {
			t.Fatal(err)
		}
	}

	rule := emailRule("security-alerts", awstest.Name("oncall")+"@acme.test", awstest.Name("security")+"@acme.test")
	s := &Sender{SES: client, From: from}
	a := s.Deliver(ctx, rule, jobFor(rule, loginFailure()))
	if a.Outcome != delivery.Delivered || a.MessageID == "" || a.Error != "" {
		t.Fatalf("Deliver = %+v, want delivered with a message id", a)
	}
	if a.Status != http.StatusOK {
		t.Errorf("Status = %d, want 200", a.Status)
	}

	sent := sentTo(t, rule.EmailRecipients[0])
	if len(sent) != 1 {
		t.Fatalf("SES sent %d messages to %s, want 1: %+v", len(sent), rule.EmailRecipients[0], sent)
	}
	m := sent[0]
	if m.ID != a.MessageID {
		t.Errorf("message id = %q, Deliver reported %q", m.ID, a.MessageID)
	}
	if m.Source != from {
		t.Errorf("source = %q, want %q", m.Source, from)
	}
	if got := m.Destinations["ToAddresses"]; !slices.Equal(got, rule.EmailRecipients) {
		t.Errorf("To = %q, want %q", got, rule.EmailRecipients)
	}
	if len(m.Destinations["CcAddresses"])+len(m.Destinations["BccAddresses"]) != 0 {
		t.Errorf("destinations = %v, want only To", m.Destinations)
	}
	if want := "Failed login: alice@acme.test → prod-db"; m.Subject != want {
		t.Errorf("subject = %q, want %q", m.Subject, want)
	}
	for _, want := range []string{"<!DOCTYPE html>", "MFA challenge failed", "203.0.113.7", "security-alerts"} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Body)
		}
	}
}

func TestDeliverFromUnverifiedSender(t *testing.T) {
	client := sesv2.NewFromConfig(awstest.Config(t))
	from := awstest.Name("nobody") + "@" + awstest.Name("unverified") + ".test"
	rule := emailRule("security-alerts", awstest.Name("oncall")+"@acme.test")
	s := &Sender{SES: client, From: from}

	a := s.Deliver(context.Background(), rule, jobFor(rule, loginFailure()))
	if a.Outcome != delivery.Failed {
		t.Fatalf("Deliver = %+v, want failed", a)
	}
	if a.Status != http.StatusBadRequest {
		t.Errorf("Status = %d, want 400", a.Status)
	}
	// moto answers MessageRejected "Email address not verified <from>", as SES does in the sandbox.
	if !strings.HasPrefix(a.Error, "SES rejected the message: ") || !strings.Contains(a.Error, from) {
		t.Errorf("Error = %q, want SES's rejection naming %s", a.Error, from)
	}
	readable(t, a.Error)
	if sent := sentTo(t, rule.EmailRecipients[0]); len(sent) != 0 {
		t.Errorf("SES sent %+v from an unverified address", sent)
	}
}

// readable checks that an attempt's error is short and free of the SDK's wrapping.
func readable(t *testing.T, msg string) {
	t.Helper()
	if msg == "" || len(msg) > 400 {
		t.Errorf("error %q: want a short message", msg)
	}
	for _, noise := range []string{"operation error", "RequestID", "https response error", "StatusCode:", "\n"} {
		if strings.Contains(msg, noise) {
			t.Errorf("error %q contains %q", msg, noise)
		}
	}
}
