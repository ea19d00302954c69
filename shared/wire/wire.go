// Package wire builds each Herald function's handler from its configuration. The Lambda mains
// and the local stack both use it, so what runs locally is exactly what runs in AWS.
package wire

import (
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/heraldhq/herald/shared/api"
	"github.com/heraldhq/herald/shared/audit"
	"github.com/heraldhq/herald/shared/auth"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/envconf"
	"github.com/heraldhq/herald/shared/matcher"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/producer"
	"github.com/heraldhq/herald/shared/sender"
	"github.com/heraldhq/herald/shared/sesmail"
	"github.com/heraldhq/herald/shared/store"
	"github.com/heraldhq/herald/shared/topology"
	"github.com/heraldhq/herald/shared/webhook"
)

// Environment variables.
const (
	EnvTable           = "HERALD_TABLE"
	EnvEmailQueueURL   = "HERALD_EMAIL_QUEUE_URL"
	EnvWebhookQueueURL = "HERALD_WEBHOOK_QUEUE_URL"
	EnvEmailFrom       = "HERALD_EMAIL_FROM"
	EnvAllowPrivate    = "HERALD_ALLOW_PRIVATE_WEBHOOKS"
	EnvAllowHTTP       = "HERALD_ALLOW_HTTP_WEBHOOKS"
	EnvWebhookTimeout  = "HERALD_WEBHOOK_TIMEOUT"
	EnvClaimOrg        = "HERALD_CLAIM_ORG"
	EnvClaimRole       = "HERALD_CLAIM_ROLE"
	EnvEventBus        = "HERALD_EVENT_BUS"
	EnvEmailConfigSet  = "HERALD_SES_CONFIGURATION_SET"
)

// claimLease outlives any one sender invocation, so only a sender that died mid-send loses its
// claim, and the job's next receive (after the queue's visibility timeout) can take it over.
const claimLease = 2 * topology.SenderTimeoutSeconds * time.Second

// API builds the API's HTTP handler. Test sends and redeliveries use the same deliverers as
// the senders, so the API needs their settings too (HERALD_EMAIL_FROM is optional here: without
// it an email rule's test send fails and says why).
func API(cfg aws.Config, env *envconf.Env, log *slog.Logger) (*api.Handler, error) {
	db := dynamodb.NewFromConfig(cfg)
	table := env.Require(EnvTable)
	journal := &delivery.Log{DB: db, Table: table}
	h := &api.Handler{
		Rules:      &store.Rules{DB: db, Table: table},
		Deliveries: journal,
		Journal:    journal,
		Dedup:      &delivery.Claims{DB: db, Table: table, Lease: claimLease},
		Deliverers: map[notification.Type]api.Deliverer{
			notification.Webhook: webhookDeliverer(env),
			notification.Email:   emailDeliverer(cfg, env, false),
		},
		Audit:  auditTrail(cfg, env, log),
		Policy: notification.Policy{AllowHTTP: env.Bool(EnvAllowHTTP, false)},
		Claims: auth.Claims{Org: env.String(EnvClaimOrg, "org_id"), Role: env.String(EnvClaimRole, "role")},
		Log:    log,
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	return api.New(h), nil
}

// Matcher builds the matcher's handler.
func Matcher(cfg aws.Config, env *envconf.Env, log *slog.Logger) (*matcher.Handler, error) {
	h := &matcher.Handler{
		Rules:           &store.Rules{DB: dynamodb.NewFromConfig(cfg), Table: env.Require(EnvTable)},
		Queue:           sqs.NewFromConfig(cfg),
		EmailQueueURL:   env.Require(EnvEmailQueueURL),
		WebhookQueueURL: env.Require(EnvWebhookQueueURL),
		Log:             log,
	}
	return h, env.Err()
}

// WebhookSender builds the webhook sender's handler.
func WebhookSender(cfg aws.Config, env *envconf.Env, log *slog.Logger) (*sender.Handler, error) {
	return senderHandler(cfg, env, log, notification.Webhook, EnvWebhookQueueURL, webhookDeliverer(env))
}

func webhookDeliverer(env *envconf.Env) *sender.Webhook {
	return &sender.Webhook{Client: webhook.NewClient(webhook.Options{
		AllowPrivate: env.Bool(EnvAllowPrivate, false),
		Timeout:      env.Duration(EnvWebhookTimeout, webhook.DefaultTimeout),
	})}
}

func emailDeliverer(cfg aws.Config, env *envconf.Env, required bool) *sesmail.Sender {
	from := env.String(EnvEmailFrom, "")
	if required {
		from = env.Require(EnvEmailFrom)
	}
	return &sesmail.Sender{SES: sesv2.NewFromConfig(cfg), From: from, ConfigurationSet: env.String(EnvEmailConfigSet, "")}
}

// auditTrail publishes Herald's own audit events to the bus HERALD_EVENT_BUS names; without
// one, changes are not announced, and the log says so once.
func auditTrail(cfg aws.Config, env *envconf.Env, log *slog.Logger) *audit.Trail {
	bus := env.String(EnvEventBus, "")
	if bus == "" {
		log.Warn(EnvEventBus + " is not set: rule changes will not be published as audit events")
		return &audit.Trail{Log: log}
	}
	return &audit.Trail{Publisher: &producer.Publisher{EB: eventbridge.NewFromConfig(cfg), Bus: bus}, Log: log}
}

func senderHandler(cfg aws.Config, env *envconf.Env, log *slog.Logger, typ notification.Type, queueEnv string, d sender.Deliverer) (*sender.Handler, error) {
	db := dynamodb.NewFromConfig(cfg)
	table := env.Require(EnvTable)
	rules := &store.Rules{DB: db, Table: table}
	h := &sender.Handler{
		Type:      typ,
		Rules:     rules,
		Disabler:  rules,
		Audit:     auditTrail(cfg, env, log),
		Claims:    &delivery.Claims{DB: db, Table: table, Lease: claimLease},
		Log:       &delivery.Log{DB: db, Table: table},
		Deliverer: d,
		Queue:     sqs.NewFromConfig(cfg),
		QueueURL:  env.Require(queueEnv),
		Logger:    log,
	}
	return h, env.Err()
}

// EmailSender builds the email sender's handler.
func EmailSender(cfg aws.Config, env *envconf.Env, log *slog.Logger) (*sender.Handler, error) {
	return senderHandler(cfg, env, log, notification.Email, EnvEmailQueueURL, emailDeliverer(cfg, env, true))
}
