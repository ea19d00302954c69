// Package delivery holds what flows from the matcher to the senders and what they leave behind:
// delivery jobs, the claims that make each delivery happen once, and the delivery log.
package delivery

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
)

// Job asks a sender to deliver one event to one rule. It names the rule instead of carrying
// it, so the sender reads the rule as it is at delivery time and no secret sits in a queue.
type Job struct {
	ID       string            `json:"delivery_id"`
	Org      string            `json:"org_id"`
	Rule     string            `json:"notification"`
	Type     notification.Type `json:"type"`
	Event    event.Event       `json:"event"`
	Enqueued time.Time         `json:"enqueued_at"`
}

// ID is the delivery id of an event for a rule: stable, so the same event matched twice (a
// redelivered EventBridge event, a retried batch) yields the same id and is delivered once.
func ID(org, eventID, rule string) string {
	sum := sha256.Sum256([]byte(org + "\x00" + eventID + "\x00" + rule))
	return "dlv_" + hex.EncodeToString(sum[:16])
}

// Outcome is how a delivery attempt ended.
type Outcome string

// The outcomes written to the delivery log.
const (
	Delivered Outcome = "delivered" // the receiver or SES accepted it
	Retrying  Outcome = "retrying"  // a transient failure; the job will be tried again
	Failed    Outcome = "failed"    // a permanent failure; not retried
	Skipped   Outcome = "skipped"   // the rule was disabled or deleted before delivery
	Duplicate Outcome = "duplicate" // this delivery id was already delivered or is being delivered
	Exhausted Outcome = "exhausted" // every retry failed; the job went to the dead-letter queue
)

// SendResult is how a send made on request (a test send or a redelivery) went, as the API
// answers it.
type SendResult struct {
	DeliveryID string      `json:"delivery_id"`
	Attempt    int         `json:"attempt"`
	Outcome    Outcome     `json:"outcome"`
	Status     int         `json:"status,omitempty"`
	MessageID  string      `json:"message_id,omitempty"`
	Error      string      `json:"error,omitempty"`
	DurationMS int64       `json:"duration_ms"`
	Event      event.Event `json:"event"`
}

// Attempt is what one try at sending a job came to.
type Attempt struct {
	Outcome    Outcome       // Delivered, Retrying or Failed
	Status     int           // the receiver's HTTP status, if it answered
	MessageID  string        // SES's message id, for email
	Error      string        // short, human, and free of secrets
	RetryAfter time.Duration // the receiver's Retry-After, if any
	// Platform marks a failure of the deployment (SES setup, permissions), not of the rule's
	// destination: it never counts towards turning the rule off.
	Platform bool
}
