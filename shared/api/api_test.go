package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldhq/herald/shared/api"
	"github.com/heraldhq/herald/shared/auth"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/store"
)

const (
	slackURL       = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX"
	slackToken     = "XXXXXXXXXXXXXXXX"
	slackMasked    = "https://hooks.slack.com/services/T000/B000/****"
	genericURL     = "https://hooks.example.com/herald?token=s3cr3t-query-t0ken"
	genericMasked  = "https://hooks.example.com/herald?token=****"
	genericToken   = "s3cr3t-query-t0ken"
	allEvents      = `["login-success","login-failure","audit-events"]`
	allowedEvents  = "login-success, login-failure, audit-events"
	allowedFields  = "name, type, enabled, events, webhook_url, format, email_recipients"
	notifications  = "/v1/notifications"
	acmeAdminEmail = "alice@acme.test"
)

func webhookRule(name, url string) string {
	return fmt.Sprintf(`{"name":%q,"type":"webhook","events":%s,"webhook_url":%q}`, name, allEvents, url)
}

func emailRule(name string) string {
	return fmt.Sprintf(`{"name":%q,"type":"email","events":["login-failure","audit-events"],"email_recipients":["secops@acme.test","alice@acme.test"]}`, name)
}

func rulePath(name string) string   { return notifications + "/" + name }
func secretPath(name string) string { return notifications + "/" + name + "/secret" }
func deliveriesPath(name string) string {
	return notifications + "/" + name + "/deliveries"
}

// ruleJSON is a rule as the API shows it, with the create response's secret.
type ruleJSON struct {
	Name            string    `json:"name"`
	Type            string    `json:"type"`
	Enabled         bool      `json:"enabled"`
	Events          []string  `json:"events"`
	WebhookURL      string    `json:"webhook_url"`
	Format          string    `json:"format"`
	EmailRecipients []string  `json:"email_recipients"`
	CreatedAt       time.Time `json:"created_at"`
	CreatedBy       string    `json:"created_by"`
	UpdatedAt       time.Time `json:"updated_at"`
	UpdatedBy       string    `json:"updated_by"`
	Secret          string    `json:"secret"`
}

func (r response) rule(t *testing.T) ruleJSON {
	t.Helper()
	var out ruleJSON
	r.decode(t, &out)
	return out
}

func (r response) list(t *testing.T) []ruleJSON {
	t.Helper()
	var out struct {
		Notifications []ruleJSON `json:"notifications"`
	}
	r.decode(t, &out)
	return out.Notifications
}

func (r response) names(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, rule := range r.list(t) {
		names = append(names, rule.Name)
	}
	return names
}

// wantSecret checks that s is a Standard Webhooks secret: whsec_ and the base64 of 32 bytes.
func wantSecret(t *testing.T, s string) {
	t.Helper()
	raw, ok := strings.CutPrefix(s, "whsec_")
	if !ok {
		t.Fatalf("secret %q does not start with whsec_", s)
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) != 32 {
		t.Fatalf("secret %q is not whsec_ and the base64 of 32 bytes (%d bytes, %v)", s, len(key), err)
	}
}

