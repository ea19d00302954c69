package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/heraldhq/herald/shared/topology"
)

// TestMain closes the jsii runtime after all tests so its Node.js child
// process does not outlive the test binary.
func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// A deployment's context, as make deploy passes it.
var deployContext = map[string]any{
	"jwtIssuer":    "https://auth.acme.test/",
	"jwtAudience":  "herald-api",
	"sesIdentity":  "acme.test",
	"emailFrom":    "Herald <notifications@acme.test>",
	"portalOrigin": "https://portal.acme.test",
}

// synthesized is the stack as the CDK writes it.
type synthesized struct {
	stack    awscdk.Stack
	template assertions.Template
	json     map[string]any // the template
	outdir   string         // the cloud assembly
}

// synth synthesizes the stack with context, its function code taken from placeholder files.
func synth(t *testing.T, context map[string]any) *synthesized {
	t.Helper()
	assets := t.TempDir()
	for _, dir := range functionDirs {
		if err := os.MkdirAll(filepath.Join(assets, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(assets, dir, "bootstrap"), []byte("placeholder for "+dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	outdir := t.TempDir()
	app := newApp(outdir)
	for k, v := range context {
		app.Node().SetContext(jsii.String(k), v)
	}
	stack := NewHeraldStack(app, "Herald", &HeraldStackProps{AssetsDir: assets})
	app.Synth(nil)
	tmpl := assertions.Template_FromStack(stack, nil)
	return &synthesized{stack: stack, template: tmpl, json: *tmpl.ToJSON(), outdir: outdir}
}

// has asserts that the template has a resource of type typ whose properties match props.
func (s *synthesized) has(t *testing.T, typ string, props any) {
	t.Helper()
	check(t, func() { s.template.HasResourceProperties(jsii.String(typ), props) })
}

// check runs a CDK assertion, which panics when it fails, and reports the failure as the
// test's instead of ending the test binary.
func check(t *testing.T, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Error(r)
		}
	}()
	assertion()
}

// resources returns the template's resources of type typ, by logical ID.
func (s *synthesized) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range s.json["Resources"].(map[string]any) {
		if r := r.(map[string]any); r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

// props returns the properties of the resource with logical ID id, failing if there is none.
func (s *synthesized) props(t *testing.T, id string) map[string]any {
	t.Helper()
	r, ok := s.json["Resources"].(map[string]any)[id].(map[string]any)
	if !ok {
		t.Fatalf("no resource %s", id)
	}
	p, _ := r["Properties"].(map[string]any)
	return p
}

// get walks v along path (map keys, or slice indexes as numbers).
func get(v any, path ...string) any {
	for _, p := range path {
		switch c := v.(type) {
		case map[string]any:
			v = c[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

// ref names the logical ID a {"Ref": id} or {"Fn::GetAtt": [id, attr]} points at.
func ref(v any) string {
	switch m := v.(type) {
	case map[string]any:
		if r, ok := m["Ref"].(string); ok {
			return r
		}
		if ga, ok := m["Fn::GetAtt"].([]any); ok {
			return fmt.Sprint(ga[0])
		}
	}
	return ""
}

func jsonEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	var gv, wv any
	json.Unmarshal(g, &gv)
	json.Unmarshal(w, &wv)
	if !reflect.DeepEqual(gv, wv) {
		t.Errorf("%s = %s, want %s", what, g, w)
	}
}

func TestHeraldStackDescription(t *testing.T) {
	s := synth(t, nil)
	want := "Herald: notification rules, event matching and delivery (email, webhooks)"
	if got := s.json["Description"]; got != want {
		t.Errorf("Description = %v, want %q", got, want)
	}
}

func TestTable(t *testing.T) {
	s := synth(t, deployContext)
	if n := len(s.resources("AWS::DynamoDB::Table")); n != 1 {
		t.Errorf("%d tables, want 1", n)
	}
	check(t, func() {
		s.template.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
			"Properties": map[string]any{
				"TableName":   topology.TableName,
				"BillingMode": "PAY_PER_REQUEST",
				"KeySchema": []any{
					map[string]any{"AttributeName": topology.PartitionKey, "KeyType": "HASH"},
					map[string]any{"AttributeName": topology.SortKey, "KeyType": "RANGE"},
				},
				"AttributeDefinitions": []any{
					map[string]any{"AttributeName": topology.PartitionKey, "AttributeType": "S"},
					map[string]any{"AttributeName": topology.SortKey, "AttributeType": "S"},
				},
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
				"TimeToLiveSpecification":          map[string]any{"AttributeName": topology.TTLAttribute, "Enabled": true},
			},
		})
	})
}

func TestEventBusAndRule(t *testing.T) {
	s := synth(t, deployContext)
	if got := s.props(t, "EventBus")["Name"]; got != topology.EventBusName {
		t.Errorf("bus name = %v, want %s", got, topology.EventBusName)
	}
	rule := s.props(t, "EventRule")
	if rule["Name"] != topology.EventRuleName || ref(rule["EventBusName"]) != "EventBus" {
		t.Errorf("rule %v on bus %v, want %s on EventBus", rule["Name"], rule["EventBusName"], topology.EventRuleName)
	}
	// Exactly the pattern the local stack puts on its bus.
	var want any
	json.Unmarshal([]byte(topology.EventPatternJSON()), &want)
	jsonEqual(t, "EventPattern", rule["EventPattern"], want)

	targets, _ := rule["Targets"].([]any)
	if len(targets) != 1 {
		t.Fatalf("rule targets = %v, want the matcher only", targets)
	}
	target := targets[0]
	if ref(get(target, "Arn")) != "MatcherFunction" {
		t.Errorf("rule target = %v, want MatcherFunction", get(target, "Arn"))
	}
	if ref(get(target, "DeadLetterConfig", "Arn")) != "EventsDLQ" {
		t.Errorf("rule target's DLQ = %v, want EventsDLQ", get(target, "DeadLetterConfig"))
	}
	attempts, _ := get(target, "RetryPolicy", "MaximumRetryAttempts").(float64)
	age, _ := get(target, "RetryPolicy", "MaximumEventAgeInSeconds").(float64)
	if attempts < 1 || age < 3600 {
		t.Errorf("rule target's RetryPolicy = %v, want retries for at least an hour", get(target, "RetryPolicy"))
	}
	if got := s.props(t, "EventsDLQ")["QueueName"]; got != topology.EventsDLQ {
		t.Errorf("events DLQ name = %v, want %s", got, topology.EventsDLQ)
	}
	// EventBridge may put events in the DLQ, and only for this rule.
	s.has(t, "AWS::SQS::QueuePolicy", map[string]any{
		"Queues": []any{map[string]any{"Ref": "EventsDLQ"}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect": "Allow", "Action": "sqs:SendMessage", "Principal": map[string]any{"Service": "events.amazonaws.com"},
			"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": map[string]any{"Fn::GetAtt": []any{"EventRule", "Arn"}}}},
		})})},
	})
	// What the matcher itself fails on (after Lambda's retries) lands there too.
	if got := ref(get(s.props(t, "MatcherFunction"), "DeadLetterConfig", "TargetArn")); got != "EventsDLQ" {
		t.Errorf("matcher's DeadLetterConfig -> %q, want EventsDLQ", got)
	}
}

