package matcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
)

// fakeRules and fakeQueue stand in for DynamoDB and SQS in this package's unit tests; the
// end-to-end tests in package localstack run the matcher against the emulator.
type fakeRules struct {
	rules []notification.Rule
	calls int
	err   error
}

func (f *fakeRules) List(_ context.Context, org string) ([]notification.Rule, error) {
	f.calls++
	return f.rules, f.err
}

type fakeQueue struct {
	sent    map[string][]delivery.Job
	calls   int
	refuse  int // refuse the first entry of this many calls
	lastErr error
}

func (f *fakeQueue) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	f.calls++
	if f.lastErr != nil {
		return nil, f.lastErr
	}
	if len(in.Entries) > 10 {
		return nil, errors.New("too many entries in one batch")
	}
	out := &sqs.SendMessageBatchOutput{}
	for i, e := range in.Entries {
		if i == 0 && f.refuse > 0 {
			f.refuse--
			out.Failed = append(out.Failed, sqstypes.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), Message: aws.String("try again")})
			continue
		}
		var j delivery.Job
		if err := json.Unmarshal([]byte(aws.ToString(e.MessageBody)), &j); err != nil {
			return nil, err
		}
		if f.sent == nil {
			f.sent = map[string][]delivery.Job{}
		}
		f.sent[aws.ToString(in.QueueUrl)] = append(f.sent[aws.ToString(in.QueueUrl)], j)
	}
	return out, nil
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func ebEvent(detailType, detail string) events.EventBridgeEvent {
	return events.EventBridgeEvent{ID: "eb-1", DetailType: detailType, Source: "acme", Time: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), Detail: json.RawMessage(detail)}
}

func rules(n int) []notification.Rule {
	out := make([]notification.Rule, n)
	for i := range out {
		r := notification.Rule{Org: "org_a", Name: fmt.Sprintf("rule-%03d", i), Enabled: true, Type: notification.Webhook,
			Events: []event.Type{event.LoginFailure}, WebhookURL: "https://x.test/" + strconv.Itoa(i)}
		if i%2 == 0 {
			r.Type, r.WebhookURL, r.EmailRecipients = notification.Email, "", []string{"a@acme.test"}
		}
		if i%3 == 0 {
			r.Events = append(r.Events, event.LoginSuccess)
		}
		out[i] = r
	}
	return out
}

func TestHandle(t *testing.T) {
	rs := rules(6)
	rs[1].Enabled = false
	tests := []struct {
		name                string
		detailType, detail  string
		wantEmail, wantHook []string
		wantCalls           int
	}{
		{"failure matches all enabled", event.DetailLoginFailed, `{"org_id":"org_a","event_id":"e1"}`,
			[]string{"rule-000", "rule-002", "rule-004"}, []string{"rule-003", "rule-005"}, 2},
		{"success matches subscribers", event.DetailLoginSucceeded, `{"org_id":"org_a","event_id":"e2"}`,
			[]string{"rule-000"}, []string{"rule-003"}, 2},
		{"no match, no SQS call", event.DetailAuditEvent, `{"org_id":"org_a","event_id":"e3"}`, nil, nil, 0},
		{"unknown detail-type dropped", "Logout", `{"org_id":"org_a"}`, nil, nil, 0},
		{"missing org dropped", event.DetailLoginFailed, `{"event_id":"e4"}`, nil, nil, 0},
		{"garbage detail dropped", event.DetailLoginFailed, `[1,2]`, nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &fakeQueue{}
			h := &Handler{Rules: &fakeRules{rules: rs}, Queue: q, EmailQueueURL: "email", WebhookQueueURL: "hook", Log: quiet}
			if err := h.Handle(context.Background(), ebEvent(tt.detailType, tt.detail)); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			names := func(jobs []delivery.Job) []string {
				var s []string
				for _, j := range jobs {
					s = append(s, j.Rule)
				}
				return s
			}
			if fmt.Sprint(names(q.sent["email"])) != fmt.Sprint(tt.wantEmail) || fmt.Sprint(names(q.sent["hook"])) != fmt.Sprint(tt.wantHook) {
				t.Errorf("email %v hook %v, want %v %v", names(q.sent["email"]), names(q.sent["hook"]), tt.wantEmail, tt.wantHook)
			}
			if q.calls != tt.wantCalls {
				t.Errorf("%d SendMessageBatch calls, want %d", q.calls, tt.wantCalls)
			}
			for _, j := range append(q.sent["email"], q.sent["hook"]...) {
				if j.ID != delivery.ID("org_a", j.Event.ID, j.Rule) || j.Org != "org_a" {
					t.Errorf("job %+v has the wrong id or org", j)
				}
			}
		})
	}
}

func TestEventFallsBackToEnvelope(t *testing.T) {
	q := &fakeQueue{}
	h := &Handler{Rules: &fakeRules{rules: rules(1)}, Queue: q, EmailQueueURL: "email", WebhookQueueURL: "hook", Log: quiet}
	if err := h.Handle(context.Background(), ebEvent(event.DetailLoginFailed, `{"org_id":"org_a"}`)); err != nil {
		t.Fatal(err)
	}
	j := q.sent["email"][0]
	if j.Event.ID != "eb-1" || !j.Event.OccurredAt.Equal(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("event id/time = %q %v, want the envelope's", j.Event.ID, j.Event.OccurredAt)
	}
}