// wantNoSecret checks that a body shown outside the create and secret routes holds no secret.
func wantNoSecret(t *testing.T, r response, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(string(r.body), s) {
			t.Fatalf("body contains the signing secret: %s", r.body)
		}
	}
	if strings.Contains(string(r.body), `"secret"`) || strings.Contains(string(r.body), "whsec_") {
		t.Fatalf("body has a secret field: %s", r.body)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	s := loadSpec(t)

	t.Run("routes", func(t *testing.T) {
		want := []string{
			"DELETE /v1/notifications/{name}",
			"GET /v1/event-types",
			"GET /v1/me",
			"GET /v1/notifications",
			"GET /v1/notifications/{name}",
			"GET /v1/notifications/{name}/deliveries",
			"GET /v1/notifications/{name}/secret",
			"GET /v1/openapi.yaml",
			"PATCH /v1/notifications/{name}",
			"POST /v1/notifications",
			"POST /v1/notifications/{name}/deliveries/{id}/redeliver",
			"POST /v1/notifications/{name}/rotate-secret",
			"POST /v1/notifications/{name}/test",
		}
		var got []string
		for path, item := range s.doc.Paths.Map() {
			for method := range item.Operations() {
				got = append(got, method+" "+path)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("openapi.yaml describes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("operations are documented", func(t *testing.T) {
		for path, item := range s.doc.Paths.Map() {
			for method, op := range item.Operations() {
				name := method + " " + path
				if op.OperationID == "" || op.Summary == "" || op.Description == "" {
					t.Errorf("%s: needs an operationId, a summary and a description", name)
				}
				if rb := op.RequestBody; rb != nil {
					mt := rb.Value.Content.Get("application/json")
					if mt == nil || (mt.Example == nil && len(mt.Examples) == 0) {
						t.Errorf("%s: the request body needs an example", name)
					}
				}
				for status, resp := range op.Responses.Map() {
					for ct, mt := range resp.Value.Content {
						if mt.Example == nil && len(mt.Examples) == 0 {
							t.Errorf("%s: the %s %s response needs an example", name, status, ct)
						}
					}
				}
				public := op.Security != nil && len(*op.Security) == 0
				if public != (path == "/v1/openapi.yaml") {
					t.Errorf("%s: public = %v; only the document itself is served without a token", name, public)
				}
			}
		}
		if len(s.doc.Security) != 1 || s.doc.Security[0]["bearerAuth"] == nil {
			t.Errorf("the document's default security must be bearerAuth, got %v", s.doc.Security)
		}
		bearer := s.doc.Components.SecuritySchemes["bearerAuth"].Value
		if bearer.Type != "http" || bearer.Scheme != "bearer" || bearer.BearerFormat != "JWT" {
			t.Errorf("bearerAuth = %+v, want an http bearer JWT scheme", bearer)
		}
	})

	// The document's limits and enums are the Go code's, so a change to one shows up here.
	t.Run("limits and enums match the code", func(t *testing.T) {
		schema := func(name string) map[string]any {
			b, err := json.Marshal(s.doc.Components.Schemas[name].Value)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			json.Unmarshal(b, &m)
			return m
		}
		strs := func(v any) []string {
			var out []string
			for _, x := range v.([]any) {
				out = append(out, x.(string))
			}
			return out
		}
		var types, formats []string
		for _, e := range event.Types {
			types = append(types, string(e))
		}
		for _, f := range notification.Formats {
			formats = append(formats, string(f))
		}
		checks := []struct {
			what      string
			got, want any
		}{
			{"EventType enum", strs(schema("EventType")["enum"]), types},
			{"Format enum", strs(schema("Format")["enum"]), formats},
			{"Type enum", strs(schema("Type")["enum"]), []string{string(notification.Email), string(notification.Webhook)}},
			{"Name pattern", schema("Name")["pattern"], "^[a-z0-9-]{1,64}$"},
			{"Name maxLength", schema("Name")["maxLength"], float64(notification.MaxNameLength)},
			{"EmailRecipients maxItems", schema("EmailRecipients")["maxItems"], float64(notification.MaxRecipients)},
			{"WebhookURL maxLength", schema("WebhookURL")["maxLength"], float64(notification.MaxURLLength)},
			{"Events maxItems", schema("Events")["maxItems"], float64(len(event.Types))},
			{"RuleList maxItems", schema("RuleList")["properties"].(map[string]any)["notifications"].(map[string]any)["maxItems"], float64(notification.MaxRulesPerOrg)},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
			}
		}
		for _, name := range []string{"CreateEmail", "CreateWebhook", "UpdateNotification", "EmailRule", "WebhookRule", "CreatedWebhook", "Secret", "Me", "EventTypes", "Error"} {
			if ap, ok := schema(name)["additionalProperties"]; !ok || ap != false {
				t.Errorf("schema %s must have additionalProperties: false", name)
			}
		}
	})
}

func TestServesOpenAPI(t *testing.T) {
	s := newServer(t)
	for _, token := range []string{"", acmeMember, acmeAdmin} {
		r := s.get(t, token, "/v1/openapi.yaml")
		r.wantStatus(t, http.StatusOK)
		if ct := r.header.Get("Content-Type"); ct != "application/yaml" {
			t.Errorf("Content-Type = %q, want application/yaml", ct)
		}
		if string(r.body) != string(api.OpenAPI) {
			t.Errorf("served document differs from openapi.yaml")
		}
	}
}

func TestCreateWebhook(t *testing.T) {
	s := newServer(t)
	r := s.post(t, acmeAdmin, webhookRule("slack-webhook", slackURL))
	r.wantStatus(t, http.StatusCreated)
	if loc := r.header.Get("Location"); loc != "/v1/notifications/slack-webhook" {
		t.Errorf("Location = %q", loc)
	}
	got := r.rule(t)
	wantSecret(t, got.Secret)
	want := ruleJSON{
		Name: "slack-webhook", Type: "webhook", Enabled: true,
		Events:     []string{"login-success", "login-failure", "audit-events"},
		WebhookURL: slackURL, Format: "auto",
		CreatedAt: s.clock.Now(), CreatedBy: acmeAdminEmail,
		UpdatedAt: s.clock.Now(), UpdatedBy: acmeAdminEmail,
		Secret: got.Secret,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("created\n%+v\nwant\n%+v", got, want)
	}

	// The secret route gives the same secret; show and list never do.
	sec := s.get(t, acmeAdmin, secretPath("slack-webhook"))
	sec.wantStatus(t, http.StatusOK)
	if m := sec.object(t); m["secret"] != got.Secret || len(m) != 1 {
		t.Errorf("secret route = %s, want {\"secret\": %q}", sec.body, got.Secret)
	}
	wantNoSecret(t, s.get(t, acmeAdmin, rulePath("slack-webhook")), got.Secret)
	wantNoSecret(t, s.get(t, acmeAdmin, notifications), got.Secret)

	// Every webhook rule has a secret of its own.
	other := s.mustCreate(t, acmeAdmin, `{"name":"teams","type":"webhook","events":["audit-events"],"webhook_url":"https://acme.webhook.office.com/webhookb2/abc/IncomingWebhook/def/ghi","format":"teams","enabled":false}`).rule(t)
	wantSecret(t, other.Secret)
	if other.Secret == got.Secret {
		t.Error("two rules got the same secret")
	}
	if other.Format != "teams" || other.Enabled {
		t.Errorf("format %q enabled %v, want teams and false as sent", other.Format, other.Enabled)
	}
}

func TestCreateEmail(t *testing.T) {
	s := newServer(t)
	// The document asks for bare addresses; the handler forgives spaces around them.
	r := s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: notifications, invalid: true,
		body: `{"name":"security-team","type":"email","enabled":false,"events":["login-failure"],"email_recipients":[" secops@acme.test ","alice@acme.test"]}`})
	r.wantStatus(t, http.StatusCreated)
	if m := r.object(t); m["secret"] != nil {
		t.Errorf("an email rule has no secret, got %s", r.body)
	}
	got := r.rule(t)
	want := ruleJSON{
		Name: "security-team", Type: "email", Enabled: false,
		Events:          []string{"login-failure"},
		EmailRecipients: []string{"secops@acme.test", "alice@acme.test"}, // trimmed
		CreatedAt:       s.clock.Now(), CreatedBy: acmeAdminEmail,
		UpdatedAt: s.clock.Now(), UpdatedBy: acmeAdminEmail,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("created\n%+v\nwant\n%+v", got, want)
	}
	if show := s.get(t, acmeAdmin, rulePath("security-team")).rule(t); !reflect.DeepEqual(show, want) {
		t.Errorf("shown\n%+v\nwant\n%+v", show, want)
	}
}

func TestListAndShow(t *testing.T) {
	s := newServer(t)

	empty := s.get(t, acmeAdmin, notifications)
	empty.wantStatus(t, http.StatusOK)
	if strings.TrimSpace(string(empty.body)) != `{"notifications":[]}` {
		t.Errorf("empty list = %s, want an empty array", empty.body)
	}

	var secrets []string
	for _, body := range []string{
		webhookRule("slack-webhook", slackURL),
		emailRule("security-team"),
		webhookRule("generic-hook", genericURL),
	} {
		if sec := s.mustCreate(t, acmeAdmin, body).rule(t).Secret; sec != "" {
			secrets = append(secrets, sec)
		}
	}

	list := s.get(t, acmeAdmin, notifications)
	list.wantStatus(t, http.StatusOK)
	wantNoSecret(t, list, secrets...)
	for _, token := range []string{slackToken, genericToken} {
		if strings.Contains(string(list.body), token) {
			t.Errorf("list shows a webhook URL token %q: %s", token, list.body)
		}
	}
	if got, want := list.names(t), []string{"generic-hook", "security-team", "slack-webhook"}; !slices.Equal(got, want) {
		t.Errorf("list names = %v, want %v (name order)", got, want)
	}
	urls := map[string]string{}
	for _, r := range list.list(t) {
		urls[r.Name] = r.WebhookURL
	}
	if urls["slack-webhook"] != slackMasked || urls["generic-hook"] != genericMasked || urls["security-team"] != "" {
		t.Errorf("listed URLs = %v, want slack %q, generic %q", urls, slackMasked, genericMasked)
	}

	// Show is for one rule an admin asked for: the full URL, but never the secret.
	for name, url := range map[string]string{"slack-webhook": slackURL, "generic-hook": genericURL} {
		show := s.get(t, acmeAdmin, rulePath(name))
		show.wantStatus(t, http.StatusOK)
		wantNoSecret(t, show, secrets...)
		if got := show.rule(t).WebhookURL; got != url {
			t.Errorf("show %s: webhook_url = %q, want the full %q", name, got, url)
		}
	}
}

