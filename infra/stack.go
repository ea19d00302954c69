package main

import (
	"maps"
	"path/filepath"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/heraldhq/herald/shared/topology"
)

// HeraldStackProps configure NewHeraldStack. Deployment settings come from CDK context (see
// Config); only what a test must replace is a prop.
type HeraldStackProps struct {
	awscdk.StackProps
	// AssetsDir holds each function's code as <AssetsDir>/<function>/bootstrap, as make build
	// leaves it in build/. Default: ../build (the CDK CLI runs the app in infra/).
	AssetsDir string
}

// functionDirs maps each function's logical ID to its directory under functions/ and under
// HeraldStackProps.AssetsDir.
var functionDirs = map[string]string{
	"ApiFunction":           "api",
	"MatcherFunction":       "matcher",
	"EmailSenderFunction":   "email-sender",
	"WebhookSenderFunction": "webhook-sender",
}

// stackDescription is shown in the CloudFormation console; tests assert on it.
const stackDescription = "Herald: notification rules, event matching and delivery (email, webhooks)"

// The functions' environment variables, as package wire reads them (stack_test checks the
// names against shared/wire).
const (
	envTable           = "HERALD_TABLE"
	envEmailQueueURL   = "HERALD_EMAIL_QUEUE_URL"
	envWebhookQueueURL = "HERALD_WEBHOOK_QUEUE_URL"
	envEmailFrom       = "HERALD_EMAIL_FROM"
	envEmailConfigSet  = "HERALD_SES_CONFIGURATION_SET"
	envWebhookTimeout  = "HERALD_WEBHOOK_TIMEOUT"
	envClaimOrg        = "HERALD_CLAIM_ORG"
	envClaimRole       = "HERALD_CLAIM_ROLE"
	envEventBus        = "HERALD_EVENT_BUS"
)

// Operating limits.
const (
	// Each sender handles a batch of topology.BatchSize jobs in parallel, so concurrency N
	// means at most 10·N calls in flight. The email sender gets 2, the least an SQS source
	// allows: SES's default quota is 14 sends a second (1 in the sandbox), and it answers
	// Throttling beyond it, which the sender retries on its backoff schedule. Slack takes about
	// one message a second per webhook, with short bursts, and answers 429 with Retry-After,
	// which the webhook sender honours; 5 invocations bound a burst of events to 50 posts in
	// flight. Exact pacing to a quota would take a rate limiter in the senders themselves.
	emailMaxConcurrency   = 2
	webhookMaxConcurrency = 5

	// The API is for admins, the portal and the CLI, not for bulk traffic.
	apiRateLimit  = 50 // requests a second, steady
	apiBurstLimit = 100

	// webhookTimeout bounds one webhook call; a batch runs in parallel, so it must stay well
	// under topology.SenderTimeoutSeconds.
	webhookTimeout = "10s"

	// eventMaxAge is how long EventBridge (and Lambda's async queue) keeps trying to hand an
	// event to the matcher before the events DLQ takes it: about as long as a sender keeps
	// retrying a job (5 s + 30 s + 2 m + 10 m + 30 m + 1 h + 2 h).
	eventMaxAge = 4 // hours

	logRetention = awslogs.RetentionDays_ONE_MONTH
)

