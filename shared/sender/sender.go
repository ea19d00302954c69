// Package sender runs a delivery job batch from SQS the way Herald's sender functions do: read
// the rule again, claim the delivery id, deliver, settle the claim, log the attempt, and hand
// transient failures back to SQS with a growing delay, as partial batch failures.
package sender

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/heraldhq/herald/shared/audit"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/store"
	"github.com/heraldhq/herald/shared/topology"
	"github.com/heraldhq/herald/shared/webhook"
)

// Deliverer sends one job to one rule's destination.
type Deliverer interface {
	Deliver(ctx context.Context, rule notification.Rule, job delivery.Job) delivery.Attempt
}

// Rules reads a rule as it is now.
type Rules interface {
	Get(ctx context.Context, org, name string) (notification.Rule, error)
}

// Claims makes a delivery happen once.
type Claims interface {
	Claim(ctx context.Context, id string) error
	Settle(ctx context.Context, id string, o delivery.Outcome) error
}

// Recorder writes the delivery log and keeps each rule's run of failures.
type Recorder interface {
	Record(ctx context.Context, e delivery.Entry) error
	Begin(ctx context.Context, org, rule, id string, ev event.Event) (int, error)
	Keep(ctx context.Context, org, rule, id string, ev event.Event) error
	FinalFailure(ctx context.Context, org, rule string) (int, error)
	Healthy(ctx context.Context, org, rule string) error
}

// Disabler turns a rule off, saying why.
type Disabler interface {
	Disable(ctx context.Context, org, name, reason, actor string, now time.Time) (notification.Rule, error)
}

// AutoDisableAfter is how many deliveries in a row must fail for good before Herald turns a
// rule off, so a dead endpoint does not fail silently forever.
const AutoDisableAfter = 5

// Visibility delays a message's next receive.
type Visibility interface {
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// Handler processes SQS batches of delivery jobs.
type Handler struct {
	Type      notification.Type // the rule type this sender delivers
	Rules     Rules
	Claims    Claims
	Log       Recorder
	Deliverer Deliverer
	Queue     Visibility
	QueueURL  string
	Logger    *slog.Logger
	Now       func() time.Time
	// Disabler and Audit turn off a rule whose deliveries keep failing and say so on the bus.
	Disabler Disabler
	Audit    *audit.Trail
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now().UTC()
}

// Handle processes a batch concurrently and reports the messages to try again.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var (
		mu   sync.Mutex
		resp = events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		wg   sync.WaitGroup
	)
	for _, m := range ev.Records {
		wg.Go(func() {
			if !h.process(ctx, m) {
				mu.Lock()
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return resp, nil
}

// process handles one message and reports whether it is done (true) or should come back (false).
func (h *Handler) process(ctx context.Context, m events.SQSMessage) bool {
	log := h.Logger.With("sqs_message_id", m.MessageId)
	var job delivery.Job
	if err := json.Unmarshal([]byte(m.Body), &job); err != nil || job.ID == "" || job.Org == "" || job.Rule == "" {
		// Nothing will ever make it readable: drop it, loudly.
		log.Error("dropping malformed delivery job", "reason", reason(err, "job lacks delivery_id, org_id or notification"))
		return true
	}
	log = log.With("delivery_id", job.ID, "org", job.Org, "notification", job.Rule, "event_id", job.Event.ID)
	attempt := receiveCount(m)
	entry := delivery.Entry{
		Org: job.Org, Rule: job.Rule, DeliveryID: job.ID, Attempt: attempt,
		EventType: job.Event.Type, EventID: job.Event.ID, Test: job.Event.Test,
	}

	rule, err := h.Rules.Get(ctx, job.Org, job.Rule)
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.record(ctx, log, entry, delivery.Skipped, "the notification was deleted before delivery")
		return true
	case err != nil:
		log.Error("reading the rule failed; will retry", "error", err)
		return h.retryLater(ctx, log, m, attempt, 0)
	case !rule.Enabled:
		// Kept, so an admin can redeliver it once the rule is back on.
		if err := h.Log.Keep(ctx, job.Org, job.Rule, job.ID, job.Event); err != nil {
			log.Error("keeping the skipped event failed", "error", err)
		}
		h.record(ctx, log, entry, delivery.Skipped, "the notification is disabled")
		return true
	case rule.Type != h.Type:
		h.record(ctx, log, entry, delivery.Skipped, "the notification is now a "+string(rule.Type)+" rule")
		return true
	}

	if err := h.Claims.Claim(ctx, job.ID); errors.Is(err, delivery.ErrClaimed) {
		h.record(ctx, log, entry, delivery.Duplicate, "already delivered")
		return true
	} else if errors.Is(err, delivery.ErrBusy) {
		// A copy of this job is being sent right now; if that fails, this one is the retry.
		log.Info("another sender is delivering this job; will look again later")
		return h.retryLater(ctx, log, m, attempt, 0)
	} else if err != nil {
		log.Error("claiming the delivery failed; will retry", "error", err)
		return h.retryLater(ctx, log, m, attempt, 0)
	}

	n, err := h.Log.Begin(ctx, job.Org, job.Rule, job.ID, job.Event)
	if err != nil {
		log.Error("starting the attempt failed; will retry", "error", err)
		if err := h.Claims.Settle(ctx, job.ID, delivery.Retrying); err != nil {
			log.Error("releasing the claim failed", "error", err)
		}
		return h.retryLater(ctx, log, m, attempt, 0)
	}
	entry.Attempt = n

	start := time.Now()
	a := h.Deliverer.Deliver(ctx, rule, job)
	entry.DurationMS = time.Since(start).Milliseconds()
	entry.Status, entry.MessageID = a.Status, a.MessageID

	outcome := a.Outcome
	if outcome == delivery.Retrying && attempt >= topology.MaxReceiveCount {
		outcome = delivery.Exhausted // SQS moves it to the dead-letter queue after this receive
	}
	if err := h.Claims.Settle(ctx, job.ID, outcome); err != nil {
		log.Error("settling the claim failed", "error", err)
	}
	h.record(ctx, log, entry, outcome, a.Error)
	if !a.Platform {
		h.health(ctx, log, rule, outcome)
	}
	switch outcome {
	case delivery.Delivered, delivery.Failed:
		return true
	case delivery.Exhausted:
		return false
	}
	return h.retryLater(ctx, log, m, attempt, a.RetryAfter)
}

// retryLater sets the message's next receive on the backoff schedule and reports it as failed.
func (h *Handler) retryLater(ctx context.Context, log *slog.Logger, m events.SQSMessage, attempt int, retryAfter time.Duration) bool {
	if h.Queue == nil || h.QueueURL == "" || m.ReceiptHandle == "" {
		return false
	}
	delay := webhook.Backoff(attempt, retryAfter)
	_, err := h.Queue.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl:          aws.String(h.QueueURL),
		ReceiptHandle:     aws.String(m.ReceiptHandle),
		VisibilityTimeout: int32(delay / time.Second),
	})
	if err != nil {
		// The queue's own visibility timeout still brings it back, just sooner or later.
		log.Warn("could not delay the retry", "error", err)
	}
	return false
}