func TestJobQueues(t *testing.T) {
	s := synth(t, deployContext)
	for _, q := range []struct{ id, name, sender string }{
		{"EmailJobs", topology.EmailQueue, "EmailSenderFunction"},
		{"WebhookJobs", topology.WebhookQueue, "WebhookSenderFunction"},
	} {
		t.Run(q.id, func(t *testing.T) {
			p := s.props(t, q.id)
			if p["QueueName"] != q.name {
				t.Errorf("QueueName = %v, want %s", p["QueueName"], q.name)
			}
			if got := ref(get(p, "RedrivePolicy", "deadLetterTargetArn")); got != q.id+"DLQ" {
				t.Errorf("DLQ = %q, want %sDLQ", got, q.id)
			}
			// A job gets one try per step of the sender's retry schedule, then the DLQ takes it.
			if got := get(p, "RedrivePolicy", "maxReceiveCount"); got != float64(topology.MaxReceiveCount) {
				t.Errorf("maxReceiveCount = %v, want %d", got, topology.MaxReceiveCount)
			}
			timeout := s.props(t, q.sender)["Timeout"].(float64)
			if vt := p["VisibilityTimeout"].(float64); vt < 6*timeout {
				t.Errorf("VisibilityTimeout = %v, want at least 6 × the sender's %v s", vt, timeout)
			}
			dlq := s.props(t, q.id+"DLQ")
			if dlq["QueueName"] != topology.DLQ(q.name) || dlq["MessageRetentionPeriod"] != float64(topology.DLQRetentionSeconds) {
				t.Errorf("DLQ %v keeps messages %v s, want %s for %d s", dlq["QueueName"], dlq["MessageRetentionPeriod"],
					topology.DLQ(q.name), topology.DLQRetentionSeconds)
			}
		})
	}
	for id, q := range s.resources("AWS::SQS::Queue") {
		p := q["Properties"].(map[string]any)
		if p["SqsManagedSseEnabled"] != true && p["KmsMasterKeyId"] == nil {
			t.Errorf("queue %s is not encrypted", id)
		}
	}
}

