package notification

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/shared/event"
)

var now = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func recipients(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("user%d@acme.test", i+1)
	}
	return out
}

func TestNew(t *testing.T) {
	all := []event.Type{event.LoginSuccess, event.LoginFailure, event.Audit}
	webhook := func(u string) Create {
		return Create{Name: "hook", Type: Webhook, WebhookURL: &u, Events: all}
	}
	email := func(rs ...string) Create {
		return Create{Name: "mail", Type: Email, EmailRecipients: rs, Events: []event.Type{event.LoginFailure}}
	}
	tests := []struct {
		name      string
		policy    Policy
		in        Create
		wantField string // "" means valid
		wantMsg   string // substring of the message
	}{
		{"webhook ok", Policy{}, webhook("https://hooks.slack.com/services/T1/B2/abc"), "", ""},
		{"email ok", Policy{}, email("a@acme.test", "B@acme.test"), "", ""},
		{"ten recipients ok", Policy{}, email(recipients(10)...), "", ""},
		{"eleven recipients", Policy{}, email(recipients(11)...), "email_recipients", "at most 10"},
		{"no recipients", Policy{}, email(), "email_recipients", "1 to 10"},
		{"bad address", Policy{}, email("not-an-address"), "email_recipients", "not a valid email address"},
		{"display name refused", Policy{}, email("Alice <a@acme.test>"), "email_recipients", "not a valid"},
		{"domain without dot", Policy{}, email("a@localhost"), "email_recipients", "not a valid"},
		{"duplicate recipient any case", Policy{}, email("a@acme.test", "A@ACME.test"), "email_recipients", "more than once"},
		{"email with webhook url", Policy{}, func() Create { c := email("a@acme.test"); c.WebhookURL = ptr("https://x.test/h"); return c }(), "webhook_url", "webhook rules"},
		{"email with format", Policy{}, func() Create { c := email("a@acme.test"); c.Format = ptr(FormatSlack); return c }(), "format", "webhook rules"},
		{"webhook with recipients", Policy{}, func() Create { c := webhook("https://x.test/h"); c.EmailRecipients = []string{"a@acme.test"}; return c }(), "email_recipients", "email rules"},
		{"webhook without url", Policy{}, Create{Name: "hook", Type: Webhook, Events: all}, "webhook_url", "required"},
		{"http refused", Policy{}, webhook("http://x.test/h"), "webhook_url", "https"},
		{"http allowed locally", Policy{AllowHTTP: true}, webhook("http://127.0.0.1:9000/h"), "", ""},
		{"ftp refused", Policy{AllowHTTP: true}, webhook("ftp://x.test/h"), "webhook_url", "https"},
		{"relative url", Policy{}, webhook("/hooks/x"), "webhook_url", "absolute"},
		{"user info", Policy{}, webhook("https://u:p@x.test/h"), "webhook_url", "user name or password"},
		{"url at limit", Policy{}, webhook("https://x.test/" + strings.Repeat("a", MaxURLLength-len("https://x.test/"))), "", ""},
		{"url too long", Policy{}, webhook("https://x.test/" + strings.Repeat("a", MaxURLLength)), "webhook_url", "at most 2048"},
		{"unknown format", Policy{}, func() Create { c := webhook("https://x.test/h"); c.Format = ptr(Format("xml")); return c }(), "format", "allowed formats are auto, generic"},
		{"missing name", Policy{}, func() Create { c := webhook("https://x.test/h"); c.Name = ""; return c }(), "name", "required"},
		{"upper-case name", Policy{}, func() Create { c := webhook("https://x.test/h"); c.Name = "Slack"; return c }(), "name", "lowercase"},
		{"name with space", Policy{}, func() Create { c := webhook("https://x.test/h"); c.Name = "my hook"; return c }(), "name", "not valid"},
		{"name of 64", Policy{}, func() Create { c := webhook("https://x.test/h"); c.Name = strings.Repeat("a", 64); return c }(), "", ""},
		{"name of 65", Policy{}, func() Create { c := webhook("https://x.test/h"); c.Name = strings.Repeat("a", 65); return c }(), "name", "1 to 64"},
		{"missing type", Policy{}, Create{Name: "x", Events: all}, "type", "required"},
		{"unknown type", Policy{}, Create{Name: "x", Type: "sms", Events: all}, "type", `not "sms"`},
		{"no events", Policy{}, func() Create { c := webhook("https://x.test/h"); c.Events = nil; return c }(), "events", "at least one"},
		{"unknown event lists allowed", Policy{}, func() Create { c := webhook("https://x.test/h"); c.Events = []event.Type{"logout"}; return c }(), "events", "allowed events are login-success, login-failure, audit-events"},
		{"duplicate event", Policy{}, func() Create {
			c := webhook("https://x.test/h")
			c.Events = []event.Type{event.Audit, event.Audit}
			return c
		}(), "events", "more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.policy.New("org_acme", tt.in, "u_1", now)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if r.Org != "org_acme" || r.Version != 1 || !r.CreatedAt.Equal(now) || r.CreatedBy != "u_1" {
					t.Errorf("rule bookkeeping wrong: %+v", r)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("New: got %v, want a FieldError on %s", err, tt.wantField)
			}
			if fe.Field != tt.wantField || !strings.Contains(fe.Message, tt.wantMsg) {
				t.Errorf("got field %q message %q, want field %q containing %q", fe.Field, fe.Message, tt.wantField, tt.wantMsg)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	u := " https://hooks.slack.com/services/T1/B2/abc "
	r, err := Policy{}.New("o", Create{Name: "s", Type: Webhook, WebhookURL: &u, Events: []event.Type{event.Audit}}, "u", now)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Enabled {
		t.Error("enabled should default to true")
	}
	if r.Format != FormatAuto {
		t.Errorf("format = %q, want auto", r.Format)
	}
	if r.WebhookURL != strings.TrimSpace(u) {
		t.Errorf("url not trimmed: %q", r.WebhookURL)
	}
	r, err = Policy{}.New("o", Create{Name: "s", Type: Email, Enabled: ptr(false), EmailRecipients: []string{"a@b.test"}, Events: []event.Type{event.Audit}}, "u", now)
	if err != nil || r.Enabled {
		t.Errorf("enabled=false not kept: %v %+v", err, r)
	}
}

func TestApply(t *testing.T) {
	later := now.Add(time.Hour)
	mail, err := Policy{}.New("o", Create{Name: "mail", Type: Email, EmailRecipients: []string{"a@acme.test"}, Events: []event.Type{event.LoginFailure}}, "u_1", now)
	if err != nil {
		t.Fatal(err)
	}
	u := "https://x.test/h"
	hook, err := Policy{}.New("o", Create{Name: "hook", Type: Webhook, WebhookURL: &u, Events: []event.Type{event.Audit}}, "u_1", now)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		rule      Rule
		patch     Patch
		wantField string
		check     func(t *testing.T, r Rule)
	}{
		{"disable", mail, Patch{Enabled: ptr(false)}, "", func(t *testing.T, r Rule) {
			if r.Enabled || len(r.EmailRecipients) != 1 || r.Events[0] != event.LoginFailure {
				t.Errorf("only enabled should change: %+v", r)
			}
		}},
		{"events replaced", mail, Patch{Events: &[]event.Type{event.LoginSuccess, event.Audit}}, "", func(t *testing.T, r Rule) {
			if len(r.Events) != 2 || !r.Subscribes(event.Audit) || r.Subscribes(event.LoginFailure) {
				t.Errorf("events = %v", r.Events)
			}
		}},
		{"recipients replaced", mail, Patch{EmailRecipients: &[]string{"b@acme.test", "c@acme.test"}}, "", func(t *testing.T, r Rule) {
			if len(r.EmailRecipients) != 2 || r.EmailRecipients[0] != "b@acme.test" {
				t.Errorf("recipients = %v", r.EmailRecipients)
			}
		}},
		{"url replaced", hook, Patch{WebhookURL: ptr("https://y.test/h2"), Format: ptr(FormatDiscord)}, "", func(t *testing.T, r Rule) {
			if r.WebhookURL != "https://y.test/h2" || r.Format != FormatDiscord {
				t.Errorf("got %q %q", r.WebhookURL, r.Format)
			}
		}},
		{"same type accepted", hook, Patch{Type: ptr(Webhook)}, "", nil},
		{"type change refused", hook, Patch{Type: ptr(Email)}, "type", nil},
		{"rename refused", hook, Patch{Name: ptr("other")}, "name", nil},
		{"eleven recipients", mail, Patch{EmailRecipients: ptr(recipients(11))}, "email_recipients", nil},
		{"empty recipients", mail, Patch{EmailRecipients: &[]string{}}, "email_recipients", nil},
		{"empty events", mail, Patch{Events: &[]event.Type{}}, "events", nil},
		{"url on email rule", mail, Patch{WebhookURL: ptr("https://x.test")}, "webhook_url", nil},
		{"recipients on webhook rule", hook, Patch{EmailRecipients: &[]string{"a@acme.test"}}, "email_recipients", nil},
		{"bad url", hook, Patch{WebhookURL: ptr("http://x.test/h")}, "webhook_url", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fmt.Sprintf("%+v", tt.rule)
			r, err := Policy{}.Apply(tt.rule, tt.patch, "u_2", later)
			if fmt.Sprintf("%+v", tt.rule) != before {
				t.Error("Apply modified its input")
			}
			if tt.wantField != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != tt.wantField {
					t.Fatalf("got %v, want FieldError on %s", err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if !r.UpdatedAt.Equal(later) || r.UpdatedBy != "u_2" || !r.CreatedAt.Equal(now) || r.Secret != tt.rule.Secret {
				t.Errorf("bookkeeping wrong: %+v", r)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://hooks.slack.com/services/T0001/B0002/XXXXsecretXXXX", "https://hooks.slack.com/services/T0001/B0002/****"},
		{"https://discord.com/api/webhooks/123456/tok-en_secret", "https://discord.com/api/webhooks/123456/****"},
		{"https://chat.googleapis.com/v1/spaces/AAA/messages?key=k1&token=t1", "https://chat.googleapis.com/v1/spaces/AAA/messages?key=****&token=****"},
		{"https://acme.webhook.office.com/webhookb2/g1@g2/IncomingWebhook/abc123/g3", "https://acme.webhook.office.com/webhookb2/****/****/****/****"},
		{"https://example.test/hooks/herald", "https://example.test/hooks/****"},
		{"https://example.test/hooks/a1b2c3d4e5f6g7h8i9/x", "https://example.test/hooks/****/****"},
		{"https://hooks.zapier.com/hooks/catch/1234567/3abcdef", "https://hooks.zapier.com/hooks/****/****/****"},
		{"https://n8n.example.com/webhook/my-secret-path-token", "https://n8n.example.com/webhook/****"},
		{"https://example.test/", "https://example.test/"},
		{"https://example.test/h?sig=abc", "https://example.test/h?sig=****"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatResolve(t *testing.T) {
	tests := []struct {
		f    Format
		url  string
		want Format
	}{
		{FormatAuto, "https://hooks.slack.com/services/T/B/x", FormatSlack},
		{FormatAuto, "https://discord.com/api/webhooks/1/x", FormatDiscord},
		{FormatAuto, "https://chat.googleapis.com/v1/spaces/A/messages", FormatGoogleChat},
		{FormatAuto, "https://acme.webhook.office.com/webhookb2/x", FormatTeams},
		{FormatAuto, "https://prod-1.westeurope.logic.azure.com/workflows/x", FormatTeams},
		{FormatAuto, "https://example.test/h", FormatGeneric},
		{"", "https://hooks.slack.com/services/T/B/x", FormatSlack},
		{FormatSlack, "http://127.0.0.1:9000/slack", FormatSlack},
		{FormatGeneric, "https://hooks.slack.com/services/T/B/x", FormatGeneric},
	}
	for _, tt := range tests {
		if got := tt.f.Resolve(tt.url); got != tt.want {
			t.Errorf("%q.Resolve(%q) = %q, want %q", tt.f, tt.url, got, tt.want)
		}
	}
}

func TestRotateAndSigningSecrets(t *testing.T) {
	r := Rule{Secret: "whsec_old"}
	if got := r.SigningSecrets(now); fmt.Sprint(got) != "[whsec_old]" {
		t.Fatalf("before rotation: %v", got)
	}
	r.Rotate("whsec_new", now)
	if got := r.SigningSecrets(now.Add(time.Hour)); fmt.Sprint(got) != "[whsec_new whsec_old]" {
		t.Errorf("during the overlap: %v, want new then old", got)
	}
	if got := r.SigningSecrets(now.Add(SecretOverlap)); fmt.Sprint(got) != "[whsec_new]" {
		t.Errorf("after the overlap: %v, want only the new secret", got)
	}
	if red := r.Redacted(); red.Secret != "" || red.PreviousSecret != "" {
		t.Error("Redacted keeps a secret")
	}
}

func TestEnablingClearsDisabledReason(t *testing.T) {
	at := now
	r := Rule{Name: "hook", Type: Webhook, WebhookURL: "https://x.test/h", Format: FormatAuto, Events: []event.Type{event.Audit},
		DisabledReason: "the last 5 deliveries failed", DisabledAt: &at}
	out, err := Policy{}.Apply(r, Patch{Enabled: ptr(true)}, "u", now)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Enabled || out.DisabledReason != "" || out.DisabledAt != nil {
		t.Errorf("re-enabled rule = %+v", out)
	}
	out, _ = Policy{}.Apply(r, Patch{Events: &[]event.Type{event.LoginSuccess}}, "u", now)
	if out.DisabledReason == "" {
		t.Error("an edit that does not touch enabled cleared the reason")
	}
}
