package sender

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/heraldhq/herald/shared/audit"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/store"
	"github.com/heraldhq/herald/shared/topology"
	"github.com/heraldhq/herald/shared/webhook"
)

// Fakes for this package's unit tests; package localstack runs the senders against the emulator.
type fakeRules map[string]notification.Rule

func (f fakeRules) Get(_ context.Context, org, name string) (notification.Rule, error) {
	r, ok := f[name]
	if !ok {
		return notification.Rule{}, store.ErrNotFound
	}
	return r, nil
}

type fakeClaims struct {
	mu      sync.Mutex
	claimed map[string]bool
	settled map[string]delivery.Outcome
}

func (f *fakeClaims) Claim(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.claimed[id] {
		return delivery.ErrClaimed
	}
	f.claimed[id] = true
	return nil
}

func (f *fakeClaims) Settle(_ context.Context, id string, o delivery.Outcome) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settled[id] = o
	if o == delivery.Retrying || o == delivery.Exhausted {
		delete(f.claimed, id)
	}
	return nil
}

type fakeLog struct {
	mu       sync.Mutex
	entries  []delivery.Entry
	attempts map[string]int
	failures int
}

func (f *fakeLog) Begin(_ context.Context, org, rule, id string, _ event.Event) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.attempts == nil {
		f.attempts = map[string]int{}
	}
	f.attempts[id]++
	return f.attempts[id], nil
}

func (f *fakeLog) Keep(context.Context, string, string, string, event.Event) error { return nil }

func (f *fakeLog) FinalFailure(context.Context, string, string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures++
	return f.failures, nil
}

func (f *fakeLog) Healthy(context.Context, string, string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = 0
	return nil
}

func (f *fakeLog) Record(_ context.Context, e delivery.Entry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries = append(f.entries, e)
	return nil
}

type fakeDeliverer struct{ attempt delivery.Attempt }

func (f fakeDeliverer) Deliver(context.Context, notification.Rule, delivery.Job) delivery.Attempt {
	return f.attempt
}

type fakeQueue struct {
	mu     sync.Mutex
	delays []int32
}

func (f *fakeQueue) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delays = append(f.delays, in.VisibilityTimeout)
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

func msg(t *testing.T, id, rule string, receive int) events.SQSMessage {
	b, err := json.Marshal(delivery.Job{ID: "dlv_" + id, Org: "org_a", Rule: rule, Type: notification.Webhook,
		Event: event.Event{Type: event.LoginFailure, ID: "evt_" + id, Org: "org_a"}})
	if err != nil {
		t.Fatal(err)
	}
	return events.SQSMessage{MessageId: id, ReceiptHandle: "rh-" + id, Body: string(b),
		Attributes: map[string]string{"ApproximateReceiveCount": strconv.Itoa(receive)}}
}

func TestRetryScheduleMatchesRedrive(t *testing.T) {
	if webhook.MaxAttempts != topology.MaxReceiveCount {
		t.Fatalf("the sender tries %d times but the queue redrives after %d receives", webhook.MaxAttempts, topology.MaxReceiveCount)
	}
}

func TestHandle(t *testing.T) {
	enabled := notification.Rule{Org: "org_a", Name: "hook", Type: notification.Webhook, Enabled: true}
	disabled := enabled
	disabled.Name, disabled.Enabled = "off", false
	email := enabled
	email.Name, email.Type = "mail", notification.Email
	rules := fakeRules{"hook": enabled, "off": disabled, "mail": email}

	tests := []struct {
		name        string
		msg         events.SQSMessage
		attempt     delivery.Attempt
		wantFailed  bool
		wantOutcome delivery.Outcome // "" means nothing logged
		wantDelay   int32            // visibility set for a retry; 0 means none
	}{
		{"delivered", msg(t, "1", "hook", 1), delivery.Attempt{Outcome: delivery.Delivered, Status: 200}, false, delivery.Delivered, 0},
		{"final failure", msg(t, "2", "hook", 1), delivery.Attempt{Outcome: delivery.Failed, Status: 400}, false, delivery.Failed, 0},
		{"retry first", msg(t, "3", "hook", 1), delivery.Attempt{Outcome: delivery.Retrying, Status: 503}, true, delivery.Retrying, 5},
		{"retry third", msg(t, "4", "hook", 3), delivery.Attempt{Outcome: delivery.Retrying, Status: 503}, true, delivery.Retrying, 120},
		{"retry-after honoured", msg(t, "5", "hook", 1), delivery.Attempt{Outcome: delivery.Retrying, Status: 429, RetryAfter: 90 * time.Second}, true, delivery.Retrying, 90},
		{"last try exhausted", msg(t, "6", "hook", topology.MaxReceiveCount), delivery.Attempt{Outcome: delivery.Retrying, Status: 503}, true, delivery.Exhausted, 0},
		{"deleted rule skipped", msg(t, "7", "gone", 1), delivery.Attempt{Outcome: delivery.Delivered}, false, delivery.Skipped, 0},
		{"disabled rule skipped", msg(t, "8", "off", 1), delivery.Attempt{Outcome: delivery.Delivered}, false, delivery.Skipped, 0},
		{"rule of the other type skipped", msg(t, "9", "mail", 1), delivery.Attempt{Outcome: delivery.Delivered}, false, delivery.Skipped, 0},
		{"malformed dropped", events.SQSMessage{MessageId: "10", Body: "{not json"}, delivery.Attempt{}, false, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, q := &fakeLog{}, &fakeQueue{}
			h := &Handler{Type: notification.Webhook, Rules: rules, Log: log, Queue: q, QueueURL: "q",
				Claims:    &fakeClaims{claimed: map[string]bool{}, settled: map[string]delivery.Outcome{}},
				Deliverer: fakeDeliverer{tt.attempt}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			resp, err := h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{tt.msg}})
			if err != nil {
				t.Fatal(err)
			}
			if failed := len(resp.BatchItemFailures) == 1; failed != tt.wantFailed {
				t.Errorf("batch item failure = %v, want %v", failed, tt.wantFailed)
			}
			switch {
			case tt.wantOutcome == "" && len(log.entries) != 0:
				t.Errorf("logged %+v, want nothing", log.entries)
			case tt.wantOutcome != "" && (len(log.entries) != 1 || log.entries[0].Outcome != tt.wantOutcome):
				t.Errorf("logged %+v, want one %s entry", log.entries, tt.wantOutcome)
			}
			if tt.wantDelay == 0 && len(q.delays) != 0 || tt.wantDelay != 0 && (len(q.delays) != 1 || q.delays[0] != tt.wantDelay) {
				t.Errorf("visibility changes = %v, want %d", q.delays, tt.wantDelay)
			}
		})
	}
}