func TestFunctions(t *testing.T) {
	s := synth(t, deployContext)
	fns := s.resources("AWS::Lambda::Function")
	if got := slices.Sorted(maps.Keys(fns)); !slices.Equal(got, slices.Sorted(maps.Keys(functionDirs))) {
		t.Fatalf("functions = %v, want %v", got, slices.Sorted(maps.Keys(functionDirs)))
	}
	wantEnv := map[string]map[string]any{
		"ApiFunction": {envTable: map[string]any{"Ref": "Table"}, envClaimOrg: DefaultClaimOrg, envClaimRole: DefaultClaimRole,
			envEventBus: map[string]any{"Ref": "EventBus"}, envEmailFrom: "Herald <notifications@acme.test>", envWebhookTimeout: "10s"},
		"MatcherFunction": {envTable: map[string]any{"Ref": "Table"},
			envEmailQueueURL: map[string]any{"Ref": "EmailJobs"}, envWebhookQueueURL: map[string]any{"Ref": "WebhookJobs"}},
		"EmailSenderFunction": {envTable: map[string]any{"Ref": "Table"}, envEmailQueueURL: map[string]any{"Ref": "EmailJobs"},
			envEmailFrom: "Herald <notifications@acme.test>", envEventBus: map[string]any{"Ref": "EventBus"}},
		"WebhookSenderFunction": {envTable: map[string]any{"Ref": "Table"}, envWebhookQueueURL: map[string]any{"Ref": "WebhookJobs"},
			envWebhookTimeout: "10s", envEventBus: map[string]any{"Ref": "EventBus"}},
	}
	for id, fn := range fns {
		t.Run(id, func(t *testing.T) {
			p := fn["Properties"].(map[string]any)
			if p["Runtime"] != "provided.al2023" || p["Handler"] != "bootstrap" {
				t.Errorf("runtime %v, handler %v; want provided.al2023, bootstrap", p["Runtime"], p["Handler"])
			}
			jsonEqual(t, "Architectures", p["Architectures"], []string{"arm64"})
			jsonEqual(t, "Environment", get(p, "Environment", "Variables"), wantEnv[id])

			if get(p, "LoggingConfig", "LogFormat") != "JSON" {
				t.Errorf("LoggingConfig = %v, want JSON logs", p["LoggingConfig"])
			}
			logs := ref(get(p, "LoggingConfig", "LogGroup"))
			if days, _ := get(s.props(t, logs), "RetentionInDays").(float64); days < 1 {
				t.Errorf("log group %s has no retention", logs)
			}

			// The code is build/<fn>, as SAM finds it from the asset metadata.
			md, _ := fn["Metadata"].(map[string]any)
			if md["aws:asset:property"] != "Code" {
				t.Fatalf("no asset metadata for SAM: %v", md)
			}
			code, err := os.ReadFile(filepath.Join(s.outdir, fmt.Sprint(md["aws:asset:path"]), "bootstrap"))
			if want := "placeholder for " + functionDirs[id]; err != nil || string(code) != want {
				t.Errorf("code at aws:asset:path = %q, %v; want %q", code, err, want)
			}
		})
	}
	for _, f := range []string{"EmailSenderFunction", "WebhookSenderFunction"} {
		if got := s.props(t, f)["Timeout"]; got != float64(topology.SenderTimeoutSeconds) {
			t.Errorf("%s Timeout = %v, want %d", f, got, topology.SenderTimeoutSeconds)
		}
	}
}

