package producer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/producer"
	"github.com/heraldhq/herald/shared/provision"
	"github.com/heraldhq/herald/shared/topology"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// bus is a Herald bus on the emulator whose rule targets a queue the test reads.
type bus struct {
	name  string
	sqs   *sqs.Client
	queue string
	eb    *eventbridge.Client
}

func newBus(t *testing.T) *bus {
	t.Helper()
	ctx := context.Background()
	cfg := awstest.Config(t)
	b := &bus{sqs: sqs.NewFromConfig(cfg), eb: eventbridge.NewFromConfig(cfg)}
	n := topology.DefaultNames().WithSuffix(awstest.Name(""))
	b.name = n.Bus
	q, err := b.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(n.EventQueue)})
	if err != nil {
		t.Fatal(err)
	}
	b.queue = aws.ToString(q.QueueUrl)
	if err := provision.Bus(ctx, b.eb, b.sqs, n, b.queue); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.sqs.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl})
		b.eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(n.Rule), EventBusName: aws.String(n.Bus), Ids: []string{"matcher"}})
		b.eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(n.Rule), EventBusName: aws.String(n.Bus)})
		b.eb.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String(n.Bus)})
	})
	return b
}

// receive waits for one event on the bus's queue and returns its envelope and raw detail.
func (b *bus) receive(t *testing.T) (event.Envelope, map[string]json.RawMessage) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out, err := b.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(b.queue), MaxNumberOfMessages: 1, WaitTimeSeconds: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			continue
		}
		body := []byte(aws.ToString(out.Messages[0].Body))
		var env event.Envelope
		var raw struct {
			Detail map[string]json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatalf("the queue's message is not an EventBridge event: %v\n%s", err, body)
		}
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatal(err)
		}
		return env, raw.Detail
	}
	t.Fatal("no event reached the bus's queue within 10s")
	return event.Envelope{}, nil
}

func TestPublishLoginAndAudit(t *testing.T) {
	b := newBus(t)
	at := time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC)
	for _, ev := range []event.Event{
		{
			Type: event.LoginFailure, ID: "evt_01JTESTFAILURE", Org: "org_acme", OccurredAt: at,
			User:   &event.Person{ID: "u_123", Email: "alice@acme.test", Name: "Alice"},
			Socket: &event.Socket{Name: "prod-db", Type: "database"},
			Client: &event.Client{IP: "203.0.113.7", UserAgent: "border0-cli/1.2", Location: "Lisbon, PT"},
			Reason: "MFA challenge failed",
		},
		{
			Type: event.Audit, ID: "evt_01JTESTAUDIT", Org: "org_acme", OccurredAt: at,
			Actor:   &event.Person{Email: "alice@acme.test"},
			Action:  "notification.created",
			Target:  &event.Target{Type: "notification", Name: "slack-webhook"},
			Changes: json.RawMessage(`{"enabled":{"from":false,"to":true}}`),
		},
	} {
		t.Run(string(ev.Type), func(t *testing.T) {
			p := &producer.Publisher{EB: b.eb, Bus: b.name, Source: "acme.access"}
			if err := p.Publish(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			env, detail := b.receive(t)
			if env.DetailType != ev.Type.DetailType() || env.Source != "acme.access" {
				t.Errorf("detail-type %q, source %q; want %q, acme.access", env.DetailType, env.Source, ev.Type.DetailType())
			}
			if _, ok := detail["type"]; ok {
				t.Errorf(`detail has a "type" field; the detail-type carries it: %s`, env.Detail)
			}
			got, err := event.Parse(env)
			if err != nil {
				t.Fatal(err)
			}
			got.Changes = compact(t, got.Changes) // EventBridge re-spaces the detail's JSON
			if !reflect.DeepEqual(got, ev) {
				t.Errorf("parsed back:\n got %+v\nwant %+v", got, ev)
			}
		})
	}
}

