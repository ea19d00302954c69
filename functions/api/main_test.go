package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/heraldhq/herald/shared/api"
	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/envconf"
	"github.com/heraldhq/herald/shared/lambdahttp"
)

func TestMain(m *testing.M) { awstest.Main(m) }

const eventsDir = "../../events"

// The API Gateway samples in the order a person would try them: each builds on the last.
var sampleOrder = []string{
	"api-create-webhook.json",
	"api-create-email.json",
	"api-list.json",
	"api-show.json",
	"api-update.json",
	"api-secret.json",
	"api-event-types.json",
	"api-me.json",
	"api-openapi.json",
	"api-delete.json",
}

const (
	slackURL    = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX"
	slackMasked = "https://hooks.slack.com/services/T000/B000/****"
)

// TestSampleEvents runs every events/api-*.json through the real entry point, as Lambda would
// (raw JSON in, raw JSON out), against a fresh table, and checks each answer.
func TestSampleEvents(t *testing.T) {
	db := dynamodb.NewFromConfig(awstest.Config(t))
	t.Setenv("HERALD_TABLE", awstest.Table(t, db))
	t.Setenv("HERALD_ALLOW_HTTP_WEBHOOKS", "")
	var logs bytes.Buffer
	h, err := build(awstest.Config(t), envconf.New(), slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	invoke := lambda.NewHandler(h)
	check := newDocChecker(t)

	// No sample rots unused, and none is missing.
	files, err := filepath.Glob(filepath.Join(eventsDir, "api-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		files[i] = filepath.Base(f)
	}
	want := slices.Clone(sampleOrder)
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Fatalf("events/api-*.json = %v, want exactly %v", files, want)
	}

	var secret string
	checks := map[string]func(t *testing.T, status int, body []byte, header map[string]string){
		"api-create-webhook.json": func(t *testing.T, status int, body []byte, header map[string]string) {
			wantStatus(t, status, http.StatusCreated, body)
			r := decode(t, body)
			secret, _ = r["secret"].(string)
			key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
			if !strings.HasPrefix(secret, "whsec_") || err != nil || len(key) != 32 {
				t.Errorf("secret = %q, want whsec_ and 32 bytes of base64", secret)
			}
			if r["name"] != "slack-webhook" || r["webhook_url"] != slackURL || r["format"] != "auto" || r["created_by"] != "alice@acme.test" {
				t.Errorf("created %s", body)
			}
			if header["Location"] != "/v1/notifications/slack-webhook" {
				t.Errorf("Location = %q", header["Location"])
			}
		},
		"api-create-email.json": func(t *testing.T, status int, body []byte, _ map[string]string) {
			wantStatus(t, status, http.StatusCreated, body)
			r := decode(t, body)
			if r["name"] != "security-team" || r["type"] != "email" || r["secret"] != nil || len(r["email_recipients"].([]any)) != 2 {
				t.Errorf("created %s", body)
			}
		},
		"api-list.json": func(t *testing.T, status int, body []byte, _ map[string]string) {
			wantStatus(t, status, http.StatusOK, body)
			wantNoSecret(t, body, secret)
			rules := decode(t, body)["notifications"].([]any)
			var names []string
			for _, r := range rules {
				names = append(names, r.(map[string]any)["name"].(string))
			}
			if !slices.Equal(names, []string{"security-team", "slack-webhook"}) {
				t.Errorf("listed %v", names)
			}
			if url := rules[1].(map[string]any)["webhook_url"]; url != slackMasked {
				t.Errorf("listed webhook_url = %v, want %s", url, slackMasked)
			}
		},
		"api-show.json": func(t *testing.T, status int, body []byte, _ map[string]string) {
			wantStatus(t, status, http.StatusOK, body)
			wantNoSecret(t, body, secret)
			if r := decode(t, body); r["webhook_url"] != slackURL || r["enabled"] != true {
				t.Errorf("shown %s", body)
			}
		},
		"api-update.json": func(t *testing.T, status int, body []byte, _ map[string]string) {
			wantStatus(t, status, http.StatusOK, body)
			wantNoSecret(t, body, secret)
			r := decode(t, body)
			if r["enabled"] != false || len(r["events"].([]any)) != 2 || r["webhook_url"] != slackURL || r["updated_by"] != "alice@acme.test" {
				t.Errorf("updated %s", body)
			}
		},
		"api-secret.json": func(t *testing.T, status int, body []byte, _ map[string]string) {
			wantStatus(t, status, http.StatusOK, body)
			if got := decode(t, body)["secret"]; got != secret || secret == "" {
				t.Errorf("secret = %v, want the one created (%q)", got, secret)
			}
		},
		"api-event-types.json": func(t *testing.T, status int, body []byte, _ map[string]string) {
			wantStatus(t, status, http.StatusOK, body)
			if n := len(decode(t, body)["event_types"].([]any)); n != 3 {
				t.Errorf("%d event types: %s", n, body)
			}
		},
		"api-me.json": func(t *testing.T, status int, body []byte, _ map[string]string) {
			wantStatus(t, status, http.StatusOK, body)
			want := map[string]any{"org_id": "org_acme", "role": "admin", "subject": "u_123", "email": "alice@acme.test"}
			if got := decode(t, body); !mapsEqual(got, want) {
				t.Errorf("me = %v, want %v", got, want)
			}
		},
		"api-openapi.json": func(t *testing.T, status int, body []byte, header map[string]string) {
			wantStatus(t, status, http.StatusOK, body)
			if !bytes.Equal(body, api.OpenAPI) || header["Content-Type"] != "application/yaml" {
				t.Errorf("served %q, %d bytes; want the embedded openapi.yaml", header["Content-Type"], len(body))
			}
		},
		"api-delete.json": func(t *testing.T, status int, body []byte, _ map[string]string) {
			wantStatus(t, status, http.StatusNoContent, body)
		},
	}

	for _, name := range sampleOrder {
		raw, err := os.ReadFile(filepath.Join(eventsDir, name))
		if err != nil {
			t.Fatal(err)
		}
		ok := t.Run(name, func(t *testing.T) {
			var e events.APIGatewayV2HTTPRequest
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e); err != nil {
				t.Fatalf("not an API Gateway v2 event: %v", err)
			}
			wantRealistic(t, e)

			out, err := invoke.Invoke(context.Background(), raw)
			if err != nil {
				t.Fatalf("invoke: %v", err)
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &resp); err != nil {
				t.Fatalf("not an API Gateway v2 response: %v\n%s", err, out)
			}
			body := []byte(resp.Body)
			if resp.IsBase64Encoded {
				if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
					t.Fatal(err)
				}
			}
			check(t, e, resp.StatusCode, resp.Headers, body)
			checks[name](t, resp.StatusCode, body, resp.Headers)
		})
		if !ok {
			break // the samples build on each other
		}
	}
	if secret == "" || strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), "XXXXXXXXXXXXXXXX") {
		t.Errorf("the log holds the signing secret or the webhook token:\n%s", logs.String())
	}
}