func TestDuplicateInOneBatch(t *testing.T) {
	log := &fakeLog{}
	var mu sync.Mutex
	sent := 0
	h := &Handler{Type: notification.Webhook, Log: log, Queue: &fakeQueue{}, QueueURL: "q",
		Rules:  fakeRules{"hook": {Name: "hook", Type: notification.Webhook, Enabled: true}},
		Claims: &fakeClaims{claimed: map[string]bool{}, settled: map[string]delivery.Outcome{}},
		Deliverer: delivererFunc(func() delivery.Attempt {
			mu.Lock()
			sent++
			mu.Unlock()
			return delivery.Attempt{Outcome: delivery.Delivered}
		}), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	a, b := msg(t, "1", "hook", 1), msg(t, "1", "hook", 1)
	b.MessageId = "other"
	resp, _ := h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{a, b}})
	if sent != 1 || len(resp.BatchItemFailures) != 0 {
		t.Errorf("sent %d times with failures %v, want once and none", sent, resp.BatchItemFailures)
	}
}

type delivererFunc func() delivery.Attempt

func (f delivererFunc) Deliver(context.Context, notification.Rule, delivery.Job) delivery.Attempt {
	return f()
}

type fakeDisabler struct{ disabled []string }

func (f *fakeDisabler) Disable(_ context.Context, org, name, reason, actor string, now time.Time) (notification.Rule, error) {
	f.disabled = append(f.disabled, name)
	return notification.Rule{Org: org, Name: name, Type: notification.Webhook, DisabledReason: reason}, nil
}

type fakePublisher struct{ events []event.Event }

func (f *fakePublisher) Publish(_ context.Context, ev event.Event) error {
	f.events = append(f.events, ev)
	return nil
}

func TestAutoDisableAfterFiveFinalFailures(t *testing.T) {
	log, dis, pub := &fakeLog{}, &fakeDisabler{}, &fakePublisher{}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	attempt := delivery.Attempt{Outcome: delivery.Failed, Status: 410}
	h := &Handler{Type: notification.Webhook, Log: log, Queue: &fakeQueue{}, QueueURL: "q",
		Rules:    fakeRules{"hook": {Org: "org_a", Name: "hook", Type: notification.Webhook, Enabled: true}},
		Claims:   &fakeClaims{claimed: map[string]bool{}, settled: map[string]delivery.Outcome{}},
		Disabler: dis, Audit: &audit.Trail{Publisher: pub, Log: quiet},
		Deliverer: delivererFunc(func() delivery.Attempt { return attempt }), Logger: quiet}
	send := func(i int) {
		h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{msg(t, strconv.Itoa(i), "hook", 1)}})
	}
	for i := range AutoDisableAfter - 1 {
		send(i)
	}
	attempt = delivery.Attempt{Outcome: delivery.Delivered, Status: 200} // a success resets the run
	send(100)
	attempt = delivery.Attempt{Outcome: delivery.Failed, Status: 410}
	for i := range AutoDisableAfter - 1 {
		send(200 + i)
	}
	if len(dis.disabled) != 0 {
		t.Fatalf("disabled after %d failures in a row", AutoDisableAfter-1)
	}
	send(300)
	if len(dis.disabled) != 1 || dis.disabled[0] != "hook" {
		t.Fatalf("disabled = %v, want the rule after %d failures in a row", dis.disabled, AutoDisableAfter)
	}
	if len(pub.events) != 1 || pub.events[0].Action != audit.AutoDisabled || pub.events[0].Actor.ID != "herald" || pub.events[0].Target.Name != "hook" {
		t.Errorf("audit events = %+v", pub.events)
	}
}

func TestPlatformFailuresNeverDisable(t *testing.T) {
	log, dis := &fakeLog{}, &fakeDisabler{}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := &Handler{Type: notification.Email, Log: log, Queue: &fakeQueue{}, QueueURL: "q",
		Rules:     fakeRules{"mail": {Org: "org_a", Name: "mail", Type: notification.Email, Enabled: true}},
		Claims:    &fakeClaims{claimed: map[string]bool{}, settled: map[string]delivery.Outcome{}},
		Disabler:  dis,
		Deliverer: fakeDeliverer{delivery.Attempt{Outcome: delivery.Failed, Error: "no sender address", Platform: true}},
		Logger:    quiet}
	for i := range 2 * AutoDisableAfter {
		h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{msg(t, strconv.Itoa(i), "mail", 1)}})
	}
	if len(dis.disabled) != 0 || log.failures != 0 {
		t.Errorf("deployment failures counted against the rule: %d failures, disabled %v", log.failures, dis.disabled)
	}
}