func TestUpdateIsPartial(t *testing.T) {
	s := newServer(t)
	created := s.mustCreate(t, acmeAdmin, emailRule("security-team")).rule(t)
	hook := s.mustCreate(t, acmeAdmin, webhookRule("slack-webhook", slackURL)).rule(t)

	s.clock.Advance(time.Hour)
	r := s.patch(t, acmeBob, "security-team", `{"enabled":false}`)
	r.wantStatus(t, http.StatusOK)
	want := created
	want.Enabled = false
	want.UpdatedAt = s.clock.Now()
	want.UpdatedBy = "u_bob" // bob's token has no email claim: the subject names him
	if got := r.rule(t); !reflect.DeepEqual(got, want) {
		t.Errorf("after PATCH enabled\n%+v\nwant\n%+v", got, want)
	}
	if got := s.get(t, acmeAdmin, rulePath("security-team")).rule(t); !reflect.DeepEqual(got, want) {
		t.Errorf("stored after PATCH\n%+v\nwant\n%+v", got, want)
	}

	s.clock.Advance(time.Minute)
	r = s.patch(t, acmeAdmin, "security-team", `{"events":["audit-events"],"email_recipients":["oncall@acme.test"]}`)
	r.wantStatus(t, http.StatusOK)
	want.Events = []string{"audit-events"}
	want.EmailRecipients = []string{"oncall@acme.test"}
	want.UpdatedAt, want.UpdatedBy = s.clock.Now(), acmeAdminEmail
	if got := r.rule(t); !reflect.DeepEqual(got, want) {
		t.Errorf("after PATCH events\n%+v\nwant\n%+v (enabled stays false)", got, want)
	}

	// Name and type may be sent if they don't change; an empty patch changes nothing else.
	for _, body := range []string{`{"name":"security-team","type":"email"}`, `{}`} {
		r = s.patch(t, acmeAdmin, "security-team", body)
		r.wantStatus(t, http.StatusOK)
		if got := r.rule(t); !reflect.DeepEqual(got, want) {
			t.Errorf("after PATCH %s\n%+v\nwant\n%+v", body, got, want)
		}
	}

	// A webhook keeps its URL and its secret when only its format changes.
	r = s.patch(t, acmeAdmin, "slack-webhook", `{"format":"generic"}`)
	r.wantStatus(t, http.StatusOK)
	wantNoSecret(t, r, hook.Secret)
	got := r.rule(t)
	if got.Format != "generic" || got.WebhookURL != slackURL || !slices.Equal(got.Events, hook.Events) || !got.Enabled {
		t.Errorf("after PATCH format: %+v", got)
	}
	if sec := s.get(t, acmeAdmin, secretPath("slack-webhook")).object(t)["secret"]; sec != hook.Secret {
		t.Errorf("secret after PATCH = %v, want the one from creation", sec)
	}
	r = s.patch(t, acmeAdmin, "slack-webhook", `{"webhook_url":"https://hooks.slack.com/services/T111/B111/YYYYYYYYYYYYYYYY"}`)
	r.wantStatus(t, http.StatusOK)
	if got := r.rule(t); got.WebhookURL != "https://hooks.slack.com/services/T111/B111/YYYYYYYYYYYYYYYY" || got.Format != "generic" {
		t.Errorf("after PATCH webhook_url: %+v", got)
	}
}

func TestDelete(t *testing.T) {
	s := newServer(t)
	s.mustCreate(t, acmeAdmin, webhookRule("slack-webhook", slackURL))
	s.mustCreate(t, acmeAdmin, emailRule("security-team"))

	r := s.del(t, acmeAdmin, "slack-webhook")
	r.wantStatus(t, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Errorf("204 with a body: %s", r.body)
	}
	s.get(t, acmeAdmin, rulePath("slack-webhook")).wantError(t, http.StatusNotFound, "not_found")
	s.get(t, acmeAdmin, secretPath("slack-webhook")).wantError(t, http.StatusNotFound, "not_found")
	s.del(t, acmeAdmin, "slack-webhook").wantError(t, http.StatusNotFound, "not_found")
	if got := s.get(t, acmeAdmin, notifications).names(t); !slices.Equal(got, []string{"security-team"}) {
		t.Errorf("list after delete = %v", got)
	}
	// The name is free again, and the new rule has a new secret.
	s.mustCreate(t, acmeAdmin, webhookRule("slack-webhook", slackURL))
}

func TestMeAndEventTypes(t *testing.T) {
	s := newServer(t)
	for _, tc := range []struct {
		token string
		want  map[string]any
	}{
		{acmeAdmin, map[string]any{"org_id": "org_acme", "role": "admin", "subject": "u_alice", "email": "alice@acme.test"}},
		{acmeMember, map[string]any{"org_id": "org_acme", "role": "member", "subject": "u_mallory", "email": "mallory@acme.test"}},
		{globexAdmin, map[string]any{"org_id": "org_globex", "role": "admin", "subject": "u_hank", "email": "hank@globex.test"}},
		{acmeBob, map[string]any{"org_id": "org_acme", "role": "admin", "subject": "u_bob"}},
	} {
		t.Run(tc.token, func(t *testing.T) {
			me := s.get(t, tc.token, "/v1/me")
			me.wantStatus(t, http.StatusOK)
			if got := me.object(t); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("me = %v, want %v", got, tc.want)
			}

			et := s.get(t, tc.token, "/v1/event-types")
			et.wantStatus(t, http.StatusOK)
			var got struct {
				EventTypes []struct {
					Name        string `json:"name"`
					DetailType  string `json:"detail_type"`
					Description string `json:"description"`
				} `json:"event_types"`
			}
			et.decode(t, &got)
			want := []string{"login-success/Login Succeeded", "login-failure/Login Failed", "audit-events/Audit Event"}
			var names []string
			for _, e := range got.EventTypes {
				names = append(names, e.Name+"/"+e.DetailType)
			}
			if !slices.Equal(names, want) {
				t.Errorf("event types = %v, want %v", names, want)
			}
		})
	}
}

// routes is one request for every route behind a token, with a body that would be accepted.
func routes(name string) []request {
	return []request{
		{method: http.MethodGet, path: notifications},
		{method: http.MethodPost, path: notifications, body: webhookRule("new-rule", slackURL)},
		{method: http.MethodGet, path: rulePath(name)},
		{method: http.MethodPatch, path: rulePath(name), body: `{"enabled":false}`},
		{method: http.MethodDelete, path: rulePath(name)},
		{method: http.MethodGet, path: secretPath(name)},
		{method: http.MethodGet, path: deliveriesPath(name)},
		{method: http.MethodPost, path: rulePath(name) + "/test", body: `{"event":"login-failure"}`},
		{method: http.MethodPost, path: deliveriesPath(name) + "/dlv_0123/redeliver"},
		{method: http.MethodPost, path: rulePath(name) + "/rotate-secret"},
		{method: http.MethodGet, path: "/v1/event-types"},
		{method: http.MethodGet, path: "/v1/me"},
	}
}