func TestSendersEventSources(t *testing.T) {
	s := synth(t, deployContext)
	mappings := s.resources("AWS::Lambda::EventSourceMapping")
	if len(mappings) != 2 {
		t.Fatalf("%d event source mappings, want one per sender", len(mappings))
	}
	for _, m := range []struct {
		id, queue, fn  string
		maxConcurrency float64
	}{
		// Batches of 10: at most 20 SendEmail calls in flight (SES allows 14 a second by
		// default) and 50 webhook posts (Slack, one a second per webhook, says Retry-After).
		{"EmailJobsSource", "EmailJobs", "EmailSenderFunction", 2},
		{"WebhookJobsSource", "WebhookJobs", "WebhookSenderFunction", 5},
	} {
		p := s.props(t, m.id)
		if ref(p["EventSourceArn"]) != m.queue || ref(p["FunctionName"]) != m.fn {
			t.Errorf("%s: %v feeds %v, want %s feeding %s", m.id, p["EventSourceArn"], p["FunctionName"], m.queue, m.fn)
		}
		if p["BatchSize"] != float64(topology.BatchSize) {
			t.Errorf("%s: BatchSize = %v, want %d", m.id, p["BatchSize"], topology.BatchSize)
		}
		jsonEqual(t, m.id+" FunctionResponseTypes", p["FunctionResponseTypes"], []string{"ReportBatchItemFailures"})
		if got := get(p, "ScalingConfig", "MaximumConcurrency"); got != m.maxConcurrency {
			t.Errorf("%s: MaximumConcurrency = %v, want %v", m.id, got, m.maxConcurrency)
		}
	}
}

