package apiclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/heraldhq/herald/shared/api"
	"github.com/heraldhq/herald/shared/apiclient"
	"github.com/heraldhq/herald/shared/auth"
	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/localauth"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/store"
)

func TestMain(m *testing.M) { awstest.Main(m) }

var now = time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC)

// server is the real API on a fresh emulator table, behind the local stack's JWT authorizer.
type server struct {
	url           string
	admin, member string
	log           *delivery.Log
}

func newServer(t *testing.T) *server {
	t.Helper()
	db := dynamodb.NewFromConfig(awstest.Config(t))
	table := awstest.Table(t, db)
	authority, err := localauth.Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := api.New(&api.Handler{
		Rules:      &store.Rules{DB: db, Table: table},
		Deliveries: &delivery.Log{DB: db, Table: table},
		Log:        slog.New(slog.DiscardHandler),
		Now:        func() time.Time { return now },
		NewSecret:  func() (string, error) { return "whsec_dGVzdC1zZWNyZXQtZm9yLWFwaWNsaWVudA==", nil },
	})
	srv := httptest.NewServer(authority.Authorizer(h, nil))
	t.Cleanup(srv.Close)
	issue := func(role string) string {
		tok, err := authority.Issue(localauth.Identity{Org: "org_acme", Role: role, Email: role + "@acme.test"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	return &server{url: srv.URL, admin: issue("admin"), member: issue("member"), log: &delivery.Log{DB: db, Table: table}}
}

func ptr[T any](v T) *T { return &v }

func TestRules(t *testing.T) {
	s := newServer(t)
	c := apiclient.New(s.url, s.admin)
	ctx := context.Background()

	hook, err := c.Create(ctx, notification.Create{Name: "slack-webhook", Type: notification.Webhook,
		WebhookURL: ptr("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"),
		Events:     []event.Type{event.LoginSuccess, event.LoginFailure}})
	if err != nil {
		t.Fatal(err)
	}
	if hook.Secret != "whsec_dGVzdC1zZWNyZXQtZm9yLWFwaWNsaWVudA==" || hook.Name != "slack-webhook" || hook.Format != notification.FormatAuto {
		t.Errorf("Create = %+v, want the rule with its secret", hook)
	}
	mail, err := c.Create(ctx, notification.Create{Name: "security", Type: notification.Email,
		EmailRecipients: []string{"secops@acme.test"}, Events: []event.Type{event.LoginFailure}, Enabled: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	if mail.Secret != "" || mail.Enabled {
		t.Errorf("Create = %+v, want a disabled email rule without a secret", mail)
	}

	got, err := c.Get(ctx, "slack-webhook")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, hook.Rule) {
		t.Errorf("Get =\n%+v\nwant what Create returned\n%+v", got, hook.Rule)
	}

	rules, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 || rules[0].Name != "security" || rules[1].WebhookURL != "https://hooks.slack.com/services/T000/B000/****" {
		t.Errorf("List = %+v, want both rules by name, the URL masked", rules)
	}

	updated, err := c.Update(ctx, "security", notification.Patch{Enabled: ptr(true),
		EmailRecipients: &[]string{"secops@acme.test", "cso@acme.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if !updated.Enabled || len(updated.EmailRecipients) != 2 || !reflect.DeepEqual(updated.Events, mail.Events) {
		t.Errorf("Update = %+v, want enabled, two recipients, the events unchanged", updated)
	}

	secret, err := c.Secret(ctx, "slack-webhook")
	if err != nil || secret != hook.Secret {
		t.Errorf("Secret = %q, %v; want %q", secret, err, hook.Secret)
	}

	if err := c.Delete(ctx, "security"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(ctx, "security")
	var apiErr *apiclient.Error
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound || apiErr.Code != "not_found" {
		t.Fatalf("Get after Delete = %v, want a 404 not_found *Error", err)
	}
	if !strings.Contains(apiErr.Message, `"security" not found`) {
		t.Errorf("message %q doesn't name the rule", apiErr.Message)
	}
}

func TestDeliveries(t *testing.T) {
	s := newServer(t)
	c := apiclient.New(s.url, s.admin)
	ctx := context.Background()
	if _, err := c.Create(ctx, notification.Create{Name: "security", Type: notification.Email,
		EmailRecipients: []string{"secops@acme.test"}, Events: []event.Type{event.LoginFailure}}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		e := delivery.Entry{Org: "org_acme", Rule: "security", DeliveryID: "dlv_" + string(rune('a'+i)),
			Time: now.Add(time.Duration(i) * time.Minute), Attempt: 1, Outcome: delivery.Delivered,
			EventType: event.LoginFailure, EventID: "evt_" + string(rune('a'+i))}
		if err := s.log.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	cursor := ""
	for page := 0; ; page++ {
		entries, next, err := c.Deliveries(ctx, "security", 2, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			ids = append(ids, e.EventID)
		}
		if next == "" || page > 3 {
			break
		}
		cursor = next
	}
	if want := []string{"evt_c", "evt_b", "evt_a"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("pages of 2 = %v, want %v, newest first", ids, want)
	}
	all, next, err := c.Deliveries(ctx, "security", 0, "")
	if err != nil || len(all) != 3 || next != "" {
		t.Errorf("Deliveries with the default limit = %d entries, next %q, %v; want all 3 and no next page", len(all), next, err)
	}
	_, _, err = c.Deliveries(ctx, "security", 2, "not-a-cursor!")
	var apiErr *apiclient.Error
	if !errors.As(err, &apiErr) || apiErr.Field != "cursor" {
		t.Errorf("bad cursor = %v, want an error about the cursor field", err)
	}
}

func TestMeAndEventTypes(t *testing.T) {
	s := newServer(t)
	c := apiclient.New(s.url, s.member) // any role may ask these
	me, err := c.Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := (auth.Caller{Org: "org_acme", Role: "member", Subject: "local-member", Email: "member@acme.test"}); me != want {
		t.Errorf("Me = %+v, want %+v", me, want)
	}
	types, err := c.EventTypes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(types) != 3 || types[1].Name != event.LoginFailure || types[1].DetailType != "Login Failed" || types[1].Description == "" {
		t.Errorf("EventTypes = %+v", types)
	}
}

func TestAPIErrors(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	tooMany := make([]string, 11)
	for i := range tooMany {
		tooMany[i] = string(rune('a'+i)) + "@acme.test"
	}
	for _, tc := range []struct {
		name   string
		token  string
		call   func(*apiclient.Client) error
		status int
		code   string
		field  string
		says   string
	}{
		{"invalid field", s.admin, func(c *apiclient.Client) error {
			_, err := c.Create(ctx, notification.Create{Name: "crowd", Type: notification.Email, EmailRecipients: tooMany,
				Events: []event.Type{event.LoginFailure}})
			return err
		}, 400, "invalid_field", "email_recipients", "at most 10 recipients"},
		{"member", s.member, func(c *apiclient.Client) error { _, err := c.List(ctx); return err },
			403, "forbidden", "", "only admins manage notifications"},
		{"API Gateway refuses the token", "not-a-token", func(c *apiclient.Client) error { _, err := c.List(ctx); return err },
			401, apiclient.CodeUnauthorized, "", "check HERALD_TOKEN; the token may be expired"},
		{"no token", "", func(c *apiclient.Client) error { _, err := c.Me(ctx); return err },
			401, apiclient.CodeUnauthorized, "", "none was sent: set HERALD_TOKEN"},
		{"not found", s.admin, func(c *apiclient.Client) error { return c.Delete(ctx, "nope") },
			404, "not_found", "", `"nope" not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(apiclient.New(s.url, tc.token))
			var e *apiclient.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *apiclient.Error", err, err)
			}
			if e.Status != tc.status || e.Code != tc.code || e.Field != tc.field || !strings.Contains(e.Message, tc.says) {
				t.Errorf("error %+v, want status %d, code %q, field %q, a message saying %q", e, tc.status, tc.code, tc.field, tc.says)
			}
			if tc.token != "" && strings.Contains(err.Error(), tc.token) {
				t.Error("the error shows the token")
			}
		})
	}
}

func TestWithReplyKeepsTheAPIsJSON(t *testing.T) {
	s := newServer(t)
	c := apiclient.New(s.url, s.admin)
	var raw []byte
	rules, err := c.List(apiclient.WithReply(context.Background(), &raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 0 || strings.TrimSpace(string(raw)) != `{"notifications":[]}` {
		t.Errorf("reply %q, rules %v; want the API's own body", raw, rules)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
}
