// Package topology names the AWS resources Herald runs on and how they are shaped: the table's
// keys, the queues and their redrive, the bus rule's event pattern. The CDK stack and the local
// stack both build from it, so the two cannot drift.
package topology

import (
	"encoding/json"

	"github.com/heraldhq/herald/shared/event"
)

// The table.
const (
	PartitionKey = "PK"
	SortKey      = "SK"
	TTLAttribute = "expires_at"
)

// Default resource names; a deployment may prefix them.
const (
	TableName       = "herald"
	EventBusName    = "herald"
	EventRuleName   = "herald-events"
	EmailQueue      = "herald-email-jobs"
	WebhookQueue    = "herald-webhook-jobs"
	EventsDLQ       = "herald-events-dlq"
	DLQSuffix       = "-dlq"
	DefaultSESFrom  = "notifications@herald.local"
	LocalEventQueue = "herald-local-events" // the local stack's stand-in for the rule's Lambda target
)

// Queue settings shared by both job queues.
const (
	// MaxReceiveCount is how often a job is tried before its queue's DLQ takes it: one first try
	// plus one per step of the sender's backoff schedule (5s, 30s, 2m, 10m, 30m, 1h, 2h).
	MaxReceiveCount = 8
	// SenderTimeoutSeconds bounds one sender invocation; a batch of 10 webhooks at 10 s each
	// runs concurrently, so 30 s leaves room for SES and DynamoDB too.
	SenderTimeoutSeconds = 30
	// VisibilityTimeoutSeconds is six times the sender's timeout, as Lambda's SQS source advises.
	VisibilityTimeoutSeconds = 6 * SenderTimeoutSeconds
	// BatchSize is the senders' SQS batch size.
	BatchSize = 10
	// DLQRetentionSeconds keeps dead jobs for 14 days, SQS's maximum.
	DLQRetentionSeconds = 14 * 24 * 3600
)

// EventPattern is the bus rule's pattern: the three detail-types Herald handles.
func EventPattern() map[string]any {
	return map[string]any{"detail-type": event.DetailTypes()}
}

// EventPatternJSON is EventPattern as EventBridge's PutRule wants it.
func EventPatternJSON() string {
	b, err := json.Marshal(EventPattern())
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	return string(b)
}

// Names are the names of one deployment's resources.
type Names struct {
	Table        string
	Bus          string
	Rule         string
	EmailQueue   string
	WebhookQueue string
	// EventQueue is the local stack's stand-in for the bus rule's Lambda target.
	EventQueue string
}

// DefaultNames are the names a deployment uses unless told otherwise.
func DefaultNames() Names {
	return Names{Table: TableName, Bus: EventBusName, Rule: EventRuleName,
		EmailQueue: EmailQueue, WebhookQueue: WebhookQueue, EventQueue: LocalEventQueue}
}

// WithSuffix returns n with suffix appended to every name, so several stacks (tests) can share
// one emulator.
func (n Names) WithSuffix(suffix string) Names {
	return Names{Table: n.Table + suffix, Bus: n.Bus + suffix, Rule: n.Rule + suffix,
		EmailQueue: n.EmailQueue + suffix, WebhookQueue: n.WebhookQueue + suffix, EventQueue: n.EventQueue + suffix}
}

// DLQ is the dead-letter queue's name for queue.
func DLQ(queue string) string { return queue + DLQSuffix }
