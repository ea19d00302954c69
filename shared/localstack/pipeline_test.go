package localstack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	svix "github.com/svix/svix-webhooks/go"

	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/motoserver"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/store"
	"github.com/heraldhq/herald/shared/topology"
	"github.com/heraldhq/herald/shared/webhook"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// stack is a running local Herald for one test.
type stack struct {
	*Stack
	rules *store.Rules
	log   *delivery.Log
	eb    *eventbridge.Client
	logs  *bytes.Buffer
}

func startStack(t *testing.T, allowPrivate bool) *stack {
	t.Helper()
	cfg := awstest.Config(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&syncWriter{w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Provision(ctx, cfg, Options{
		Names:        topology.DefaultNames().WithSuffix(awstest.Name("")),
		AllowPrivate: allowPrivate,
		Log:          log,
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("stack logs:\n%s", logs.String())
		}
	})
	db := dynamodb.NewFromConfig(cfg)
	return &stack{
		Stack: s,
		rules: &store.Rules{DB: db, Table: s.Resources.Names.Table},
		log:   &delivery.Log{DB: db, Table: s.Resources.Names.Table},
		eb:    eventbridge.NewFromConfig(cfg),
		logs:  &logs,
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}

func (s *stack) addRule(t *testing.T, r notification.Rule) notification.Rule {
	t.Helper()
	now := time.Now().UTC()
	r.CreatedAt, r.UpdatedAt, r.Version = now, now, 1
	if r.Type == notification.Webhook && r.Secret == "" {
		var err error
		if r.Secret, err = webhook.NewSecret(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.rules.Create(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

// publish puts a login or audit event on the bus, as a producer would.
func (s *stack) publish(t *testing.T, typ event.Type, org, eventID string) {
	t.Helper()
	detail := map[string]any{
		"org_id": org, "event_id": eventID, "occurred_at": "2026-12-03T10:15:00Z",
		"user":   map[string]string{"id": "u_123", "email": "alice@acme.test", "name": "Alice"},
		"socket": map[string]string{"name": "prod-db", "type": "database"},
		"client": map[string]string{"ip": "203.0.113.7", "user_agent": "border0-cli/1.2", "location": "Lisbon, PT"},
	}
	if typ == event.LoginFailure {
		detail["reason"] = "MFA challenge failed"
	}
	b, _ := json.Marshal(detail)
	out, err := s.eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String(s.Resources.Names.Bus),
		Source:       aws.String("acme.access"),
		DetailType:   aws.String(typ.DetailType()),
		Detail:       aws.String(string(b)),
	}}})
	if err != nil || out.FailedEntryCount > 0 {
		t.Fatalf("PutEvents: %v %+v", err, out)
	}
}

// deliveries waits until rule's delivery log satisfies ok, and returns it.
func (s *stack) deliveries(t *testing.T, org, rule string, ok func([]delivery.Entry) bool) []delivery.Entry {
	t.Helper()
	var entries []delivery.Entry
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		var err error
		entries, _, err = s.log.List(context.Background(), org, rule, 50, "")
		if err != nil {
			t.Fatal(err)
		}
		if ok(entries) {
			return entries
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("delivery log of %s/%s never got there; last: %+v", org, rule, entries)
	return nil
}

func count(entries []delivery.Entry, o delivery.Outcome) int {
	n := 0
	for _, e := range entries {
		if e.Outcome == o {
			n++
		}
	}
	return n
}

// receiver is a webhook endpoint that answers with the given statuses in turn (then 200) and
// keeps what it got.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []received
}

type received struct {
	header http.Header
	body   []byte
	status int
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	rc := &receiver{statuses: statuses}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		status := http.StatusOK
		if len(rc.got) < len(rc.statuses) {
			status = rc.statuses[len(rc.got)]
		}
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: b, status: status})
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func verify(t *testing.T, secret string, r received) {
	t.Helper()
	wh, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(r.body, r.header); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
}

func webhookRule(org, name, url string, f notification.Format, evs ...event.Type) notification.Rule {
	return notification.Rule{Org: org, Name: name, Type: notification.Webhook, Enabled: true,
		Events: evs, WebhookURL: url, Format: f}
}

func TestPipeline(t *testing.T) {
	s := startStack(t, true)

	t.Run("slack and generic webhooks, signed", func(t *testing.T) {
		t.Parallel()
		org := awstest.Name("org")
		slack, generic := newReceiver(t), newReceiver(t)
		sr := s.addRule(t, webhookRule(org, "slack", slack.URL+"/services/T1/B1/x", notification.FormatSlack, event.LoginFailure))
		gr := s.addRule(t, webhookRule(org, "generic", generic.URL, notification.FormatAuto, event.LoginFailure, event.LoginSuccess))
		s.publish(t, event.LoginFailure, org, "evt_fail_1")
		s.deliveries(t, org, "slack", func(e []delivery.Entry) bool { return count(e, delivery.Delivered) == 1 })
		s.deliveries(t, org, "generic", func(e []delivery.Entry) bool { return count(e, delivery.Delivered) == 1 })

		got := slack.requests()
		if len(got) != 1 {
			t.Fatalf("slack receiver got %d requests, want 1", len(got))
		}
		verify(t, sr.Secret, got[0])
		var msg struct {
			Text   string           `json:"text"`
			Blocks []map[string]any `json:"blocks"`
		}
		if err := json.Unmarshal(got[0].body, &msg); err != nil {
			t.Fatal(err)
		}
		if msg.Text != "Failed login: alice@acme.test → prod-db" || len(msg.Blocks) == 0 || msg.Blocks[0]["type"] != "header" {
			t.Errorf("slack message = %s", got[0].body)
		}
		if !strings.Contains(string(got[0].body), "MFA challenge failed") {
			t.Error("slack message lacks the failure reason")
		}
		if id := got[0].header.Get("webhook-id"); id != delivery.ID(org, "evt_fail_1", "slack") {
			t.Errorf("webhook-id = %q, want the delivery id", id)
		}
		if ua := got[0].header.Get("User-Agent"); !strings.Contains(ua, "Herald") {
			t.Errorf("User-Agent = %q", ua)
		}

		gen := generic.requests()
		if len(gen) != 1 {
			t.Fatalf("generic receiver got %d requests, want 1", len(gen))
		}
		verify(t, gr.Secret, gen[0])
		var body struct {
			Type, ID, Organization, Notification string
			Data                                 event.Event
		}
		if err := json.Unmarshal(gen[0].body, &body); err != nil {
			t.Fatal(err)
		}
		if body.Type != "login-failure" || body.Organization != org || body.Notification != "generic" ||
			body.Data.ID != "evt_fail_1" || body.Data.Reason != "MFA challenge failed" || body.Data.User.Email != "alice@acme.test" {
			t.Errorf("generic body = %s", gen[0].body)
		}
	})

	t.Run("email through SES", func(t *testing.T) {
		t.Parallel()
		org := awstest.Name("org")
		to := []string{org + "-sec@acme.test", org + "-ops@acme.test"}
		s.addRule(t, notification.Rule{Org: org, Name: "mail", Type: notification.Email, Enabled: true,
			Events: []event.Type{event.LoginFailure}, EmailRecipients: to})
		s.publish(t, event.LoginFailure, org, "evt_mail_1")
		entries := s.deliveries(t, org, "mail", func(e []delivery.Entry) bool { return count(e, delivery.Delivered) == 1 })
		if entries[0].MessageID == "" {
			t.Error("the delivery log has no SES message id")
		}
		msg := sentEmail(t, to[0])
		if fmt.Sprint(msg.To()) != fmt.Sprint(to) {
			t.Errorf("recipients = %v, want %v", msg.To(), to)
		}
		if msg.Subject != "Failed login: alice@acme.test → prod-db" {
			t.Errorf("subject = %q", msg.Subject)
		}
	})

	t.Run("500 then 200 is delivered exactly once", func(t *testing.T) {
		t.Parallel()
		org := awstest.Name("org")
		rc := newReceiver(t, http.StatusInternalServerError)
		r := s.addRule(t, webhookRule(org, "flaky", rc.URL, notification.FormatGeneric, event.LoginSuccess))
		s.publish(t, event.LoginSuccess, org, "evt_flaky")
		entries := s.deliveries(t, org, "flaky", func(e []delivery.Entry) bool { return count(e, delivery.Delivered) == 1 })
		if count(entries, delivery.Retrying) != 1 {
			t.Errorf("want one retrying attempt before delivery, got %+v", entries)
		}
		got := rc.requests()
		if len(got) != 2 || got[0].status != 500 || got[1].status != 200 {
			t.Fatalf("receiver got %d requests, want a 500 then a 200", len(got))
		}
		if got[0].header.Get("webhook-id") != got[1].header.Get("webhook-id") {
			t.Error("the retry has another webhook-id")
		}
		verify(t, r.Secret, got[1])
		time.Sleep(6 * time.Second) // past the first backoff step: nothing more may come
		if n := len(rc.requests()); n != 2 {
			t.Errorf("receiver got %d requests after delivery, want 2", n)
		}
	})

	t.Run("400 is a final failure, not retried", func(t *testing.T) {
		t.Parallel()
		org := awstest.Name("org")
		rc := newReceiver(t, http.StatusBadRequest, http.StatusBadRequest)
		s.addRule(t, webhookRule(org, "broken", rc.URL, notification.FormatGeneric, event.Audit))
		s.publish(t, event.Audit, org, "evt_400")
		entries := s.deliveries(t, org, "broken", func(e []delivery.Entry) bool { return count(e, delivery.Failed) == 1 })
		if entries[0].Status != 400 || !strings.Contains(entries[0].Error, "400") {
			t.Errorf("failed entry = %+v, want status 400 and a reason", entries[0])
		}
		time.Sleep(6 * time.Second)
		if n := len(rc.requests()); n != 1 {
			t.Errorf("receiver got %d requests, want 1 (no retry)", n)
		}
	})

	t.Run("the same event twice is delivered once", func(t *testing.T) {
		t.Parallel()
		org := awstest.Name("org")
		rc := newReceiver(t)
		s.addRule(t, webhookRule(org, "once", rc.URL, notification.FormatGeneric, event.LoginSuccess))
		s.publish(t, event.LoginSuccess, org, "evt_twice")
		s.publish(t, event.LoginSuccess, org, "evt_twice")
		s.deliveries(t, org, "once", func(e []delivery.Entry) bool {
			return count(e, delivery.Delivered) == 1 && count(e, delivery.Duplicate) == 1
		})
		if n := len(rc.requests()); n != 1 {
			t.Errorf("receiver got %d requests, want 1", n)
		}
	})

	t.Run("a disabled rule gets nothing", func(t *testing.T) {
		t.Parallel()
		org := awstest.Name("org")
		off, on := newReceiver(t), newReceiver(t)
		r := webhookRule(org, "off", off.URL, notification.FormatGeneric, event.LoginSuccess)
		r.Enabled = false
		s.addRule(t, r)
		s.addRule(t, webhookRule(org, "on", on.URL, notification.FormatGeneric, event.LoginSuccess))
		s.publish(t, event.LoginSuccess, org, "evt_disabled")
		s.deliveries(t, org, "on", func(e []delivery.Entry) bool { return count(e, delivery.Delivered) == 1 })
		if n := len(off.requests()); n != 0 {
			t.Errorf("disabled rule's receiver got %d requests", n)
		}
		if e, _, _ := s.log.List(context.Background(), org, "off", 10, ""); len(e) != 0 {
			t.Errorf("disabled rule has delivery log entries: %+v", e)
		}
	})
}

func TestPrivateAddressRefused(t *testing.T) {
	s := startStack(t, false)
	org := awstest.Name("org")
	rc := newReceiver(t) // on 127.0.0.1
	s.addRule(t, webhookRule(org, "loopback", rc.URL, notification.FormatGeneric, event.LoginSuccess))
	s.publish(t, event.LoginSuccess, org, "evt_loopback")
	entries := s.deliveries(t, org, "loopback", func(e []delivery.Entry) bool { return count(e, delivery.Failed) == 1 })
	if !strings.Contains(entries[0].Error, "blocked address") {
		t.Errorf("error = %q, want it to say blocked address", entries[0].Error)
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("the loopback receiver got %d requests", n)
	}
}

// sentEmail finds the message moto's SES sent to recipient.
func sentEmail(t *testing.T, recipient string) motoserver.SentEmail {
	t.Helper()
	msgs, err := motoserver.SentEmails(context.Background(), os.Getenv("AWS_ENDPOINT_URL"), recipient)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("moto's SES sent %d emails to %s, want 1", len(msgs), recipient)
	}
	return msgs[0]
}