// NewHeraldStack defines Herald on AWS: the table, the bus and its rule, the job queues and
// their dead-letter queues, the four functions, the HTTP API, and alarms on everything that
// can silently fail. Names, keys, the event pattern and redrive come from package topology,
// as the local stack's do.
func NewHeraldStack(scope constructs.Construct, id string, props *HeraldStackProps) awscdk.Stack {
	if props == nil {
		props = &HeraldStackProps{}
	}
	sprops := props.StackProps
	if sprops.Description == nil {
		sprops.Description = jsii.String(stackDescription)
	}
	assets := props.AssetsDir
	if assets == "" {
		assets = filepath.Join("..", "build")
	}
	stack := awscdk.NewStack(scope, &id, &sprops)

	cfg, warnings, errs := configFromContext(stack.Node())
	for _, key := range slices.Sorted(maps.Keys(warnings)) {
		awscdk.Annotations_Of(stack).AddWarningV2(jsii.String("herald:"+key), jsii.String(warnings[key]), nil)
	}
	for _, msg := range errs {
		awscdk.Annotations_Of(stack).AddError(jsii.String(msg))
	}
	names := cfg.Names()

	table := awsdynamodb.NewTable(stack, jsii.String("Table"), &awsdynamodb.TableProps{
		TableName:    jsii.String(names.Table),
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(topology.PartitionKey), Type: awsdynamodb.AttributeType_STRING},
		SortKey:      &awsdynamodb.Attribute{Name: jsii.String(topology.SortKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		TimeToLiveAttribute: jsii.String(topology.TTLAttribute),
		// The rules are the customers' data: deleting the stack must not delete them.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	readableID(table, "Table")

	emailJobs, emailDLQ := jobQueue(stack, "EmailJobs", names.EmailQueue)
	webhookJobs, webhookDLQ := jobQueue(stack, "WebhookJobs", names.WebhookQueue)
	eventsDLQ := deadLetterQueue(stack, "EventsDLQ", cfg.EventsDLQ())

	bus := awsevents.NewEventBus(stack, jsii.String("EventBus"), &awsevents.EventBusProps{EventBusName: jsii.String(names.Bus)})
	readableID(bus, "EventBus")

	fn := func(id string, timeoutSeconds float64, env map[string]string, dlq awssqs.IQueue) awslambda.Function {
		return function(stack, id, functionProps{code: filepath.Join(assets, functionDirs[id]), timeout: timeoutSeconds, env: env, dlq: dlq})
	}
	// The API also sends test deliveries and redeliveries itself (a webhook takes up to
	// webhookTimeout), within API Gateway's 30 s, and publishes its audit events to the bus.
	apiEnv := map[string]string{
		envTable:          *table.TableName(),
		envClaimOrg:       cfg.ClaimOrg,
		envClaimRole:      cfg.ClaimRole,
		envEventBus:       *bus.EventBusName(),
		envEmailFrom:      cfg.EmailFrom,
		envWebhookTimeout: webhookTimeout,
	}
	if cfg.SESConfigurationSet != "" {
		apiEnv[envEmailConfigSet] = cfg.SESConfigurationSet
	}
	apiFn := fn("ApiFunction", 29, apiEnv, nil)
	matcherFn := fn("MatcherFunction", 30, map[string]string{
		envTable:           *table.TableName(),
		envEmailQueueURL:   *emailJobs.QueueUrl(),
		envWebhookQueueURL: *webhookJobs.QueueUrl(),
	}, eventsDLQ) // Lambda's own async retries end in the events DLQ too
	emailEnv := map[string]string{
		envTable:         *table.TableName(),
		envEmailQueueURL: *emailJobs.QueueUrl(),
		envEmailFrom:     cfg.EmailFrom,
		envEventBus:      *bus.EventBusName(),
	}
	if cfg.SESConfigurationSet != "" {
		emailEnv[envEmailConfigSet] = cfg.SESConfigurationSet
	}
	emailFn := fn("EmailSenderFunction", topology.SenderTimeoutSeconds, emailEnv, nil)
	webhookFn := fn("WebhookSenderFunction", topology.SenderTimeoutSeconds, map[string]string{
		envTable:           *table.TableName(),
		envWebhookQueueURL: *webhookJobs.QueueUrl(),
		envWebhookTimeout:  webhookTimeout,
		envEventBus:        *bus.EventBusName(),
	}, nil)

	// Each function may do exactly what its code calls (shared/store, shared/delivery,
	// shared/matcher, shared/sender). The API's TransactWriteItems is authorized per item
	// (Put, Update, Delete); SendMessageBatch as sqs:SendMessage.
	grant(table, apiFn, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query")
	grant(table, matcherFn, "dynamodb:Query")
	for _, f := range []awslambda.Function{emailFn, webhookFn} {
		// Read the rule, claim and settle the delivery, write the delivery log and the rule's
		// run of failures (deleted on success), turn a failing rule off.
		grant(table, f, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
	}
	// The API's changes and the senders' auto-disables are audit events on the bus.
	for _, f := range []awslambda.Function{apiFn, emailFn, webhookFn} {
		bus.GrantPutEventsTo(f, nil)
	}
	emailJobs.Grant(matcherFn, jsii.String("sqs:SendMessage"))
	webhookJobs.Grant(matcherFn, jsii.String("sqs:SendMessage"))

	// The senders' queues feed them in batches and take back only the jobs that failed.
	feed(emailFn, emailJobs, "EmailJobsSource", emailMaxConcurrency)
	feed(webhookFn, webhookJobs, "WebhookJobsSource", webhookMaxConcurrency)

	// The email sender may send only as the configured identity, from the configured address.
	sesResources := []*string{stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"),
		Resource: jsii.String("identity"), ResourceName: jsii.String(cfg.SESIdentity)})}
	if cfg.SESConfigurationSet != "" {
		sesResources = append(sesResources, stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"),
			Resource: jsii.String("configuration-set"), ResourceName: jsii.String(cfg.SESConfigurationSet)}))
	}
	// The API sends test emails the same way.
	for _, f := range []awslambda.Function{emailFn, apiFn} {
		f.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:    jsii.Strings("ses:SendEmail"),
			Resources:  &sesResources,
			Conditions: &map[string]any{"StringEquals": map[string]any{"ses:FromAddress": cfg.FromAddress()}},
		}))
	}

	rule := awsevents.NewRule(stack, jsii.String("EventRule"), &awsevents.RuleProps{
		RuleName:     jsii.String(names.Rule),
		Description:  jsii.String("Herald: login and audit events to the matcher"),
		EventBus:     bus,
		EventPattern: eventPattern(),
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(matcherFn, &awseventstargets.LambdaFunctionProps{
			DeadLetterQueue: eventsDLQ,
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(eventMaxAge)),
			RetryAttempts:   jsii.Number(185), // the most EventBridge allows: the age decides
		})},
	})
	readableID(rule, "EventRule")
	matcherFn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		MaxEventAge:   awscdk.Duration_Hours(jsii.Number(eventMaxAge)),
		RetryAttempts: jsii.Number(2),
	})

	api := httpAPI(stack, cfg, apiFn)

	// Alarms: anything in a dead-letter queue, and any function error, tells someone.
	topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{DisplayName: jsii.String("Herald alarms")})
	if cfg.AlarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.AlarmEmail), nil))
	}
	alarm := func(id, description string, metric awscloudwatch.IMetric) {
		a := awscloudwatch.NewAlarm(stack, jsii.String(id), &awscloudwatch.AlarmProps{
			Metric:             metric,
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription:   jsii.String(description),
		})
		a.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
	}
	fiveMinutes := awscdk.Duration_Minutes(jsii.Number(5))
	for _, q := range []awssqs.Queue{emailDLQ, webhookDLQ, eventsDLQ} {
		id := *q.Node().Id()
		alarm(id+"Alarm", "Herald: messages in "+id+", given up on; inspect them, then redrive",
			q.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: fiveMinutes, Statistic: jsii.String("Maximum")}))
	}
	for _, f := range []awslambda.Function{apiFn, matcherFn, emailFn, webhookFn} {
		id := *f.Node().Id()
		alarm(id+"ErrorsAlarm", "Herald: "+id+" failed; see its log group",
			f.MetricErrors(&awscloudwatch.MetricOptions{Period: fiveMinutes, Statistic: jsii.String("Sum")}))
	}

	output := func(id, description string, value *string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
	}
	output("ApiUrl", "Herald's API (HERALD_API_URL for the CLI)", api.Url())
	output("EventBusName", "the bus producers put login and audit events on", bus.EventBusName())
	output("EventBusArn", "the bus's ARN, for producers' IAM policies", bus.EventBusArn())
	output("TableName", "the DynamoDB table", table.TableName())
	output("EmailQueueUrl", "the email job queue", emailJobs.QueueUrl())
	output("WebhookQueueUrl", "the webhook job queue", webhookJobs.QueueUrl())
	output("EmailDLQUrl", "email jobs given up on", emailDLQ.QueueUrl())
	output("WebhookDLQUrl", "webhook jobs given up on", webhookDLQ.QueueUrl())
	output("EventsDLQUrl", "events the matcher could not take", eventsDLQ.QueueUrl())
	output("AlarmTopicArn", "subscribe here to Herald's alarms", topic.TopicArn())
	return stack
}