func TestUnauthenticated(t *testing.T) {
	s := newServer(t)
	before := s.mustCreate(t, acmeAdmin, webhookRule("slack-webhook", slackURL)).rule(t)
	for _, tc := range []struct {
		token, says string
	}{
		{"", "no verified token"},
		{"forged-token", "no verified token"}, // the authorizer verified nothing
		{noOrgClaim, `no "org_id" claim`},
		{noRoleClaim, `no "role" claim`},
	} {
		for _, req := range routes("slack-webhook") {
			req.token = tc.token
			t.Run(tc.token+" "+req.method+" "+req.path, func(t *testing.T) {
				e := s.do(t, req).wantError(t, http.StatusUnauthorized, "unauthorized")
				if !strings.Contains(e.Message, tc.says) {
					t.Errorf("message %q does not say %q", e.Message, tc.says)
				}
			})
		}
	}
	after := s.get(t, acmeAdmin, rulePath("slack-webhook")).rule(t)
	before.Secret = ""
	if !reflect.DeepEqual(after, before) {
		t.Errorf("unauthenticated requests changed the rule:\n%+v\nwas\n%+v", after, before)
	}
	if got := s.get(t, acmeAdmin, notifications).names(t); !slices.Equal(got, []string{"slack-webhook"}) {
		t.Errorf("rules after unauthenticated requests: %v", got)
	}
}

func TestMemberIsForbidden(t *testing.T) {
	s := newServer(t)
	before := s.mustCreate(t, acmeAdmin, webhookRule("slack-webhook", slackURL)).rule(t)
	for _, name := range []string{"slack-webhook", "no-such-rule"} {
		for _, req := range routes(name) {
			req.token = acmeMember
			t.Run(req.method+" "+req.path, func(t *testing.T) {
				r := s.do(t, req)
				if !strings.HasPrefix(req.path, notifications) {
					r.wantStatus(t, http.StatusOK) // me and event-types are for everyone
					return
				}
				// Refused before any lookup: a member can't even learn which names exist.
				e := r.wantError(t, http.StatusForbidden, "forbidden")
				if !strings.Contains(e.Message, "admin") || !strings.Contains(e.Message, "member") {
					t.Errorf("message %q should say only admins may, and that the role is member", e.Message)
				}
			})
		}
	}
	after := s.get(t, acmeAdmin, rulePath("slack-webhook")).rule(t)
	before.Secret = ""
	if !reflect.DeepEqual(after, before) {
		t.Errorf("a member changed the rule:\n%+v\nwas\n%+v", after, before)
	}
	if got := s.get(t, acmeAdmin, notifications).names(t); !slices.Equal(got, []string{"slack-webhook"}) {
		t.Errorf("rules after a member's requests: %v", got)
	}
}

func TestOtherOrganizations(t *testing.T) {
	s := newServer(t)
	probes := []request{
		{method: http.MethodGet, path: rulePath("slack-webhook")},
		{method: http.MethodPatch, path: rulePath("slack-webhook"), body: `{"enabled":false,"webhook_url":"https://evil.example.com/steal"}`},
		{method: http.MethodDelete, path: rulePath("slack-webhook")},
		{method: http.MethodGet, path: secretPath("slack-webhook")},
		{method: http.MethodGet, path: deliveriesPath("slack-webhook")},
		{method: http.MethodPost, path: rulePath("slack-webhook") + "/test"},
		{method: http.MethodPost, path: rulePath("slack-webhook") + "/rotate-secret"},
		{method: http.MethodGet, path: rulePath("security-team")},
		{method: http.MethodGet, path: secretPath("security-team")},
	}
	probe := func(t *testing.T) []string {
		var bodies []string
		for _, req := range probes {
			req.token = globexAdmin
			r := s.do(t, req)
			r.wantError(t, http.StatusNotFound, "not_found")
			bodies = append(bodies, string(r.body))
		}
		return bodies
	}

	unknown := probe(t) // what globex hears about names nobody has
	hook := s.mustCreate(t, acmeAdmin, webhookRule("slack-webhook", slackURL)).rule(t)
	s.mustCreate(t, acmeAdmin, emailRule("security-team"))
	hook.Secret = ""
	taken := probe(t) // ... and about names acme has: the very same answers
	for i := range unknown {
		if taken[i] != unknown[i] {
			t.Errorf("%s %s tells another org the rule exists:\n%s\nvs an unknown name:\n%s",
				probes[i].method, probes[i].path, taken[i], unknown[i])
		}
	}
	if got := s.get(t, globexAdmin, notifications).names(t); len(got) != 0 {
		t.Errorf("globex lists acme's rules: %v", got)
	}
	if got := s.get(t, acmeAdmin, rulePath("slack-webhook")).rule(t); !reflect.DeepEqual(got, hook) {
		t.Errorf("globex's requests changed acme's rule:\n%+v\nwas\n%+v", got, hook)
	}

	// Names are per organization: globex can have its own slack-webhook.
	theirs := s.mustCreate(t, globexAdmin, webhookRule("slack-webhook", "https://hooks.slack.com/services/T999/B999/ZZZZZZZZZZZZZZZZ")).rule(t)
	acmeSecret := s.get(t, acmeAdmin, secretPath("slack-webhook")).object(t)["secret"]
	globexSecret := s.get(t, globexAdmin, secretPath("slack-webhook")).object(t)["secret"]
	if globexSecret != theirs.Secret || acmeSecret == globexSecret {
		t.Errorf("secrets mixed up between organizations: acme %v, globex %v (created %v)", acmeSecret, globexSecret, theirs.Secret)
	}
	if got := s.get(t, globexAdmin, notifications).names(t); !slices.Equal(got, []string{"slack-webhook"}) {
		t.Errorf("globex's list = %v", got)
	}
	if got := s.get(t, acmeAdmin, notifications).names(t); !slices.Equal(got, []string{"security-team", "slack-webhook"}) {
		t.Errorf("acme's list = %v", got)
	}
	s.del(t, globexAdmin, "slack-webhook").wantStatus(t, http.StatusNoContent)
	if got := s.get(t, acmeAdmin, rulePath("slack-webhook")).rule(t); !reflect.DeepEqual(got, hook) {
		t.Errorf("globex deleting its own rule touched acme's:\n%+v", got)
	}
}

