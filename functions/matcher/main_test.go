package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/envconf"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/localstack"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/store"
	"github.com/heraldhq/herald/shared/topology"
	"github.com/heraldhq/herald/shared/wire"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// TestSamples runs every EventBridge sample in events/ through the matcher's Lambda entry point,
// built as main builds it, and checks the jobs it leaves on the queues.
func TestSamples(t *testing.T) {
	ctx := context.Background()
	cfg := awstest.Config(t)
	s, err := localstack.Provision(ctx, cfg, localstack.Options{Names: topology.DefaultNames().WithSuffix(awstest.Name(""))})
	if err != nil {
		t.Fatal(err)
	}
	rules := &store.Rules{DB: dynamodb.NewFromConfig(cfg), Table: s.Resources.Names.Table}
	now := time.Now().UTC()
	for _, r := range []notification.Rule{
		{Org: "org_acme", Name: "security-email", Type: notification.Email, Enabled: true, EmailRecipients: []string{"sec@acme.test"},
			Events: []event.Type{event.LoginFailure}},
		{Org: "org_acme", Name: "slack-webhook", Type: notification.Webhook, Enabled: true, WebhookURL: "https://hooks.slack.com/services/T/B/x",
			Events: []event.Type{event.LoginSuccess, event.LoginFailure, event.Audit}, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
	} {
		r.CreatedAt, r.UpdatedAt, r.Version = now, now, 1
		if err := rules.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	h, err := wire.Matcher(cfg, envconf.FromMap(s.Env()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	invoke := lambda.NewHandler(h.Handle)
	q := sqs.NewFromConfig(cfg)

	tests := []struct {
		file              string
		wantEmail, wantWH int
	}{
		{"eventbridge-login-failed.json", 1, 1},
		{"eventbridge-login-succeeded.json", 0, 1},
		{"eventbridge-audit-event.json", 0, 1},
		{"eventbridge-malformed.json", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			payload, err := os.ReadFile("../../events/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			out, err := invoke.Invoke(ctx, payload)
			if err != nil {
				t.Fatalf("invoke: %v", err)
			}
			if string(out) != "null" {
				t.Errorf("output = %s, want null", out)
			}
			email := drain(t, q, s.Resources.EmailQueueURL)
			hooks := drain(t, q, s.Resources.WebhookQueueURL)
			if len(email) != tt.wantEmail || len(hooks) != tt.wantWH {
				t.Fatalf("jobs: %d email, %d webhook; want %d, %d", len(email), len(hooks), tt.wantEmail, tt.wantWH)
			}
			for _, j := range append(email, hooks...) {
				if j.ID != delivery.ID("org_acme", j.Event.ID, j.Rule) || j.Event.Org != "org_acme" || j.Event.ID == "" {
					t.Errorf("job %+v", j)
				}
			}
		})
	}
}

func drain(t *testing.T, q *sqs.Client, url string) []delivery.Job {
	t.Helper()
	out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	var jobs []delivery.Job
	for _, m := range out.Messages {
		var j delivery.Job
		if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &j); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
		q.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
	}
	return jobs
}
