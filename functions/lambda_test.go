// Package functions_test runs every sample in events/ through the function it is for, built
// as Lambda runs it (the real bootstrap, under the AWS Lambda Runtime Interface Emulator) and
// with the local AWS emulator behind it: what `sam local invoke <Function> -e events/<sample>`
// does, without SAM or Docker.
package functions_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	svix "github.com/svix/svix-webhooks/go"

	"github.com/heraldhq/herald/shared/api"
	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/lambdarie"
	"github.com/heraldhq/herald/shared/localstack"
	"github.com/heraldhq/herald/shared/motoserver"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/store"
	"github.com/heraldhq/herald/shared/topology"
	"github.com/heraldhq/herald/shared/wire"
)

func TestMain(m *testing.M) { awstest.Main(m) }

const (
	repoRoot  = ".."
	eventsDir = "../events"
	secret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	slackURL  = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX"
)

// functionOf names the function a sample is for, from its file name.
func functionOf(sample string) string {
	switch {
	case strings.HasPrefix(sample, "api-"):
		return "api"
	case strings.HasPrefix(sample, "eventbridge-"):
		return "matcher"
	case sample == "sqs-email-job.json":
		return "email-sender"
	case sample == "sqs-webhook-job.json":
		return "webhook-sender"
	}
	return ""
}

// The API samples in the order a person would try them: each builds on the last.
var apiOrder = []string{
	"api-create-webhook.json", "api-create-email.json", "api-list.json", "api-show.json",
	"api-update.json", "api-secret.json", "api-event-types.json", "api-me.json",
	"api-openapi.json", "api-delete.json",
}

// A check looks at a function's answer to a sample.
type check func(t *testing.T, out []byte)