// grant lets f call actions on table (and only on it).
func grant(table awsdynamodb.Table, f awslambda.IFunction, actions ...string) {
	table.Grant(f, *jsii.Strings(actions...)...)
}

// jobQueue defines a job queue and its dead-letter queue: a job is tried
// topology.MaxReceiveCount times (the sender's whole backoff schedule), and each receive
// outlives a sender invocation several times over, as Lambda's SQS source requires.
func jobQueue(stack awscdk.Stack, id, name string) (queue, dlq awssqs.Queue) {
	dlq = deadLetterQueue(stack, id+"DLQ", topology.DLQ(name))
	queue = awssqs.NewQueue(stack, jsii.String(id), &awssqs.QueueProps{
		QueueName:         jsii.String(name),
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(topology.VisibilityTimeoutSeconds)),
		DeadLetterQueue:   &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(topology.MaxReceiveCount)},
		Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:        jsii.Bool(true),
	})
	readableID(queue, id)
	return queue, dlq
}

func deadLetterQueue(stack awscdk.Stack, id, name string) awssqs.Queue {
	q := awssqs.NewQueue(stack, jsii.String(id), &awssqs.QueueProps{
		QueueName:       jsii.String(name),
		RetentionPeriod: awscdk.Duration_Seconds(jsii.Number(topology.DLQRetentionSeconds)),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
	})
	readableID(q, id)
	return q
}