func TestBuildNeedsTable(t *testing.T) {
	t.Setenv("HERALD_TABLE", "")
	t.Setenv("HERALD_ALLOW_HTTP_WEBHOOKS", "maybe")
	_, err := build(awstest.Config(t), envconf.New(), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err == nil {
		t.Fatal("build without HERALD_TABLE succeeded")
	}
	// Every problem is reported at once.
	for _, want := range []string{"HERALD_TABLE", "HERALD_ALLOW_HTTP_WEBHOOKS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

// wantRealistic checks a sample is shaped as API Gateway sends it, with the claims the
// authorizer passes on.
func wantRealistic(t *testing.T, e events.APIGatewayV2HTTPRequest) {
	t.Helper()
	rc := e.RequestContext
	method, route, _ := strings.Cut(e.RouteKey, " ")
	switch {
	case e.Version != "2.0":
		t.Errorf("version = %q, want 2.0", e.Version)
	case e.RouteKey != rc.RouteKey:
		t.Errorf("routeKey %q != requestContext.routeKey %q", e.RouteKey, rc.RouteKey)
	case method != rc.HTTP.Method || e.RawPath != rc.HTTP.Path:
		t.Errorf("routeKey %q, rawPath %q disagree with requestContext.http %s %s", e.RouteKey, e.RawPath, rc.HTTP.Method, rc.HTTP.Path)
	case strings.Contains(route, "{name}") && e.RawPath != strings.Replace(route, "{name}", e.PathParameters["name"], 1):
		t.Errorf("pathParameters %v don't fill %q to %q", e.PathParameters, route, e.RawPath)
	case rc.Stage != "$default" || rc.RequestID == "" || rc.AccountID == "" || rc.DomainName == "":
		t.Errorf("requestContext lacks stage, requestId, accountId or domainName: %+v", rc)
	case rc.Authorizer == nil || rc.Authorizer.JWT == nil:
		t.Errorf("no JWT authorizer context")
	case rc.Authorizer.JWT.Claims["org_id"] != "org_acme" || rc.Authorizer.JWT.Claims["role"] != "admin" ||
		rc.Authorizer.JWT.Claims["sub"] == "" || rc.Authorizer.JWT.Claims["email"] == "":
		t.Errorf("claims = %v, want org_id org_acme, role admin, sub and email", rc.Authorizer.JWT.Claims)
	case (e.Body != "") != (e.Headers["content-type"] == "application/json"):
		t.Errorf("a body goes with content-type application/json: %q, %q", e.Headers["content-type"], e.Body)
	}
}

// newDocChecker returns a function that checks a sample and the answer to it against
// openapi.yaml: the samples are requests the document allows, and the answers are ones it
// describes.
func newDocChecker(t *testing.T) func(t *testing.T, e events.APIGatewayV2HTTPRequest, status int, header map[string]string, body []byte) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatal(err)
	}
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		SkipSettingDefaults:   true,
	}
	return func(t *testing.T, e events.APIGatewayV2HTTPRequest, status int, header map[string]string, body []byte) {
		t.Helper()
		req, err := lambdahttp.Request(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("openapi.yaml has no route for %s %s: %v", req.Method, req.URL.Path, err)
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("openapi.yaml refuses the sample: %v", err)
		}
		h := http.Header{}
		for k, v := range header {
			h.Set(k, v)
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: h, Options: opts}
		out.SetBodyBytes(body)
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			t.Errorf("the %d answer doesn't match openapi.yaml: %v\n%s", status, err, body)
		}
	}
}

func wantStatus(t *testing.T, got, want int, body []byte) {
	t.Helper()
	if got != want {
		t.Fatalf("status = %d, want %d: %s", got, want, body)
	}
}

func wantNoSecret(t *testing.T, body []byte, secret string) {
	t.Helper()
	if bytes.Contains(body, []byte("whsec_")) || (secret != "" && bytes.Contains(body, []byte(secret))) {
		t.Errorf("body holds the signing secret: %s", body)
	}
}

func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, body)
	}
	return m
}

func mapsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