// grants lists what each function's role may do, as "action resource" (resource by logical
// ID, or as written when it is not a reference), and fails on any Allow of a wildcard.
func grants(t *testing.T, s *synthesized) map[string][]string {
	t.Helper()
	roleOf := map[string]string{}
	for id, fn := range s.resources("AWS::Lambda::Function") {
		roleOf[ref(get(fn, "Properties", "Role"))] = id
	}
	for id, role := range s.resources("AWS::IAM::Role") {
		if get(role, "Properties", "ManagedPolicyArns") != nil || get(role, "Properties", "Policies") != nil {
			t.Errorf("role %s has managed or inline policies; grant through its default policy only", id)
		}
	}
	out := map[string][]string{}
	for id, pol := range s.resources("AWS::IAM::Policy") {
		for _, st := range get(pol, "Properties", "PolicyDocument", "Statement").([]any) {
			st := st.(map[string]any)
			if st["Effect"] != "Allow" {
				continue
			}
			for _, a := range asList(st["Action"]) {
				if a == "*" || strings.HasSuffix(fmt.Sprint(a), ":*") {
					t.Errorf("policy %s allows %v", id, a)
				}
				for _, r := range asList(st["Resource"]) {
					if r == "*" {
						t.Errorf("policy %s allows %v on every resource", id, a)
					}
					res := ref(r)
					if res == "" {
						b, _ := json.Marshal(r)
						res = string(b)
					}
					for _, role := range get(pol, "Properties", "Roles").([]any) {
						fn := roleOf[ref(role)]
						out[fn] = append(out[fn], fmt.Sprint(a)+" "+res)
					}
				}
			}
		}
	}
	for fn := range out {
		slices.Sort(out[fn])
	}
	return out
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func TestLeastPrivilege(t *testing.T) {
	s := synth(t, deployContext)
	got := grants(t, s)
	for fn, g := range got {
		// Each function writes its own log group, nothing else of CloudWatch Logs.
		logs := ref(get(s.props(t, fn), "LoggingConfig", "LogGroup"))
		got[fn] = slices.DeleteFunc(g, func(a string) bool {
			return a == "logs:CreateLogStream "+logs || a == "logs:PutLogEvents "+logs
		})
	}
	want := map[string][]string{
		"ApiFunction": {
			"dynamodb:DeleteItem Table", "dynamodb:GetItem Table", "dynamodb:PutItem Table",
			"dynamodb:Query Table", "dynamodb:UpdateItem Table", "events:PutEvents EventBus",
			`ses:SendEmail {"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":ses:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":identity/acme.test"]]}`,
		},
		"MatcherFunction": {
			"dynamodb:Query Table",
			"sqs:SendMessage EmailJobs", "sqs:SendMessage EventsDLQ", "sqs:SendMessage WebhookJobs",
		},
		"EmailSenderFunction": {
			"dynamodb:DeleteItem Table", "dynamodb:GetItem Table", "dynamodb:PutItem Table", "dynamodb:UpdateItem Table",
			"events:PutEvents EventBus",
			`ses:SendEmail {"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":ses:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":identity/acme.test"]]}`,
			"sqs:ChangeMessageVisibility EmailJobs", "sqs:DeleteMessage EmailJobs",
			"sqs:GetQueueAttributes EmailJobs", "sqs:ReceiveMessage EmailJobs",
		},
		"WebhookSenderFunction": {
			"dynamodb:DeleteItem Table", "dynamodb:GetItem Table", "dynamodb:PutItem Table", "dynamodb:UpdateItem Table",
			"events:PutEvents EventBus",
			"sqs:ChangeMessageVisibility WebhookJobs", "sqs:DeleteMessage WebhookJobs",
			"sqs:GetQueueAttributes WebhookJobs", "sqs:ReceiveMessage WebhookJobs",
		},
	}
	for fn := range want {
		slices.Sort(want[fn])
		if !slices.Equal(got[fn], want[fn]) {
			t.Errorf("%s may:\n  %s\nwant:\n  %s", fn, strings.Join(got[fn], "\n  "), strings.Join(want[fn], "\n  "))
		}
	}
}

func TestEmailSenderSendsOnlyAsTheIdentity(t *testing.T) {
	ctx := maps.Clone(deployContext)
	ctx["sesConfigurationSet"] = "herald-events"
	s := synth(t, ctx)
	s.has(t, "AWS::IAM::Policy", map[string]any{
		"Roles": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("EmailSenderFunctionRole.*"))}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect":    "Allow",
			"Action":    "ses:SendEmail",
			"Condition": map[string]any{"StringEquals": map[string]any{"ses:FromAddress": "notifications@acme.test"}},
			"Resource": []any{
				map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{":identity/acme.test"})}},
				map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{":configuration-set/herald-events"})}},
			},
		})})},
	})
	if got := get(s.props(t, "EmailSenderFunction"), "Environment", "Variables", envEmailConfigSet); got != "herald-events" {
		t.Errorf("%s = %v, want herald-events", envEmailConfigSet, got)
	}
	// No one else may send mail but the API, for test sends (with the same restriction).
	s.has(t, "AWS::IAM::Policy", map[string]any{
		"Roles": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("ApiFunctionRole.*"))}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Action":    "ses:SendEmail",
			"Condition": map[string]any{"StringEquals": map[string]any{"ses:FromAddress": "notifications@acme.test"}},
		})})},
	})
	for fn, g := range grants(t, s) {
		for _, a := range g {
			if strings.HasPrefix(a, "ses:") && fn != "EmailSenderFunction" && fn != "ApiFunction" {
				t.Errorf("%s may %s", fn, a)
			}
		}
	}
}