// feed makes q the event source of f. Lambda polls with f's role, which may do exactly what
// the poller needs (receive, delete, read the queue's attributes) and what the sender itself
// calls: ChangeMessageVisibility, to delay a retry on its backoff schedule.
func feed(f awslambda.Function, q awssqs.Queue, id string, maxConcurrency float64) {
	q.Grant(f, *jsii.Strings("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility")...)
	m := f.AddEventSourceMapping(jsii.String(id), &awslambda.EventSourceMappingOptions{
		EventSourceArn:          q.QueueArn(),
		BatchSize:               jsii.Number(topology.BatchSize),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(maxConcurrency),
	})
	readableID(m, id)
}

type functionProps struct {
	code    string  // the directory holding bootstrap
	timeout float64 // seconds
	env     map[string]string
	dlq     awssqs.IQueue // for failed asynchronous invocations
}

// function defines a Go function on Lambda's OS-only runtime, with its own role and log group
// so that it can write only its own logs.
func function(stack awscdk.Stack, id string, p functionProps) awslambda.Function {
	role := awsiam.NewRole(stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Herald " + id),
	})
	logs := awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention:     logRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	logs.GrantWrite(role)
	env := map[string]*string{}
	for k, v := range p.env {
		env[k] = jsii.String(v)
	}
	f := awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(p.code), nil),
		MemorySize:   jsii.Number(256),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(p.timeout)),
		Environment:  &env,
		Role:         role,
		LogGroup:     logs,
		// JSON: Lambda sets AWS_LAMBDA_LOG_FORMAT, and lambdacontext.NewLogger logs slog JSON.
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: awslambda.ApplicationLogLevel_INFO,
		SystemLogLevelV2:      awslambda.SystemLogLevel_WARN,
		DeadLetterQueue:       p.dlq,
	})
	readableID(f, id)
	return f
}

// publicPaths are the API function's routes that need no token (GET only).
var publicPaths = []string{"/v1/openapi.yaml", "/", "/assets/{proxy+}"}

// httpAPI defines the HTTP API: /v1/* through the API function behind the JWT authorizer,
// except the public paths; throttled; CORS for a portal served from another origin.
func httpAPI(stack awscdk.Stack, cfg Config, fn awslambda.IFunction) awsapigatewayv2.HttpStage {
	props := &awsapigatewayv2.HttpApiProps{
		ApiName:            stack.StackName(),
		Description:        jsii.String("Herald's notification rules API"),
		CreateDefaultStage: jsii.Bool(false), // the stage below, with throttling
	}
	if len(cfg.PortalOrigins) > 0 {
		props.CorsPreflight = &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: jsii.Strings(cfg.PortalOrigins...),
			AllowMethods: &[]awsapigatewayv2.CorsHttpMethod{awsapigatewayv2.CorsHttpMethod_GET, awsapigatewayv2.CorsHttpMethod_POST,
				awsapigatewayv2.CorsHttpMethod_PATCH, awsapigatewayv2.CorsHttpMethod_DELETE},
			AllowHeaders:  jsii.Strings("authorization", "content-type"),
			ExposeHeaders: jsii.Strings("location"),
			MaxAge:        awscdk.Duration_Hours(jsii.Number(1)),
		}
	}
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("HttpApi"), props)
	readableID(api, "HttpApi")

	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("ApiIntegration"), fn, nil)
	// Public: the OpenAPI document, and the portal (its page and assets), which signs in with a
	// token and then calls /v1 with it.
	for _, path := range publicPaths {
		api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
			Integration: integration,
			Authorizer:  awsapigatewayv2.NewHttpNoneAuthorizer(),
		})
	}
	api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String("/v1/{proxy+}"),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_ANY},
		Integration: integration,
		Authorizer: awsapigatewayv2authorizers.NewHttpJwtAuthorizer(jsii.String("JwtAuthorizer"), jsii.String(cfg.JWTIssuer),
			&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
				JwtAudience:    jsii.Strings(cfg.JWTAudience...),
				IdentitySource: jsii.Strings("$request.header.Authorization"),
			}),
	})
	return awsapigatewayv2.NewHttpStage(stack, jsii.String("ApiStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:    api,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle:   &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(apiRateLimit), BurstLimit: jsii.Number(apiBurstLimit)},
	})
}

// eventPattern is topology.EventPattern in the CDK's terms; stack_test checks that the rule's
// pattern is exactly topology's.
func eventPattern() *awsevents.EventPattern {
	types, _ := topology.EventPattern()["detail-type"].([]string)
	return &awsevents.EventPattern{DetailType: jsii.Strings(types...)}
}

// readableID gives c's CloudFormation resource a stable logical ID without CDK's hash suffix,
// so people (and `sam local invoke ApiFunction`) can name it.
func readableID(c constructs.IConstruct, id string) {
	c.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(id))
}
