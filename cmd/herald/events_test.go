package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/provision"
	"github.com/heraldhq/herald/shared/topology"
)

// testBus is a Herald bus on the emulator whose rule targets a queue the test reads, as the
// local stack's bus targets the queue it feeds to the matcher.
type testBus struct {
	name  string
	sqs   *sqs.Client
	queue string
}

func newTestBus(t *testing.T) *testBus {
	t.Helper()
	ctx := context.Background()
	cfg := awstest.Config(t)
	eb := eventbridge.NewFromConfig(cfg)
	b := &testBus{sqs: sqs.NewFromConfig(cfg)}
	n := topology.DefaultNames().WithSuffix(awstest.Name(""))
	b.name = n.Bus
	q, err := b.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(n.EventQueue)})
	if err != nil {
		t.Fatal(err)
	}
	b.queue = aws.ToString(q.QueueUrl)
	if err := provision.Bus(ctx, eb, b.sqs, n, b.queue); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.sqs.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl})
		eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(n.Rule), EventBusName: aws.String(n.Bus), Ids: []string{"matcher"}})
		eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(n.Rule), EventBusName: aws.String(n.Bus)})
		eb.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String(n.Bus)})
	})
	return b
}

// receive waits for the next event on the bus's queue.
func (b *testBus) receive(t *testing.T) event.Envelope {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		out, err := b.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(b.queue), MaxNumberOfMessages: 1, WaitTimeSeconds: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			continue
		}
		b.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(b.queue), ReceiptHandle: out.Messages[0].ReceiptHandle})
		var env event.Envelope
		if err := json.Unmarshal([]byte(aws.ToString(out.Messages[0].Body)), &env); err != nil {
			t.Fatalf("the queue's message is not an EventBridge event: %v", err)
		}
		return env
	}
	t.Fatal("no event reached the bus's queue within 10s")
	return event.Envelope{}
}

// TestEventsPut puts events with the CLI and reads them back where the matcher would.
func TestEventsPut(t *testing.T) {
	b := newTestBus(t)
	busEnv := []string{envEventBus + "=" + b.name}
	at := start.Add(time.Hour) // runCLI's clock
	const id = "evt_01KTESTCLI0000000000000000"

	t.Run("file", func(t *testing.T) {
		c := cliCase{golden: "events-put-file", env: busEnv,
			args: []string{"events", "put", "--file", "../../events/eventbridge-login-failed.json"}}
		c.run(t, nil, b.name, "$HERALD_EVENT_BUS")
		raw, err := os.ReadFile("../../events/eventbridge-login-failed.json")
		if err != nil {
			t.Fatal(err)
		}
		var sample event.Envelope
		if err := json.Unmarshal(raw, &sample); err != nil {
			t.Fatal(err)
		}
		env := b.receive(t)
		if env.DetailType != sample.DetailType || env.Source != sample.Source {
			t.Errorf("detail-type %q, source %q; want the file's %q, %q", env.DetailType, env.Source, sample.DetailType, sample.Source)
		}
		if got, want := compact(t, env.Detail), compact(t, sample.Detail); got != want {
			t.Errorf("detail:\n got %s\nwant %s", got, want)
		}
	})

	t.Run("login", func(t *testing.T) {
		c := cliCase{golden: "events-put-login", env: busEnv, args: []string{"events", "put",
			"--type", "login-failure", "--org", "org_acme", "--user", "alice@acme.test", "--user-name", "Alice",
			"--socket", "prod-db", "--socket-type", "database", "--ip", "203.0.113.7", "--location", "Lisbon, PT",
			"--user-agent", "border0-cli/1.2", "--reason", "MFA challenge failed"}}
		c.run(t, nil, b.name, "$HERALD_EVENT_BUS")
		want := event.Event{Type: event.LoginFailure, ID: id, Org: "org_acme", OccurredAt: at,
			User:   &event.Person{Email: "alice@acme.test", Name: "Alice"},
			Socket: &event.Socket{Name: "prod-db", Type: "database"},
			Client: &event.Client{IP: "203.0.113.7", UserAgent: "border0-cli/1.2", Location: "Lisbon, PT"},
			Reason: "MFA challenge failed"}
		env := b.receive(t)
		if env.Source != defaultSource {
			t.Errorf("source = %q, want %q", env.Source, defaultSource)
		}
		if got := parse(t, env); !reflect.DeepEqual(got, want) {
			t.Errorf("published\n%+v\nwant\n%+v", got, want)
		}
	})

	t.Run("audit-json", func(t *testing.T) {
		c := cliCase{golden: "events-put-audit-json", args: []string{"events", "put", "-o", "json", "--bus", b.name,
			"--type", "audit-events", "--org", "org_acme", "--user", "alice@acme.test", "--source", "acme.access",
			"--action", "socket.update", "--target-type", "socket", "--target-id", "sck_42", "--target-name", "prod-db",
			"--changes", `{"enabled": {"from": true, "to": false}}`}}
		c.run(t, nil, b.name, "$HERALD_EVENT_BUS")
		want := event.Event{Type: event.Audit, ID: id, Org: "org_acme", OccurredAt: at,
			Actor:   &event.Person{Email: "alice@acme.test"},
			Action:  "socket.update",
			Target:  &event.Target{Type: "socket", ID: "sck_42", Name: "prod-db"},
			Changes: json.RawMessage(`{"enabled":{"from":true,"to":false}}`)}
		env := b.receive(t)
		if env.Source != "acme.access" {
			t.Errorf("source = %q, want acme.access", env.Source)
		}
		if got := parse(t, env); !reflect.DeepEqual(got, want) {
			t.Errorf("published\n%+v\nwant\n%+v", got, want)
		}
	})

	t.Run("malformed-file", func(t *testing.T) {
		c := cliCase{golden: "events-put-malformed", env: busEnv,
			args: []string{"events", "put", "--file", "../../events/eventbridge-malformed.json"}}
		c.run(t, nil, b.name, "$HERALD_EVENT_BUS")
		if _, err := event.Parse(b.receive(t)); err == nil {
			t.Error("the malformed sample parses; it must reach the bus as malformed as it is")
		}
	})
}

