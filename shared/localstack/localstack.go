// Package localstack runs all of Herald's functions on one machine against local AWS
// endpoints: it provisions the resources from package topology and plays Lambda's event
// sources, feeding the bus rule's queue to the matcher and the job queues to the senders.
package localstack

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/heraldhq/herald/shared/envconf"
	"github.com/heraldhq/herald/shared/eventsource"
	"github.com/heraldhq/herald/shared/provision"
	"github.com/heraldhq/herald/shared/sesmail"
	"github.com/heraldhq/herald/shared/topology"
	"github.com/heraldhq/herald/shared/wire"
)

// Options configure a local stack.
type Options struct {
	Names          topology.Names
	EmailFrom      string        // default topology.DefaultSESFrom
	AllowPrivate   bool          // let webhooks reach loopback and private addresses
	WebhookTimeout time.Duration // default 10s
	PollWait       time.Duration // long-poll wait of each poller; default 1s
	Log            *slog.Logger
}

// Stack is a provisioned local Herald.
type Stack struct {
	Resources provision.Resources
	cfg       aws.Config
	opts      Options
	sqs       *sqs.Client
}

// Provision creates (or finds) every resource and verifies the sender's SES identity.
func Provision(ctx context.Context, cfg aws.Config, o Options) (*Stack, error) {
	if o.EmailFrom == "" {
		o.EmailFrom = topology.DefaultSESFrom
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	s := &Stack{cfg: cfg, opts: o, sqs: sqs.NewFromConfig(cfg)}
	var err error
	s.Resources, err = provision.Stack(ctx, provision.Clients{
		DynamoDB: dynamodb.NewFromConfig(cfg), SQS: s.sqs, EventBridge: eventbridge.NewFromConfig(cfg),
	}, o.Names)
	if err != nil {
		return nil, err
	}
	from, err := sesmail.Address(o.EmailFrom)
	if err != nil {
		return nil, fmt.Errorf("localstack: email sender %q: %w", o.EmailFrom, err)
	}
	if err := provision.EmailIdentity(ctx, sesv2.NewFromConfig(cfg), from); err != nil {
		return nil, err
	}
	return s, nil
}

// Env is the functions' environment for this stack, as the CDK stack sets it in AWS.
func (s *Stack) Env() map[string]string {
	return map[string]string{
		wire.EnvTable:           s.Resources.Names.Table,
		wire.EnvEmailQueueURL:   s.Resources.EmailQueueURL,
		wire.EnvWebhookQueueURL: s.Resources.WebhookQueueURL,
		wire.EnvEmailFrom:       s.opts.EmailFrom,
		wire.EnvEventBus:        s.Resources.Names.Bus,
		wire.EnvAllowPrivate:    fmt.Sprint(s.opts.AllowPrivate),
		wire.EnvAllowHTTP:       fmt.Sprint(s.opts.AllowPrivate),
		wire.EnvWebhookTimeout:  durationOr(s.opts.WebhookTimeout, 10*time.Second).String(),
	}
}

// Run plays the event sources until ctx is done: the matcher on the bus rule's queue, each
// sender on its job queue, built exactly as the Lambda functions build them.
func (s *Stack) Run(ctx context.Context) error {
	env := envconf.FromMap(s.Env())
	m, err := wire.Matcher(s.cfg, env, s.opts.Log.With("function", "matcher"))
	if err != nil {
		return err
	}
	email, err := wire.EmailSender(s.cfg, env, s.opts.Log.With("function", "email-sender"))
	if err != nil {
		return err
	}
	hook, err := wire.WebhookSender(s.cfg, env, s.opts.Log.With("function", "webhook-sender"))
	if err != nil {
		return err
	}
	pollers := []*eventsource.Poller{
		s.poller(s.Resources.EventQueueURL, eventsource.EventBridge(m.Handle, s.opts.Log.With("function", "matcher"))),
		s.poller(s.Resources.EmailQueueURL, email.Handle),
		s.poller(s.Resources.WebhookQueueURL, hook.Handle),
	}
	var wg sync.WaitGroup
	for _, p := range pollers {
		wg.Go(func() { p.Run(ctx) })
	}
	wg.Wait()
	return nil
}

func (s *Stack) poller(url string, h eventsource.BatchHandler) *eventsource.Poller {
	return &eventsource.Poller{SQS: s.sqs, QueueURL: url, Handler: h, Wait: s.opts.PollWait, Log: s.opts.Log}
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