func TestHTTPAPI(t *testing.T) {
	s := synth(t, deployContext)
	if n := len(s.resources("AWS::ApiGatewayV2::Api")); n != 1 {
		t.Errorf("%d HTTP APIs, want 1", n)
	}
	auths := s.resources("AWS::ApiGatewayV2::Authorizer")
	if len(auths) != 1 {
		t.Fatalf("%d authorizers, want 1", len(auths))
	}
	var authID string
	for id, a := range auths {
		authID = id
		p := a["Properties"].(map[string]any)
		if p["AuthorizerType"] != "JWT" {
			t.Errorf("authorizer type %v, want JWT", p["AuthorizerType"])
		}
		jsonEqual(t, "JwtConfiguration", p["JwtConfiguration"], map[string]any{"Issuer": "https://auth.acme.test/", "Audience": []string{"herald-api"}})
		jsonEqual(t, "IdentitySource", p["IdentitySource"], []string{"$request.header.Authorization"})
	}

	// The OpenAPI document and the portal (page and assets) are public; everything else under
	// /v1 needs a token; nothing else is routed.
	routes := map[string]map[string]any{}
	for _, r := range s.resources("AWS::ApiGatewayV2::Route") {
		p := r["Properties"].(map[string]any)
		routes[p["RouteKey"].(string)] = p
	}
	want := []string{"ANY /v1/{proxy+}", "GET /", "GET /assets/{proxy+}", "GET /v1/openapi.yaml"}
	if got := slices.Sorted(maps.Keys(routes)); !slices.Equal(got, want) {
		t.Errorf("routes = %v, want %v", got, want)
	}
	for key, p := range routes {
		switch key {
		case "ANY /v1/{proxy+}":
			if p["AuthorizationType"] != "JWT" || ref(p["AuthorizerId"]) != authID {
				t.Errorf("%s authorization = %v %v, want JWT by %s", key, p["AuthorizationType"], p["AuthorizerId"], authID)
			}
		default:
			if p["AuthorizationType"] != "NONE" {
				t.Errorf("%s authorization = %v, want NONE (public)", key, p["AuthorizationType"])
			}
		}
	}
	for _, i := range s.resources("AWS::ApiGatewayV2::Integration") {
		p := i["Properties"].(map[string]any)
		if ref(p["IntegrationUri"]) != "ApiFunction" || p["PayloadFormatVersion"] != "2.0" {
			t.Errorf("integration %v (payload %v), want ApiFunction with payload 2.0", p["IntegrationUri"], p["PayloadFormatVersion"])
		}
	}
	s.has(t, "AWS::Lambda::Permission", map[string]any{
		"Action": "lambda:InvokeFunction", "FunctionName": map[string]any{"Fn::GetAtt": []any{"ApiFunction", "Arn"}},
		"Principal": "apigateway.amazonaws.com",
	})

	// Throttled, and the portal may call it from the browser.
	s.has(t, "AWS::ApiGatewayV2::Stage", map[string]any{
		"StageName": "$default", "AutoDeploy": true,
		"DefaultRouteSettings": map[string]any{"ThrottlingRateLimit": assertions.Match_AnyValue(), "ThrottlingBurstLimit": assertions.Match_AnyValue()},
	})
	s.has(t, "AWS::ApiGatewayV2::Api", map[string]any{
		"CorsConfiguration": map[string]any{
			"AllowOrigins": []any{"https://portal.acme.test"},
			"AllowHeaders": assertions.Match_ArrayWith(&[]any{"authorization", "content-type"}),
			"AllowMethods": assertions.Match_ArrayWith(&[]any{"GET", "POST", "PATCH", "DELETE"}),
		},
	})

	// Without a portal origin, no browser origin may call the API.
	plain := synth(t, nil)
	plain.has(t, "AWS::ApiGatewayV2::Api", map[string]any{
		"CorsConfiguration": assertions.Match_Absent(),
	})
}