// parse is event.Parse with the detail's JSON compacted, since EventBridge re-spaces it.
func parse(t *testing.T, env event.Envelope) event.Event {
	t.Helper()
	ev, err := event.Parse(env)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Changes != nil {
		ev.Changes = json.RawMessage(compact(t, ev.Changes))
	}
	return ev
}

func compact(t *testing.T, raw []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestEventsPutErrors checks the command line errors of events put (exit 2, before anything is
// published) and the failures of a put that runs (exit 1).
func TestEventsPutErrors(t *testing.T) {
	put := func(args ...string) []string { return append([]string{"events", "put"}, args...) }
	for _, c := range []cliCase{
		{golden: "events-usage-nothing", code: exitUsage, args: put()},
		{golden: "events-usage-both", code: exitUsage, args: put("--file", "x.json", "--type", "login-failure")},
		{golden: "events-usage-type", code: exitUsage, args: put("--type", "login", "--org", "org_acme", "--user", "a@acme.test")},
		{golden: "events-usage-no-org", code: exitUsage, args: put("--type", "login-success", "--user", "a@acme.test")},
		{golden: "events-usage-no-action", code: exitUsage, args: put("--type", "audit-events", "--org", "org_acme", "--user", "a@acme.test")},
		{golden: "events-usage-login-flag", code: exitUsage,
			args: put("--type", "audit-events", "--org", "org_acme", "--user", "a@acme.test", "--action", "x", "--reason", "why")},
		{golden: "events-usage-audit-flag", code: exitUsage,
			args: put("--type", "login-success", "--org", "org_acme", "--user", "a@acme.test", "--target-name", "db")},
		{golden: "events-usage-changes", code: exitUsage,
			args: put("--type", "audit-events", "--org", "org_acme", "--user", "a@acme.test", "--action", "x", "--changes", "[1]")},
		{golden: "events-usage-file-and-org", code: exitUsage,
			args: put("--file", "../../events/eventbridge-login-failed.json", "--org", "org_acme")},
		{golden: "events-missing-file", code: exitError, args: put("--file", "testdata/no-such-event.json")},
		{golden: "events-not-an-event", code: exitError, args: put("--file", "../../events/api-list.json")},
		{golden: "events-no-bus", code: exitError,
			args: put("--bus", "herald-no-such-bus", "--type", "login-success", "--org", "org_acme", "--user", "a@acme.test")},
	} {
		t.Run(c.golden, func(t *testing.T) { c.run(t, nil) })
	}
}