func TestBatchesOfTenAndRetries(t *testing.T) {
	q := &fakeQueue{refuse: 2}
	rs := rules(100)
	for i := range rs {
		rs[i].Type, rs[i].EmailRecipients = notification.Webhook, nil
	}
	h := &Handler{Rules: &fakeRules{rules: rs}, Queue: q, EmailQueueURL: "email", WebhookQueueURL: "hook", Log: quiet}
	if err := h.Handle(context.Background(), ebEvent(event.DetailLoginFailed, `{"org_id":"org_a","event_id":"e"}`)); err != nil {
		t.Fatal(err)
	}
	if got := len(q.sent["hook"]); got != 100 {
		t.Errorf("%d jobs sent, want 100", got)
	}
	if q.calls != 12 { // ten batches, two refused entries sent again
		t.Errorf("%d calls, want 12", q.calls)
	}
	seen := map[string]bool{}
	for _, j := range q.sent["hook"] {
		if seen[j.Rule] {
			t.Errorf("job for %s sent twice", j.Rule)
		}
		seen[j.Rule] = true
	}
}

func TestErrorsWorthRetrying(t *testing.T) {
	ev := ebEvent(event.DetailLoginFailed, `{"org_id":"org_a","event_id":"e"}`)
	h := &Handler{Rules: &fakeRules{err: errors.New("throttled")}, Queue: &fakeQueue{}, Log: quiet}
	if err := h.Handle(context.Background(), ev); err == nil {
		t.Error("a DynamoDB failure should be returned for EventBridge to retry")
	}
	h = &Handler{Rules: &fakeRules{rules: rules(2)}, Queue: &fakeQueue{refuse: 100}, EmailQueueURL: "e", WebhookQueueURL: "w", Log: quiet}
	if err := h.Handle(context.Background(), ev); err == nil {
		t.Error("entries SQS keeps refusing should fail the event")
	}
	h = &Handler{Rules: &fakeRules{rules: rules(2)}, Queue: &fakeQueue{lastErr: errors.New("down")}, EmailQueueURL: "e", WebhookQueueURL: "w", Log: quiet}
	if err := h.Handle(context.Background(), ev); err == nil {
		t.Error("an SQS failure should be returned")
	}
}

// BenchmarkMatch100Rules matches one event against an organization of 100 rules: parse the
// EventBridge event, select the rules, build and marshal the jobs (storage and SQS are fakes).
func BenchmarkMatch100Rules(b *testing.B) {
	rs := rules(100)
	ev := ebEvent(event.DetailLoginFailed, `{"org_id":"org_a","event_id":"evt_01J","occurred_at":"2026-12-03T10:15:00Z",
		"user":{"id":"u_123","email":"alice@acme.test","name":"Alice"},"socket":{"name":"prod-db","type":"database"},
		"client":{"ip":"203.0.113.7","user_agent":"border0-cli/1.2","location":"Lisbon, PT"},"reason":"MFA challenge failed"}`)
	h := &Handler{Rules: &fakeRules{rules: rs}, Queue: discardQueue{}, EmailQueueURL: "e", WebhookQueueURL: "w", Log: quiet}
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Handle(context.Background(), ev); err != nil {
			b.Fatal(err)
		}
	}
}

type discardQueue struct{}

func (discardQueue) SendMessageBatch(context.Context, *sqs.SendMessageBatchInput, ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	return &sqs.SendMessageBatchOutput{}, nil
}

func TestBatchesRespectSQSLimits(t *testing.T) {
	small := strings.Repeat("a", 100)
	big := strings.Repeat("b", 100<<10) // 100 KiB
	tests := []struct {
		name   string
		bodies []string
		want   []int // messages per batch
	}{
		{"none", nil, nil},
		{"ten fit one batch", slices.Repeat([]string{small}, 10), []int{10}},
		{"eleventh starts another", slices.Repeat([]string{small}, 11), []int{10, 1}},
		{"bytes split first", slices.Repeat([]string{big}, 5), []int{2, 2, 1}},
		{"mixed", []string{big, small, big, small, big}, []int{4, 1}},
	}
	for _, tt := range tests {
		var got []int
		for _, b := range batches(tt.bodies) {
			size := 0
			for _, m := range b {
				size += len(m)
			}
			if len(b) > maxBatchEntries || size > maxBatchBytes {
				t.Errorf("%s: a batch of %d messages and %d bytes", tt.name, len(b), size)
			}
			got = append(got, len(b))
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: batches of %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestJobsAreSafeForSQS(t *testing.T) {
	q := &fakeQueue{}
	h := &Handler{Rules: &fakeRules{rules: rules(1)}, Queue: q, EmailQueueURL: "email", WebhookQueueURL: "hook", Log: quiet}
	var raw *sqs.SendMessageBatchInput
	h.Queue = queueFunc(func(in *sqs.SendMessageBatchInput) { raw = in })
	err := h.Handle(context.Background(), ebEvent(event.DetailLoginFailed, `{"org_id":"org_a","event_id":"e","client":{"user_agent":"evil\uffff\ufffe"}}`))
	if err != nil {
		t.Fatal(err)
	}
	body := aws.ToString(raw.Entries[0].MessageBody)
	if strings.ContainsAny(body, "\uFFFE\uFFFF") {
		t.Errorf("body holds characters SQS refuses: %q", body)
	}
	var j delivery.Job
	if err := json.Unmarshal([]byte(body), &j); err != nil || j.Event.Client.UserAgent != "evil\uffff\ufffe" {
		t.Errorf("the escaped body does not decode to the event: %v %+v", err, j.Event.Client)
	}
}

type queueFunc func(*sqs.SendMessageBatchInput)

func (f queueFunc) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	f(in)
	return &sqs.SendMessageBatchOutput{}, nil
}