func TestPublishFillsIDAndTime(t *testing.T) {
	b := newBus(t)
	p := &producer.Publisher{EB: b.eb, Bus: b.name}
	before := time.Now().UTC().Truncate(time.Second)
	if err := p.Publish(context.Background(), event.Event{Type: event.LoginSuccess, Org: "org_acme",
		User: &event.Person{Email: "alice@acme.test"}}); err != nil {
		t.Fatal(err)
	}
	env, detail := b.receive(t)
	if env.Source != event.Source {
		t.Errorf("source = %q, want the default %q", env.Source, event.Source)
	}
	got, err := event.Parse(env)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^evt_[0-9A-HJKMNP-TV-Z]{26}$`).MatchString(got.ID) {
		t.Errorf("event_id = %q, want evt_ and a ULID", got.ID)
	}
	if _, ok := detail["event_id"]; !ok {
		t.Error("the id is not in the detail itself")
	}
	if got.OccurredAt.Before(before) || got.OccurredAt.After(time.Now().Add(time.Second)) {
		t.Errorf("occurred_at = %v, want about now", got.OccurredAt)
	}
}

func TestPublishDetailSendsTheSampleAsItIs(t *testing.T) {
	b := newBus(t)
	raw, err := os.ReadFile("../../events/eventbridge-malformed.json")
	if err != nil {
		t.Fatal(err)
	}
	var sample event.Envelope
	if err := json.Unmarshal(raw, &sample); err != nil {
		t.Fatal(err)
	}
	p := &producer.Publisher{EB: b.eb, Bus: b.name, Source: sample.Source}
	if err := p.PublishDetail(context.Background(), sample.DetailType, sample.Detail); err != nil {
		t.Fatal(err)
	}
	env, _ := b.receive(t)
	if got, want := compact(t, env.Detail), compact(t, sample.Detail); !bytes.Equal(got, want) {
		t.Errorf("detail changed on the way:\n got %s\nwant %s", got, want)
	}
	if _, err := event.Parse(env); !errors.Is(err, event.ErrMalformed) {
		t.Errorf("Parse = %v; the sample has no org_id and must stay malformed", err)
	}
}

func TestPublishValidates(t *testing.T) {
	eb := &fakeEB{}
	p := &producer.Publisher{EB: eb, Bus: "herald"}
	for _, tc := range []struct {
		ev   event.Event
		want string
	}{
		{event.Event{Type: event.LoginSuccess}, "no organization"},
		{event.Event{Org: "org_acme"}, `unknown event type ""`},
		{event.Event{Org: "org_acme", Type: "login"}, `unknown event type "login"`},
	} {
		err := p.Publish(context.Background(), tc.ev)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Publish(%+v) = %v, want an error saying %q", tc.ev, err, tc.want)
		}
	}
	if eb.calls != 0 {
		t.Errorf("%d PutEvents calls for invalid events, want none", eb.calls)
	}
}

func TestPublishFailedEntry(t *testing.T) {
	eb := &fakeEB{out: &eventbridge.PutEventsOutput{FailedEntryCount: 1, Entries: []types.PutEventsResultEntry{{
		ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("try again"),
	}}}}
	p := &producer.Publisher{EB: eb, Bus: "herald"}
	err := p.Publish(context.Background(), event.Event{Type: event.LoginFailure, Org: "org_acme"})
	if err == nil || !strings.Contains(err.Error(), "InternalFailure try again") {
		t.Fatalf("Publish = %v, want the entry's error", err)
	}
}

func TestPublishToMissingBus(t *testing.T) {
	cfg := awstest.Config(t)
	p := &producer.Publisher{EB: eventbridge.NewFromConfig(cfg), Bus: awstest.Name("no-such-bus")}
	err := p.Publish(context.Background(), event.Event{Type: event.LoginFailure, Org: "org_acme"})
	if err == nil || !strings.Contains(err.Error(), p.Bus) {
		t.Fatalf("Publish = %v, want an error naming the bus", err)
	}
}

func TestDetailHasNoType(t *testing.T) {
	ev := event.Event{Type: event.Audit, ID: "evt_1", Org: "org_acme", OccurredAt: time.Date(2026, 12, 3, 10, 16, 0, 0, time.UTC), Action: "socket.update"}
	b, err := producer.Detail(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"event_id":"evt_1","org_id":"org_acme","occurred_at":"2026-12-03T10:16:00Z","action":"socket.update"}`
	if string(b) != want {
		t.Errorf("Detail =\n%s\nwant\n%s", b, want)
	}
}

func compact(t *testing.T, raw json.RawMessage) json.RawMessage {
	t.Helper()
	if raw == nil {
		return nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fakeEB answers PutEvents with out, for the failures the emulator can't be made to produce.
type fakeEB struct {
	out   *eventbridge.PutEventsOutput
	calls int
}

func (f *fakeEB) PutEvents(context.Context, *eventbridge.PutEventsInput, ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	f.calls++
	return f.out, nil
}
