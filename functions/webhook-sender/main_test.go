package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	svix "github.com/svix/svix-webhooks/go"

	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/envconf"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/localstack"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/store"
	"github.com/heraldhq/herald/shared/topology"
	"github.com/heraldhq/herald/shared/wire"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// TestSample runs events/sqs-webhook-job.json through the webhook sender's Lambda entry point,
// built as main builds it, against a local receiver.
func TestSample(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	var got []*http.Request
	var bodies [][]byte
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, bodies = append(got, r), append(bodies, b)
	}))
	defer rc.Close()

	ctx := context.Background()
	cfg := awstest.Config(t)
	s, err := localstack.Provision(ctx, cfg, localstack.Options{Names: topology.DefaultNames().WithSuffix(awstest.Name("")), AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	rules := &store.Rules{DB: dynamodb.NewFromConfig(cfg), Table: s.Resources.Names.Table}
	if err := rules.Create(ctx, notification.Rule{Org: "org_acme", Name: "slack-webhook", Type: notification.Webhook, Enabled: true,
		WebhookURL: rc.URL + "/services/T000/B000/XXXX", Format: notification.FormatSlack, Secret: secret,
		Events: []event.Type{event.LoginFailure}, CreatedAt: now, UpdatedAt: now, Version: 1}); err != nil {
		t.Fatal(err)
	}
	h, err := wire.WebhookSender(cfg, envconf.FromMap(s.Env()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := os.ReadFile("../../events/sqs-webhook-job.json")
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
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	wh, _ := svix.NewWebhook(secret)
	if err := wh.Verify(bodies[0], got[0].Header); err != nil {
		t.Errorf("signature: %v", err)
	}
	if !strings.Contains(string(bodies[0]), `"blocks"`) || !strings.Contains(string(bodies[0]), "MFA challenge failed") {
		t.Errorf("not a Slack message: %s", bodies[0])
	}
	if id := got[0].Header.Get("webhook-id"); id != "dlv_4f0d6c1f2a8b9e7d3c5a1b2c3d4e5f60" {
		t.Errorf("webhook-id = %q, want the job's delivery id", id)
	}
}