func TestAlarms(t *testing.T) {
	s := synth(t, deployContext)
	alarms := s.resources("AWS::CloudWatch::Alarm")
	watched := map[string]bool{} // "metric target"
	for id, a := range alarms {
		p := a["Properties"].(map[string]any)
		if len(asList(p["AlarmActions"])) == 0 || p["AlarmActions"] == nil {
			t.Errorf("alarm %s tells no one", id)
		}
		if p["Threshold"] != 1.0 || p["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" {
			t.Errorf("alarm %s fires at %v %v, want on the first message or error", id, p["ComparisonOperator"], p["Threshold"])
		}
		watched[fmt.Sprint(p["MetricName"])+" "+ref(get(p, "Dimensions", "0", "Value"))] = true
	}
	// Every dead-letter queue, whoever feeds it.
	var dlqs []string
	for _, q := range s.resources("AWS::SQS::Queue") {
		if d := ref(get(q, "Properties", "RedrivePolicy", "deadLetterTargetArn")); d != "" {
			dlqs = append(dlqs, d)
		}
	}
	dlqs = append(dlqs, ref(get(s.props(t, "EventRule"), "Targets", "0", "DeadLetterConfig", "Arn")))
	for _, q := range dlqs {
		if !watched["ApproximateNumberOfMessagesVisible "+q] {
			t.Errorf("no alarm on the depth of %s", q)
		}
	}
	for fn := range s.resources("AWS::Lambda::Function") {
		if !watched["Errors "+fn] {
			t.Errorf("no alarm on %s's errors", fn)
		}
	}

	withEmail := maps.Clone(deployContext)
	withEmail["alarmEmail"] = "oncall@acme.test"
	synth(t, withEmail).has(t, "AWS::SNS::Subscription", map[string]any{
		"Protocol": "email", "Endpoint": "oncall@acme.test",
	})
}

func TestOutputs(t *testing.T) {
	s := synth(t, deployContext)
	outputs := s.json["Outputs"].(map[string]any)
	for name, target := range map[string]string{
		"ApiUrl": "HttpApi", "EventBusName": "EventBus", "EmailQueueUrl": "EmailJobs", "WebhookQueueUrl": "WebhookJobs",
	} {
		v, _ := json.Marshal(get(outputs, name, "Value"))
		if !strings.Contains(string(v), `"`+target+`"`) {
			t.Errorf("output %s = %s, want it from %s", name, v, target)
		}
	}
}

func TestNamePrefix(t *testing.T) {
	ctx := maps.Clone(deployContext)
	ctx["namePrefix"] = "staging-"
	s := synth(t, ctx)
	for id, want := range map[string]string{
		"Table": "staging-herald", "EventBus": "staging-herald", "EventRule": "staging-herald-events",
		"EmailJobs": "staging-herald-email-jobs", "EmailJobsDLQ": "staging-herald-email-jobs-dlq",
		"WebhookJobs": "staging-herald-webhook-jobs", "EventsDLQ": "staging-herald-events-dlq",
	} {
		p := s.props(t, id)
		got := p["TableName"]
		if got == nil {
			got = p["Name"]
		}
		if got == nil {
			got = p["QueueName"]
		}
		if got != want {
			t.Errorf("%s is named %v, want %s", id, got, want)
		}
	}
}

func TestContext(t *testing.T) {
	t.Run("defaults warn", func(t *testing.T) {
		s := synth(t, nil)
		a := assertions.Annotations_FromStack(s.stack)
		for _, key := range []string{"jwtIssuer", "sesIdentity"} {
			check(t, func() {
				a.HasWarning(jsii.String("/Herald"), assertions.Match_StringLikeRegexp(jsii.String(key+" .*is not set.*")))
			})
		}
		check(t, func() { a.HasNoError(jsii.String("*"), assertions.Match_AnyValue()) })
		if got := get(s.props(t, "EmailSenderFunction"), "Environment", "Variables", envEmailFrom); got != topology.DefaultSESFrom {
			t.Errorf("default %s = %v, want %s", envEmailFrom, got, topology.DefaultSESFrom)
		}
	})
	t.Run("a list in cdk.json", func(t *testing.T) {
		ctx := maps.Clone(deployContext)
		ctx["jwtAudience"] = []any{"herald-api", "herald-cli"}
		synth(t, ctx).has(t, "AWS::ApiGatewayV2::Authorizer", map[string]any{
			"JwtConfiguration": map[string]any{"Audience": []any{"herald-api", "herald-cli"}},
		})
	})
	t.Run("a deployment's context is quiet", func(t *testing.T) {
		a := assertions.Annotations_FromStack(synth(t, deployContext).stack)
		check(t, func() {
			a.HasNoWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(".*is not set.*")))
		})
		check(t, func() { a.HasNoError(jsii.String("*"), assertions.Match_AnyValue()) })
	})
	for _, tt := range []struct {
		key, value, want string
	}{
		{"emailFrom", "Herald <notifications@other.test>", "emailFrom .* is not in the SES identity's domain.*"},
		{"emailFrom", "not an address", "emailFrom .* is not an email address.*"},
		{"portalOrigin", "https://portal.acme.test/app", "portalOrigin .* is not an origin.*"},
		{"jwtIssuer", "http://auth.acme.test/", "jwtIssuer .* is not an https URL.*"},
	} {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			ctx := maps.Clone(deployContext)
			ctx[tt.key] = tt.value
			a := assertions.Annotations_FromStack(synth(t, ctx).stack)
			check(t, func() { a.HasError(jsii.String("/Herald"), assertions.Match_StringLikeRegexp(jsii.String(tt.want))) })
		})
	}
}

