package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/envconf"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/localstack"
	"github.com/heraldhq/herald/shared/motoserver"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/store"
	"github.com/heraldhq/herald/shared/topology"
	"github.com/heraldhq/herald/shared/wire"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// TestSample runs events/sqs-email-job.json through the email sender's Lambda entry point,
// built as main builds it, and finds the message in the emulator's SES.
func TestSample(t *testing.T) {
	ctx := context.Background()
	cfg := awstest.Config(t)
	s, err := localstack.Provision(ctx, cfg, localstack.Options{Names: topology.DefaultNames().WithSuffix(awstest.Name(""))})
	if err != nil {
		t.Fatal(err)
	}
	to := awstest.Name("security") + "@acme.test"
	now := time.Now().UTC()
	rules := &store.Rules{DB: dynamodb.NewFromConfig(cfg), Table: s.Resources.Names.Table}
	if err := rules.Create(ctx, notification.Rule{Org: "org_acme", Name: "security-email", Type: notification.Email, Enabled: true,
		EmailRecipients: []string{to}, Events: []event.Type{event.LoginFailure}, CreatedAt: now, UpdatedAt: now, Version: 1}); err != nil {
		t.Fatal(err)
	}
	h, err := wire.EmailSender(cfg, envconf.FromMap(s.Env()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := os.ReadFile("../../events/sqs-email-job.json")
	if err != nil {
		t.Fatal(err)
	}
	out, err := lambda.NewHandler(h.Handle).Invoke(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 0 {
		t.Errorf("batchItemFailures = %+v, want none", resp.BatchItemFailures)
	}
	sent, err := motoserver.SentEmails(ctx, os.Getenv("AWS_ENDPOINT_URL"), to)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || sent[0].Subject != "Failed login: alice@acme.test → prod-db" {
		t.Fatalf("sent = %+v, want one 'Failed login' email to %s", sent, to)
	}
}