func TestNotFound(t *testing.T) {
	s := newServer(t)
	s.mustCreate(t, acmeAdmin, emailRule("security-team"))
	for _, tc := range []struct {
		name    string
		invalid bool // not a name a rule can have: the document refuses it
	}{
		{"no-such-rule", false},
		{"Security-Team", true},
		{"security_team", true},
		{"security.team", true},
		{strings.Repeat("a", 65), true},
	} {
		for _, req := range []request{
			{method: http.MethodGet, path: rulePath(tc.name)},
			{method: http.MethodPatch, path: rulePath(tc.name), body: `{"enabled":false}`},
			{method: http.MethodDelete, path: rulePath(tc.name)},
			{method: http.MethodGet, path: secretPath(tc.name)},
		} {
			req.token, req.invalid = acmeAdmin, tc.invalid
			t.Run(req.method+" "+req.path, func(t *testing.T) {
				e := s.do(t, req).wantError(t, http.StatusNotFound, "not_found")
				if !strings.Contains(e.Message, fmt.Sprintf("%q", tc.name)) {
					t.Errorf("message %q does not name the rule", e.Message)
				}
			})
		}
	}

	// Requests for routes that don't exist get a JSON 404 too.
	for _, req := range []request{
		{method: http.MethodGet, path: "/v1/notification"},
		{method: http.MethodGet, path: "/v2/notifications"},
		{method: http.MethodDelete, path: "/v1/me"},
		{method: http.MethodPost, path: rulePath("security-team"), body: `{}`},
		{method: http.MethodPut, path: rulePath("security-team"), body: `{}`},
		{method: http.MethodGet, path: rulePath("security-team") + "/extra"},
	} {
		req.token = acmeAdmin
		t.Run("route "+req.method+" "+req.path, func(t *testing.T) {
			e := s.do(t, req).wantError(t, http.StatusNotFound, "not_found")
			if !strings.Contains(e.Message, "openapi.yaml") {
				t.Errorf("message %q should point to the API's description", e.Message)
			}
		})
	}
	if got := s.get(t, acmeAdmin, notifications).names(t); !slices.Equal(got, []string{"security-team"}) {
		t.Errorf("rules after 404s: %v", got)
	}
}