func TestSamplesUnderRuntimeEmulator(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip(lambdarie.ErrUnsupported)
	}
	ctx := context.Background()
	cfg := awstest.Config(t)
	endpoint := os.Getenv("AWS_ENDPOINT_URL")

	// A receiver for the webhook sender, which must reach it on loopback.
	var (
		mu       sync.Mutex
		received []*http.Request
		bodies   [][]byte
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		received, bodies = append(received, r), append(bodies, b)
		mu.Unlock()
	}))
	defer receiver.Close()

	// The stack, and the rules the EventBridge and SQS samples refer to.
	s, err := localstack.Provision(ctx, cfg, localstack.Options{
		Names: topology.DefaultNames().WithSuffix(awstest.Name("")), AllowPrivate: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	db := dynamodb.NewFromConfig(cfg)
	rules := &store.Rules{DB: db, Table: s.Resources.Names.Table}
	recipient := awstest.Name("security") + "@acme.test" // this run's mail, in an emulator others share
	now := time.Now().UTC()
	for _, r := range []notification.Rule{
		{Name: "slack-webhook", Type: notification.Webhook, WebhookURL: receiver.URL + "/services/T000/B000/XXXX",
			Format: notification.FormatSlack, Secret: secret, Events: event.Types},
		{Name: "security-email", Type: notification.Email, EmailRecipients: []string{recipient},
			Events: []event.Type{event.LoginFailure}},
		{Name: "security-team", Type: notification.Email, EmailRecipients: []string{"secops@acme.test", "alice@acme.test"},
			Events: []event.Type{event.LoginFailure, event.Audit}},
	} {
		r.Org, r.Enabled, r.CreatedAt, r.UpdatedAt, r.Version = "org_acme", true, now, now, 1
		if err := rules.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
	}

	// Each function's environment is the stack's, as the CDK stack sets it in AWS, with the
	// emulator's endpoint and credentials. The API gets a table of its own: its samples create
	// and delete a slack-webhook rule of their own.
	base := lambdarie.WithAWSEnv(s.Env())
	apiEnv := maps.Clone(base)
	apiEnv[wire.EnvTable] = awstest.Table(t, db)

	q := sqs.NewFromConfig(cfg)
	checks := apiChecks()
	// What the matcher enqueues for each event, by queue: the rules that subscribe to it.
	for name, want := range map[string][2][]string{
		"eventbridge-login-failed.json":    {{"security-email", "security-team"}, {"slack-webhook"}},
		"eventbridge-login-succeeded.json": {nil, {"slack-webhook"}},
		"eventbridge-audit-event.json":     {{"security-team"}, {"slack-webhook"}},
		"eventbridge-malformed.json":       {nil, nil}, // logged and dropped
	} {
		checks[name] = func(t *testing.T, out []byte) {
			if string(out) != "null" {
				t.Errorf("matcher answered %s, want null", out)
			}
			email, hooks := drain(t, q, s.Resources.EmailQueueURL), drain(t, q, s.Resources.WebhookQueueURL)
			if !slices.Equal(email, want[0]) || !slices.Equal(hooks, want[1]) {
				t.Errorf("jobs for rules: email %v, webhook %v; want %v, %v", email, hooks, want[0], want[1])
			}
		}
	}
	checks["sqs-webhook-job.json"] = func(t *testing.T, out []byte) {
		wantNoBatchItemFailures(t, out)
		mu.Lock()
		defer mu.Unlock()
		if len(received) != 1 {
			t.Fatalf("the receiver got %d requests, want 1", len(received))
		}
		wh, _ := svix.NewWebhook(secret)
		if err := wh.Verify(bodies[0], received[0].Header); err != nil {
			t.Errorf("signature: %v", err)
		}
		if id := received[0].Header.Get("webhook-id"); id != "dlv_4f0d6c1f2a8b9e7d3c5a1b2c3d4e5f60" {
			t.Errorf("webhook-id = %q, want the job's delivery id", id)
		}
		if !bytes.Contains(bodies[0], []byte(`"blocks"`)) || !bytes.Contains(bodies[0], []byte("MFA challenge failed")) {
			t.Errorf("not the Slack message for the failed login: %s", bodies[0])
		}
	}
	checks["sqs-email-job.json"] = func(t *testing.T, out []byte) {
		wantNoBatchItemFailures(t, out)
		sent, err := motoserver.SentEmails(ctx, endpoint, recipient)
		if err != nil {
			t.Fatal(err)
		}
		if len(sent) != 1 || sent[0].Subject != "Failed login: alice@acme.test → prod-db" {
			t.Errorf("SES sent %+v, want one 'Failed login' email to %s", sent, recipient)
		}
	}

	// Every sample, grouped by function, the API's in order; none left out, none unknown.
	files, err := filepath.Glob(filepath.Join(eventsDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples in %s: %v", eventsDir, err)
	}
	samples := map[string][]string{}
	for _, f := range files {
		name := filepath.Base(f)
		fn := functionOf(name)
		switch {
		case fn == "":
			t.Errorf("events/%s is for no function: name it api-*, eventbridge-*, sqs-email-job or sqs-webhook-job", name)
		case checks[name] == nil:
			t.Errorf("events/%s has no check here", name)
		default:
			samples[fn] = append(samples[fn], name)
		}
	}
	slices.SortFunc(samples["api"], func(a, b string) int { return index(apiOrder, a) - index(apiOrder, b) })
	if t.Failed() {
		return
	}

	dir := t.TempDir()
	emulator, err := lambdarie.BuildEmulator(ctx, repoRoot, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range slices.Sorted(maps.Keys(samples)) {
		t.Run(fn, func(t *testing.T) {
			bootstrap, err := lambdarie.Build(ctx, repoRoot, fn, filepath.Join(dir, fn))
			if err != nil {
				t.Fatal(err)
			}
			env := base
			if fn == "api" {
				env = apiEnv
			}
			var log bytes.Buffer
			rt, err := lambdarie.Start(ctx, lambdarie.Config{Emulator: emulator, Bootstrap: bootstrap, Name: fn,
				Env: env, Timeout: topology.SenderTimeoutSeconds * time.Second, Log: &log})
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Stop()
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("%s's output:\n%s", fn, log.String())
				}
			})
			for _, name := range samples[fn] {
				payload, err := os.ReadFile(filepath.Join(eventsDir, name))
				if err != nil {
					t.Fatal(err)
				}
				if !t.Run(name, func(t *testing.T) {
					out, err := rt.Invoke(ctx, payload)
					if err != nil {
						t.Fatalf("invoke: %v", err)
					}
					checks[name](t, out)
				}) && fn == "api" {
					break // the API samples build on each other
				}
			}
		})
	}
}