func (h *Handler) record(ctx context.Context, log *slog.Logger, e delivery.Entry, o delivery.Outcome, msg string) {
	e.Outcome, e.Error, e.Time = o, msg, h.now()
	level := slog.LevelInfo
	if o == delivery.Failed || o == delivery.Exhausted {
		level = slog.LevelWarn
	}
	log.Log(ctx, level, "delivery "+string(o), "attempt", e.Attempt, "status", e.Status, "error", msg, "duration_ms", e.DurationMS)
	if err := h.Log.Record(ctx, e); err != nil {
		// The delivery itself stands; a missing log line is not worth sending twice.
		log.Error("writing the delivery log failed", "error", err)
	}
}

// health keeps the rule's run of final failures and turns the rule off when it reaches
// AutoDisableAfter.
func (h *Handler) health(ctx context.Context, log *slog.Logger, rule notification.Rule, o delivery.Outcome) {
	switch o {
	case delivery.Delivered:
		if err := h.Log.Healthy(ctx, rule.Org, rule.Name); err != nil {
			log.Error("resetting the rule's failures failed", "error", err)
		}
		return
	case delivery.Failed, delivery.Exhausted:
	default:
		return
	}
	n, err := h.Log.FinalFailure(ctx, rule.Org, rule.Name)
	if err != nil {
		log.Error("counting the failure failed", "error", err)
		return
	}
	if n < AutoDisableAfter || h.Disabler == nil {
		return
	}
	reason := fmt.Sprintf("Herald turned this notification off: its last %d deliveries failed. Fix the destination, then enable it again.", n)
	after, err := h.Disabler.Disable(ctx, rule.Org, rule.Name, reason, audit.System.ID, h.now())
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return // already off, or gone: nothing to announce
	}
	if err != nil {
		log.Error("disabling the failing rule failed", "error", err)
		return
	}
	log.Warn("notification auto-disabled", "failures", n)
	h.Audit.Record(ctx, rule.Org, audit.System, audit.AutoDisabled, &rule, &after)
}

func receiveCount(m events.SQSMessage) int {
	n, err := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
	if err != nil || n < 1 {
		return 1
	}
	return n
}

func reason(err error, fallback string) string {
	if err != nil {
		return err.Error()
	}
	return fallback
}