func TestBadRequests(t *testing.T) {
	s := newServer(t)
	email := s.mustCreate(t, acmeAdmin, emailRule("security-team")).rule(t)
	hook := s.mustCreate(t, acmeAdmin, webhookRule("slack-webhook", slackURL)).rule(t)
	email.Secret, hook.Secret = "", ""

	recipients := func(n int) string {
		var a []string
		for i := range n {
			a = append(a, fmt.Sprintf("%q", fmt.Sprintf("user%d@acme.test", i)))
		}
		return "[" + strings.Join(a, ",") + "]"
	}
	create := func(fields string) string {
		return `{"name":"new-rule",` + fields + `}`
	}
	const events = `"events":["login-failure"]`

	for _, tc := range []struct {
		what string
		req  request
		code string // bad_request unless a field is named
		// field is the field the error names, and says the message must contain
		field string
		says  []string
	}{
		// The body itself.
		{"malformed JSON", request{method: "POST", path: notifications, body: `{"name": "x",`, invalid: true},
			"bad_request", "", []string{"not valid JSON"}},
		{"not JSON at all", request{method: "POST", path: notifications, body: `name=x`, invalid: true},
			"bad_request", "", []string{"not valid JSON"}},
		{"empty body", request{method: "POST", path: notifications, contentType: "application/json", invalid: true},
			"bad_request", "", []string{"empty"}},
		{"not an object", request{method: "POST", path: notifications, body: `["slack-webhook"]`, invalid: true},
			"bad_request", "", []string{"JSON object"}},
		{"trailing data", request{method: "POST", path: notifications, body: emailRule("new-rule") + ` {"name":"again"}`},
			"bad_request", "", []string{"trailing data"}},
		{"not sent as JSON", request{method: "POST", path: notifications, body: emailRule("new-rule"), contentType: "text/plain", invalid: true},
			"bad_request", "", []string{"application/json", "text/plain"}},

		// Fields of a new rule.
		{"unknown field", request{method: "POST", path: notifications, body: create(`"type":"email",` + events + `,"email_recipients":["a@acme.test"],"colour":"red"`), invalid: true},
			"invalid_field", "colour", []string{"unknown field", allowedFields}},
		{"wrong type: enabled", request{method: "POST", path: notifications, body: create(`"type":"email","enabled":"yes",` + events + `,"email_recipients":["a@acme.test"]`), invalid: true},
			"invalid_field", "enabled", []string{"true or false", "string"}},
		{"wrong type: events", request{method: "POST", path: notifications, body: create(`"type":"email","events":"login-failure","email_recipients":["a@acme.test"]`), invalid: true},
			"invalid_field", "events", []string{"a list"}},
		{"wrong type: name", request{method: "POST", path: notifications, body: `{"name":42,"type":"email",` + events + `,"email_recipients":["a@acme.test"]}`, invalid: true},
			"invalid_field", "name", []string{"a string", "number"}},
		{"no name", request{method: "POST", path: notifications, body: `{"type":"email",` + events + `,"email_recipients":["a@acme.test"]}`, invalid: true},
			"invalid_field", "name", []string{"required"}},
		{"bad name", request{method: "POST", path: notifications, body: `{"name":"Slack Webhook","type":"email",` + events + `,"email_recipients":["a@acme.test"]}`, invalid: true},
			"invalid_field", "name", []string{"lowercase letters, digits and dashes"}},
		{"no type", request{method: "POST", path: notifications, body: create(events + `,"email_recipients":["a@acme.test"]`), invalid: true},
			"invalid_field", "type", []string{"required", `"email" or "webhook"`}},
		{"unknown type", request{method: "POST", path: notifications, body: create(`"type":"sms",` + events + `,"email_recipients":["a@acme.test"]`), invalid: true},
			"invalid_field", "type", []string{`"sms"`}},
		{"no events", request{method: "POST", path: notifications, body: create(`"type":"email","email_recipients":["a@acme.test"]`), invalid: true},
			"invalid_field", "events", []string{"at least one", allowedEvents}},
		{"unknown event", request{method: "POST", path: notifications, body: create(`"type":"email","events":["login-success","logout"],"email_recipients":["a@acme.test"]`), invalid: true},
			"invalid_field", "events", []string{`"logout"`, allowedEvents}},
		{"11 recipients", request{method: "POST", path: notifications, body: create(`"type":"email",` + events + `,"email_recipients":` + recipients(11)), invalid: true},
			"invalid_field", "email_recipients", []string{"at most 10"}},
		{"no recipients", request{method: "POST", path: notifications, body: create(`"type":"email",` + events), invalid: true},
			"invalid_field", "email_recipients", []string{"1 to 10"}},
		{"bad recipient", request{method: "POST", path: notifications, body: create(`"type":"email",` + events + `,"email_recipients":["Alice <alice@acme.test>"]`), invalid: true},
			"invalid_field", "email_recipients", []string{"not a valid email address"}},
		{"recipient twice, case aside", request{method: "POST", path: notifications, body: create(`"type":"email",` + events + `,"email_recipients":["Alice@acme.test","alice@acme.test"]`)},
			"invalid_field", "email_recipients", []string{"more than once"}},
		{"email rule with webhook_url", request{method: "POST", path: notifications, body: create(`"type":"email",` + events + `,"email_recipients":["a@acme.test"],"webhook_url":"` + slackURL + `"`), invalid: true},
			"invalid_field", "webhook_url", []string{"email rule"}},
		{"email rule with format", request{method: "POST", path: notifications, body: create(`"type":"email",` + events + `,"email_recipients":["a@acme.test"],"format":"slack"`), invalid: true},
			"invalid_field", "format", []string{"email rule"}},
		{"webhook rule with recipients", request{method: "POST", path: notifications, body: create(`"type":"webhook",` + events + `,"webhook_url":"` + slackURL + `","email_recipients":["a@acme.test"]`), invalid: true},
			"invalid_field", "email_recipients", []string{"webhook rule"}},
		{"webhook rule without URL", request{method: "POST", path: notifications, body: create(`"type":"webhook",` + events), invalid: true},
			"invalid_field", "webhook_url", []string{"required"}},
		{"http URL", request{method: "POST", path: notifications, body: create(`"type":"webhook",` + events + `,"webhook_url":"http://hooks.example.com/herald"`)},
			"invalid_field", "webhook_url", []string{"https"}},
		{"not a URL", request{method: "POST", path: notifications, body: create(`"type":"webhook",` + events + `,"webhook_url":"hooks.example.com/herald"`), invalid: true},
			"invalid_field", "webhook_url", []string{"absolute URL"}},
		{"ftp URL", request{method: "POST", path: notifications, body: create(`"type":"webhook",` + events + `,"webhook_url":"ftp://hooks.example.com/herald"`), invalid: true},
			"invalid_field", "webhook_url", []string{"https"}},
		{"URL with a password", request{method: "POST", path: notifications, body: create(`"type":"webhook",` + events + `,"webhook_url":"https://bot:hunter2@hooks.example.com/herald"`)},
			"invalid_field", "webhook_url", []string{"password"}},
		{"URL too long", request{method: "POST", path: notifications, body: create(`"type":"webhook",` + events + `,"webhook_url":"https://hooks.example.com/` + strings.Repeat("a", 2048) + `"`), invalid: true},
			"invalid_field", "webhook_url", []string{"2048"}},
		{"unknown format", request{method: "POST", path: notifications, body: create(`"type":"webhook",` + events + `,"webhook_url":"` + slackURL + `","format":"markdown"`), invalid: true},
			"invalid_field", "format", []string{`"markdown"`, "auto, generic, slack, teams, discord, googlechat"}},

		// Changes to a rule.
		{"patch: malformed JSON", request{method: "PATCH", path: rulePath("security-team"), body: `{"enabled":`, invalid: true},
			"bad_request", "", []string{"not valid JSON"}},
		{"patch: empty body", request{method: "PATCH", path: rulePath("security-team"), contentType: "application/json", invalid: true},
			"bad_request", "", []string{"empty"}},
		{"patch: unknown field", request{method: "PATCH", path: rulePath("security-team"), body: `{"recipients":["a@acme.test"]}`, invalid: true},
			"invalid_field", "recipients", []string{"unknown field", allowedFields}},
		{"patch: wrong type", request{method: "PATCH", path: rulePath("security-team"), body: `{"enabled":"yes"}`, invalid: true},
			"invalid_field", "enabled", []string{"true or false"}},
		{"patch: type change", request{method: "PATCH", path: rulePath("security-team"), body: `{"type":"webhook","webhook_url":"` + slackURL + `"}`},
			"invalid_field", "type", []string{"fixed at creation"}},
		{"patch: rename", request{method: "PATCH", path: rulePath("security-team"), body: `{"name":"blue-team"}`},
			"invalid_field", "name", []string{"renamed"}},
		{"patch: webhook_url on an email rule", request{method: "PATCH", path: rulePath("security-team"), body: `{"webhook_url":"` + slackURL + `"}`},
			"invalid_field", "webhook_url", []string{"email rule"}},
		{"patch: recipients on a webhook rule", request{method: "PATCH", path: rulePath("slack-webhook"), body: `{"email_recipients":["a@acme.test"]}`},
			"invalid_field", "email_recipients", []string{"webhook rule"}},
		{"patch: no events", request{method: "PATCH", path: rulePath("security-team"), body: `{"events":[]}`, invalid: true},
			"invalid_field", "events", []string{"at least one"}},
		{"patch: event twice", request{method: "PATCH", path: rulePath("security-team"), body: `{"events":["audit-events","audit-events"]}`, invalid: true},
			"invalid_field", "events", []string{"more than once"}},
		{"patch: 11 recipients", request{method: "PATCH", path: rulePath("security-team"), body: `{"email_recipients":` + recipients(11) + `}`, invalid: true},
			"invalid_field", "email_recipients", []string{"at most 10"}},
		{"patch: no recipients", request{method: "PATCH", path: rulePath("security-team"), body: `{"email_recipients":[]}`, invalid: true},
			"invalid_field", "email_recipients", []string{"1 to 10"}},
		{"patch: http URL", request{method: "PATCH", path: rulePath("slack-webhook"), body: `{"webhook_url":"http://hooks.example.com/herald"}`},
			"invalid_field", "webhook_url", []string{"https"}},
		{"patch: unknown format", request{method: "PATCH", path: rulePath("slack-webhook"), body: `{"format":"xml"}`, invalid: true},
			"invalid_field", "format", []string{`"xml"`}},

		// Only webhook rules have a secret.
		{"secret of an email rule", request{method: "GET", path: secretPath("security-team")},
			"not_a_webhook", "", []string{`"security-team"`, "email rule"}},
	} {
		t.Run(tc.what, func(t *testing.T) {
			tc.req.token = acmeAdmin
			e := s.do(t, tc.req).wantError(t, http.StatusBadRequest, tc.code)
			if e.Field != tc.field {
				t.Errorf("field = %q, want %q", e.Field, tc.field)
			}
			if tc.field != "" && !strings.HasPrefix(e.Message, tc.field+": ") {
				t.Errorf("message %q does not start with the field's name", e.Message)
			}
			for _, s := range tc.says {
				if !strings.Contains(e.Message, s) {
					t.Errorf("message %q does not say %q", e.Message, s)
				}
			}
		})
	}

	// Nothing was written.
	if got := s.get(t, acmeAdmin, notifications).names(t); !slices.Equal(got, []string{"security-team", "slack-webhook"}) {
		t.Errorf("rules after bad requests: %v", got)
	}
	if got := s.get(t, acmeAdmin, rulePath("security-team")).rule(t); !reflect.DeepEqual(got, email) {
		t.Errorf("bad requests changed the email rule:\n%+v\nwas\n%+v", got, email)
	}
	if got := s.get(t, acmeAdmin, rulePath("slack-webhook")).rule(t); !reflect.DeepEqual(got, hook) {
		t.Errorf("bad requests changed the webhook rule:\n%+v\nwas\n%+v", got, hook)
	}
}