// apiChecks checks the API's answers: the status and the JSON a client relies on.
func apiChecks() map[string]check {
	var created string // the webhook rule's secret
	return map[string]check{
		"api-create-webhook.json": func(t *testing.T, out []byte) {
			r := apiJSON(t, out, http.StatusCreated)
			created, _ = r["secret"].(string)
			if r["name"] != "slack-webhook" || r["webhook_url"] != slackURL || !strings.HasPrefix(created, "whsec_") {
				t.Errorf("created %v, want slack-webhook with its URL and a whsec_ secret", r)
			}
		},
		"api-create-email.json": func(t *testing.T, out []byte) {
			if r := apiJSON(t, out, http.StatusCreated); r["name"] != "security-team" || r["type"] != "email" {
				t.Errorf("created %v, want the security-team email rule", r)
			}
		},
		"api-list.json": func(t *testing.T, out []byte) {
			var names []string
			for _, r := range apiJSON(t, out, http.StatusOK)["notifications"].([]any) {
				names = append(names, r.(map[string]any)["name"].(string))
			}
			if !slices.Equal(names, []string{"security-team", "slack-webhook"}) {
				t.Errorf("listed %v", names)
			}
		},
		"api-show.json": func(t *testing.T, out []byte) {
			if r := apiJSON(t, out, http.StatusOK); r["name"] != "slack-webhook" || r["enabled"] != true || r["secret"] != nil {
				t.Errorf("shown %v, want slack-webhook, enabled, without its secret", r)
			}
		},
		"api-update.json": func(t *testing.T, out []byte) {
			if r := apiJSON(t, out, http.StatusOK); r["enabled"] != false || len(r["events"].([]any)) != 2 {
				t.Errorf("updated %v, want disabled with two events", r)
			}
		},
		"api-secret.json": func(t *testing.T, out []byte) {
			if got := apiJSON(t, out, http.StatusOK)["secret"]; created == "" || got != created {
				t.Errorf("secret = %v, want the one created", got)
			}
		},
		"api-event-types.json": func(t *testing.T, out []byte) {
			if n := len(apiJSON(t, out, http.StatusOK)["event_types"].([]any)); n != 3 {
				t.Errorf("%d event types, want 3", n)
			}
		},
		"api-me.json": func(t *testing.T, out []byte) {
			if r := apiJSON(t, out, http.StatusOK); r["org_id"] != "org_acme" || r["role"] != "admin" || r["subject"] != "u_123" {
				t.Errorf("me = %v", r)
			}
		},
		"api-openapi.json": func(t *testing.T, out []byte) {
			resp, body := apiResponse(t, out)
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, api.OpenAPI) || resp.Headers["Content-Type"] != "application/yaml" {
				t.Errorf("%d %q, %d bytes; want 200 and the OpenAPI document", resp.StatusCode, resp.Headers["Content-Type"], len(body))
			}
		},
		"api-delete.json": func(t *testing.T, out []byte) {
			if resp, body := apiResponse(t, out); resp.StatusCode != http.StatusNoContent {
				t.Errorf("status %d, want 204: %s", resp.StatusCode, body)
			}
		},
	}
}

func apiResponse(t *testing.T, out []byte) (events.APIGatewayV2HTTPResponse, []byte) {
	t.Helper()
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("not an API Gateway v2 response: %v\n%s", err, out)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			t.Fatal(err)
		}
	}
	return resp, body
}

// apiJSON checks the response's status and that its body is a JSON object, and returns it.
func apiJSON(t *testing.T, out []byte, status int) map[string]any {
	t.Helper()
	resp, body := apiResponse(t, out)
	if resp.StatusCode != status || !strings.HasPrefix(resp.Headers["Content-Type"], "application/json") {
		t.Fatalf("status %d (%s), want %d with JSON: %s", resp.StatusCode, resp.Headers["Content-Type"], status, body)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, body)
	}
	return m
}

// wantNoBatchItemFailures checks a sender's answer: every job done, as Lambda's SQS source
// reads it (a batchItemFailures list, empty).
func wantNoBatchItemFailures(t *testing.T, out []byte) {
	t.Helper()
	var resp map[string][]events.SQSBatchItemFailure
	if err := json.Unmarshal(out, &resp); err != nil || resp["batchItemFailures"] == nil || len(resp["batchItemFailures"]) != 0 {
		t.Errorf("sender answered %s (%v), want {\"batchItemFailures\":[]}", out, err)
	}
}

// drain takes the jobs off a queue and returns the names of the rules they are for.
func drain(t *testing.T, q *sqs.Client, url string) []string {
	t.Helper()
	ctx := context.Background()
	var rules []string
	for {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			var j delivery.Job
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &j); err != nil {
				t.Fatal(err)
			}
			if j.Org != "org_acme" || j.ID != delivery.ID(j.Org, j.Event.ID, j.Rule) {
				t.Errorf("job %+v", j)
			}
			rules = append(rules, j.Rule)
			q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
		}
	}
	slices.Sort(rules)
	return rules
}

func index(s []string, v string) int {
	if i := slices.Index(s, v); i >= 0 {
		return i
	}
	return len(s) // unknown samples last
}