func TestCheckFrom(t *testing.T) {
	for _, tt := range []struct {
		from, identity string
		ok             bool
	}{
		{"notifications@acme.test", "acme.test", true},
		{"Herald <notifications@mail.acme.test>", "acme.test", true},
		{"Herald <Alerts@Acme.test>", "alerts@acme.test", true},
		{"notifications@evil-acme.test", "acme.test", false},
		{"other@acme.test", "alerts@acme.test", false},
	} {
		if err := checkFrom(tt.from, tt.identity); (err == nil) != tt.ok {
			t.Errorf("checkFrom(%q, identity %q) = %v, want ok=%v", tt.from, tt.identity, err, tt.ok)
		}
	}
}

// TestSAMConfig checks that samconfig.toml points at the template make synth writes, and the
// README's `sam local invoke <Function>` names exist in it.
func TestSAMConfig(t *testing.T) {
	b, err := os.ReadFile("../samconfig.toml")
	if err != nil {
		t.Fatal(err)
	}
	s := synth(t, nil)
	template := "infra/cdk.out/" + *s.stack.ArtifactId() + ".template.json"
	if !strings.Contains(string(b), `template_file = "`+template+`"`) {
		t.Errorf("samconfig.toml does not point at %s:\n%s", template, b)
	}
	for id := range functionDirs {
		if _, ok := s.resources("AWS::Lambda::Function")[id]; !ok {
			t.Errorf("no function %s for sam local invoke", id)
		}
	}
}

// TestEnvNames checks every variable the stack sets is one that package wire reads.
func TestEnvNames(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../shared/wire/wire.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if v, ok := n.(*ast.ValueSpec); ok && len(v.Values) == 1 && strings.HasPrefix(v.Names[0].Name, "Env") {
			if lit, ok := v.Values[0].(*ast.BasicLit); ok {
				s, _ := strconv.Unquote(lit.Value)
				known[s] = true
			}
		}
		return true
	})
	if len(known) == 0 {
		t.Fatal("found no Env constants in shared/wire/wire.go")
	}
	ctx := maps.Clone(deployContext)
	ctx["sesConfigurationSet"] = "herald-events"
	for id, fn := range synth(t, ctx).resources("AWS::Lambda::Function") {
		for name := range get(fn, "Properties", "Environment", "Variables").(map[string]any) {
			if !known[name] {
				t.Errorf("%s sets %s, which shared/wire does not read", id, name)
			}
		}
	}
}

func TestCheckAssets(t *testing.T) {
	dir := t.TempDir()
	if err := checkAssets(dir); err == nil || !strings.Contains(err.Error(), "bootstrap") {
		t.Errorf("checkAssets(empty dir) = %v, want an error naming the missing bootstrap", err)
	}
	// A binary built for this machine, as a plain `go build` would leave it.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range functionDirs {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
		if err := os.WriteFile(filepath.Join(dir, d, "bootstrap"), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if runtime.GOARCH == "arm64" {
		return // this machine's binaries are what Lambda runs
	}
	if err := checkAssets(dir); err == nil || !strings.Contains(err.Error(), "arm64") {
		t.Errorf("checkAssets(%s binaries) = %v, want an error: Lambda runs arm64", runtime.GOARCH, err)
	}
}