func TestAllowHTTP(t *testing.T) {
	s := newServer(t, func(h *api.Handler, _ *store.Rules) { h.Policy = notification.Policy{AllowHTTP: true} })
	r := s.mustCreate(t, acmeAdmin, webhookRule("local-hook", "http://127.0.0.1:9000/herald"))
	if got := r.rule(t).WebhookURL; got != "http://127.0.0.1:9000/herald" {
		t.Errorf("webhook_url = %q", got)
	}
	s.patch(t, acmeAdmin, "local-hook", `{"webhook_url":"http://localhost:9001/herald"}`).wantStatus(t, http.StatusOK)
	// Only plain http joins https: other schemes are still refused.
	e := s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: notifications, body: webhookRule("ftp-hook", "ftp://127.0.0.1/herald"), invalid: true}).
		wantError(t, http.StatusBadRequest, "invalid_field")
	if e.Field != "webhook_url" {
		t.Errorf("field = %q", e.Field)
	}
}

func TestBodyTooLarge(t *testing.T) {
	s := newServer(t)
	s.mustCreate(t, acmeAdmin, webhookRule("slack-webhook", slackURL))
	pad := func(n int) string { return "https://hooks.example.com/" + strings.Repeat("a", n) }

	for _, req := range []request{
		{method: http.MethodPost, path: notifications, body: webhookRule("big-rule", pad(65<<10))},
		{method: http.MethodPatch, path: rulePath("slack-webhook"), body: `{"webhook_url":"` + pad(65<<10) + `"}`},
	} {
		req.token, req.invalid = acmeAdmin, true
		t.Run(req.method, func(t *testing.T) {
			e := s.do(t, req).wantError(t, http.StatusRequestEntityTooLarge, "payload_too_large")
			if !strings.Contains(e.Message, "64 KiB") {
				t.Errorf("message %q does not say the limit", e.Message)
			}
		})
	}

	// Just under the limit the body is read, and refused for what it says.
	body := webhookRule("big-rule", pad(api.MaxBodyBytes-200))
	if len(body) > api.MaxBodyBytes {
		t.Fatalf("body of %d bytes is over the limit", len(body))
	}
	e := s.do(t, request{token: acmeAdmin, method: http.MethodPost, path: notifications, body: body, invalid: true}).
		wantError(t, http.StatusBadRequest, "invalid_field")
	if e.Field != "webhook_url" {
		t.Errorf("field = %q, want webhook_url", e.Field)
	}
	if got := s.get(t, acmeAdmin, notifications).names(t); !slices.Equal(got, []string{"slack-webhook"}) {
		t.Errorf("rules after oversized requests: %v", got)
	}
	if got := s.get(t, acmeAdmin, rulePath("slack-webhook")).rule(t).WebhookURL; got != slackURL {
		t.Errorf("an oversized PATCH changed the URL to %.60q...", got)
	}
}

func TestDuplicateName(t *testing.T) {
	s := newServer(t)
	first := s.mustCreate(t, acmeAdmin, webhookRule("slack-webhook", slackURL)).rule(t)
	for _, body := range []string{
		webhookRule("slack-webhook", "https://hooks.slack.com/services/T111/B111/YYYYYYYYYYYYYYYY"),
		emailRule("slack-webhook"),
	} {
		e := s.post(t, acmeAdmin, body).wantError(t, http.StatusConflict, "already_exists")
		if !strings.Contains(e.Message, `"slack-webhook"`) {
			t.Errorf("message %q does not name the rule", e.Message)
		}
	}
	got := s.get(t, acmeAdmin, rulePath("slack-webhook")).rule(t)
	if got.WebhookURL != slackURL || got.Type != "webhook" {
		t.Errorf("a refused create changed the rule: %+v", got)
	}
	if sec := s.get(t, acmeAdmin, secretPath("slack-webhook")).object(t)["secret"]; sec != first.Secret {
		t.Errorf("a refused create changed the secret")
	}
}

func TestRuleLimit(t *testing.T) {
	// The store takes the limit; 3 keeps the test fast. The default is
	// notification.MaxRulesPerOrg (100); TestDefaultRuleLimit runs it.
	s := newServer(t, func(h *api.Handler, st *store.Rules) { st.Limit = 3 })
	for i := range 3 {
		s.mustCreate(t, acmeAdmin, emailRule(fmt.Sprintf("rule-%d", i)))
	}
	e := s.post(t, acmeAdmin, emailRule("rule-3")).wantError(t, http.StatusConflict, "limit_reached")
	if !strings.Contains(e.Message, "remove one") {
		t.Errorf("message %q does not say what to do", e.Message)
	}
	// A duplicate name is still reported as such at the limit.
	s.post(t, acmeAdmin, emailRule("rule-0")).wantError(t, http.StatusConflict, "already_exists")
	// The limit is per organization.
	s.mustCreate(t, globexAdmin, emailRule("rule-0"))
	// Removing one makes room for one.
	s.del(t, acmeAdmin, "rule-1").wantStatus(t, http.StatusNoContent)
	s.mustCreate(t, acmeAdmin, emailRule("rule-3"))
	s.post(t, acmeAdmin, emailRule("rule-4")).wantError(t, http.StatusConflict, "limit_reached")
	if got := s.get(t, acmeAdmin, notifications).names(t); !slices.Equal(got, []string{"rule-0", "rule-2", "rule-3"}) {
		t.Errorf("rules = %v", got)
	}
}

func TestDefaultRuleLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 100 rules")
	}
	if notification.MaxRulesPerOrg != 100 {
		t.Fatalf("MaxRulesPerOrg = %d; the issue says 100", notification.MaxRulesPerOrg)
	}
	s := newServer(t)
	for i := range notification.MaxRulesPerOrg {
		s.mustCreate(t, acmeAdmin, emailRule(fmt.Sprintf("rule-%03d", i)))
	}
	e := s.post(t, acmeAdmin, emailRule("rule-101")).wantError(t, http.StatusConflict, "limit_reached")
	if !strings.Contains(e.Message, "100") {
		t.Errorf("message %q does not say the limit", e.Message)
	}
	if n := len(s.get(t, acmeAdmin, notifications).list(t)); n != 100 {
		t.Errorf("list has %d rules, want 100", n)
	}
}

// racingRules is a store where someone else writes the rule between the handler's read and its
// write, once.
type racingRules struct {
	*store.Rules
	raced atomic.Bool
}

func (s *racingRules) Update(ctx context.Context, r *notification.Rule) error {
	if s.raced.CompareAndSwap(false, true) {
		other, err := s.Rules.Get(ctx, r.Org, r.Name)
		if err != nil {
			return err
		}
		other.Enabled = false
		other.UpdatedBy = "bob@acme.test"
		if err := s.Rules.Update(ctx, &other); err != nil {
			return err
		}
	}
	return s.Rules.Update(ctx, r)
}

func TestConcurrentUpdate(t *testing.T) {
	s := newServer(t, func(h *api.Handler, st *store.Rules) { h.Rules = &racingRules{Rules: st} })
	s.mustCreate(t, acmeAdmin, emailRule("security-team"))

	e := s.patch(t, acmeAdmin, "security-team", `{"events":["audit-events"]}`).wantError(t, http.StatusConflict, "conflict")
	if !strings.Contains(e.Message, `"security-team"`) || !strings.Contains(e.Message, "retry") {
		t.Errorf("message %q should name the rule and say to retry", e.Message)
	}
	// The other writer's change stands and ours was not half applied.
	got := s.get(t, acmeAdmin, rulePath("security-team")).rule(t)
	if got.Enabled || got.UpdatedBy != "bob@acme.test" || !slices.Equal(got.Events, []string{"login-failure", "audit-events"}) {
		t.Errorf("after the conflict: %+v", got)
	}
	// Retrying works on the fresh version.
	r := s.patch(t, acmeAdmin, "security-team", `{"events":["audit-events"]}`)
	r.wantStatus(t, http.StatusOK)
	if got := r.rule(t); got.Enabled || !slices.Equal(got.Events, []string{"audit-events"}) {
		t.Errorf("after the retry: %+v", got)
	}
}

// brokenRules is a store whose every call fails with an error that must not reach the caller.
type brokenRules struct{}

const leak = "dial tcp 10.0.12.7:443: i/o timeout (RequestID DDB-LEAK-7F3A)"

var errBroken = errors.New(leak)

func (brokenRules) Create(context.Context, notification.Rule) error {
	return fmt.Errorf("store: create: %w", errBroken)
}
func (brokenRules) Get(context.Context, string, string) (notification.Rule, error) {
	return notification.Rule{}, fmt.Errorf("store: get: %w", errBroken)
}
func (brokenRules) List(context.Context, string) ([]notification.Rule, error) {
	return nil, fmt.Errorf("store: list: %w", errBroken)
}
func (brokenRules) Update(context.Context, *notification.Rule) error {
	return fmt.Errorf("store: update: %w", errBroken)
}
func (brokenRules) Delete(context.Context, string, string) (notification.Rule, error) {
	return notification.Rule{}, fmt.Errorf("store: delete: %w", errBroken)
}

func TestInternalErrors(t *testing.T) {
	s := newServer(t, func(h *api.Handler, _ *store.Rules) { h.Rules = brokenRules{} })
	reqs := []request{
		{method: http.MethodGet, path: notifications},
		{method: http.MethodPost, path: notifications, body: emailRule("security-team")},
		{method: http.MethodGet, path: rulePath("security-team")},
		{method: http.MethodPatch, path: rulePath("security-team"), body: `{"enabled":false}`},
		{method: http.MethodDelete, path: rulePath("security-team")},
		{method: http.MethodGet, path: secretPath("security-team")},
		{method: http.MethodPost, path: rulePath("security-team") + "/test"},
		{method: http.MethodPost, path: deliveriesPath("security-team") + "/dlv_1/redeliver"},
		{method: http.MethodPost, path: rulePath("security-team") + "/rotate-secret"},
	}
	for _, req := range reqs {
		req.token = acmeAdmin
		t.Run(req.method+" "+req.path, func(t *testing.T) {
			r := s.do(t, req)
			r.wantError(t, http.StatusInternalServerError, "internal")
			if strings.Contains(string(r.body), "DDB-LEAK") || strings.Contains(string(r.body), "10.0.12.7") || strings.Contains(string(r.body), "store:") {
				t.Errorf("the 500 body leaks the cause: %s", r.body)
			}
		})
	}
	// The cause is logged, once per request, for the operators.
	s.Close()
	if n := strings.Count(s.log.String(), "DDB-LEAK-7F3A"); n != len(reqs) {
		t.Errorf("the cause is logged %d times for %d failed requests:\n%s", n, len(reqs), s.log)
	}

	// A failure to make a signing secret is ours too.
	s = newServer(t, func(h *api.Handler, _ *store.Rules) {
		h.NewSecret = func() (string, error) { return "", errors.New("crypto/rand: entropy exhausted LEAK") }
	})
	r := s.post(t, acmeAdmin, webhookRule("slack-webhook", slackURL))
	r.wantError(t, http.StatusInternalServerError, "internal")
	if strings.Contains(string(r.body), "LEAK") {
		t.Errorf("the 500 body leaks the cause: %s", r.body)
	}
	s.get(t, acmeAdmin, rulePath("slack-webhook")).wantError(t, http.StatusNotFound, "not_found")
}

func TestSecretsStayOutOfLogs(t *testing.T) {
	s := newServer(t)
	hook := s.mustCreate(t, acmeAdmin, webhookRule("slack-webhook", slackURL)).rule(t)
	generic := s.mustCreate(t, acmeAdmin, webhookRule("generic-hook", genericURL)).rule(t)
	s.get(t, acmeAdmin, notifications)
	s.get(t, acmeAdmin, rulePath("slack-webhook"))
	s.get(t, acmeAdmin, secretPath("slack-webhook"))
	s.patch(t, acmeAdmin, "slack-webhook", `{"webhook_url":"https://hooks.slack.com/services/T111/B111/YYYYYYYYYYYYYYYY"}`)
	s.patch(t, acmeAdmin, "generic-hook", `{"webhook_url":"http://hooks.example.com/herald?token=s3cr3t-query-t0ken"}`) // refused
	s.post(t, acmeAdmin, webhookRule("slack-webhook", slackURL))                                                        // exists
	s.del(t, acmeAdmin, "slack-webhook")
	s.Close() // every request has been logged

	log := s.log.String()
	for _, secret := range []string{hook.Secret, generic.Secret, slackToken, "YYYYYYYYYYYYYYYY", genericToken, "whsec_"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q:\n%s", secret, log)
		}
	}
	// One JSON line per request, with its outcome.
	lines := strings.Split(strings.TrimSpace(log), "\n")
	if len(lines) != 9 {
		t.Errorf("%d log lines for 9 requests:\n%s", len(lines), log)
	}
	for _, line := range lines {
		var rec struct {
			Msg    string `json:"msg"`
			Status int    `json:"status"`
			Path   string `json:"path"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Msg != "request" || rec.Status == 0 || rec.Path == "" {
			t.Errorf("log line %s is not a request record (%v)", line, err)
		}
	}
}

func TestCustomClaimNames(t *testing.T) {
	s := newServer(t, func(h *api.Handler, _ *store.Rules) {
		h.Claims = auth.Claims{Org: "https://acme.test/org", Role: "https://acme.test/role"}
	})
	me := s.get(t, customClaims, "/v1/me")
	me.wantStatus(t, http.StatusOK)
	if got := me.object(t); got["org_id"] != "org_acme" || got["role"] != "admin" {
		t.Errorf("me = %v", got)
	}
	s.mustCreate(t, customClaims, emailRule("security-team"))
	// The default claim names mean nothing to this deployment.
	e := s.get(t, acmeAdmin, notifications).wantError(t, http.StatusUnauthorized, "unauthorized")
	if !strings.Contains(e.Message, `"https://acme.test/org"`) {
		t.Errorf("message %q does not name the claim the deployment reads", e.Message)
	}
}
