// Package matcher turns an event from EventBridge into delivery jobs: one Query for the
// organization's rules, one job per enabled rule that subscribes to the event's type, sent to
// the email or webhook queue in batches of ten.
package matcher

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
)

// Rules lists an organization's rules with one Query.
type Rules interface {
	List(ctx context.Context, org string) ([]notification.Rule, error)
}

// Queue is the part of SQS the matcher calls.
type Queue interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// Handler matches events to rules.
type Handler struct {
	Rules           Rules
	Queue           Queue
	EmailQueueURL   string
	WebhookQueueURL string
	Log             *slog.Logger
	Now             func() time.Time
	// Retries is how often entries SQS refused are sent again before giving up (default 3).
	Retries int
}

// Handle processes one EventBridge event. A malformed event is logged and dropped (nil error);
// an error is returned only when trying again can help, so EventBridge retries it.
func (h *Handler) Handle(ctx context.Context, e events.EventBridgeEvent) error {
	ev, err := event.Parse(event.Envelope{ID: e.ID, DetailType: e.DetailType, Source: e.Source, Time: e.Time, Detail: e.Detail})
	if errors.Is(err, event.ErrMalformed) {
		h.Log.ErrorContext(ctx, "dropping an event that cannot be processed", "eventbridge_id", e.ID, "detail_type", e.DetailType, "reason", err.Error())
		return nil
	}
	if err != nil {
		return err
	}
	_, err = h.Match(ctx, ev)
	return err
}

// Match enqueues ev's jobs and returns them.
func (h *Handler) Match(ctx context.Context, ev event.Event) ([]delivery.Job, error) {
	rules, err := h.Rules.List(ctx, ev.Org)
	if err != nil {
		return nil, fmt.Errorf("matcher: rules of %s: %w", ev.Org, err)
	}
	jobs := Jobs(ev, rules, h.now())
	log := h.Log.With("org", ev.Org, "event_id", ev.ID, "event_type", ev.Type)
	if len(jobs) == 0 {
		log.InfoContext(ctx, "no rule matches", "rules", len(rules))
		return nil, nil
	}
	var email, hook []delivery.Job
	for _, j := range jobs {
		if j.Type == notification.Email {
			email = append(email, j)
		} else {
			hook = append(hook, j)
		}
	}
	if err := h.enqueue(ctx, h.EmailQueueURL, email); err != nil {
		return nil, err
	}
	if err := h.enqueue(ctx, h.WebhookQueueURL, hook); err != nil {
		return nil, err
	}
	log.InfoContext(ctx, "matched", "rules", len(rules), "email_jobs", len(email), "webhook_jobs", len(hook))
	return jobs, nil
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now().UTC()
}

// Jobs returns ev's delivery jobs for rules: one per enabled rule that subscribes to ev's type.
func Jobs(ev event.Event, rules []notification.Rule, now time.Time) []delivery.Job {
	var jobs []delivery.Job
	for i := range rules {
		r := &rules[i]
		if !r.Enabled || !r.Subscribes(ev.Type) {
			continue
		}
		jobs = append(jobs, delivery.Job{
			ID: delivery.ID(ev.Org, ev.ID, r.Name), Org: ev.Org, Rule: r.Name, Type: r.Type,
			Event: ev, Enqueued: now,
		})
	}
	return jobs
}

// enqueue sends jobs to queueURL in as few batches as SQS allows, sending refused entries again.
func (h *Handler) enqueue(ctx context.Context, queueURL string, jobs []delivery.Job) error {
	retries := h.Retries
	if retries <= 0 {
		retries = 3
	}
	if len(jobs) == 0 {
		return nil
	}
	// Every job carries the same event: encode it once, not once per rule.
	ev, err := json.Marshal(jobs[0].Event)
	if err != nil {
		return fmt.Errorf("matcher: marshal event %s: %w", jobs[0].Event.ID, err)
	}
	ev = sqsSafeJSON(ev)
	bodies := make([]string, 0, len(jobs))
	for _, j := range jobs {
		body, err := encodeJob(j, ev)
		if err != nil {
			return err
		}
		if len(body) > maxBatchBytes {
			// SQS would refuse it every time: say so, and deliver the other jobs.
			h.Log.ErrorContext(ctx, "dropping a job larger than an SQS message may be", "delivery_id", j.ID, "notification", j.Rule, "bytes", len(body))
			continue
		}
		bodies = append(bodies, body)
	}
	for _, batch := range batches(bodies) {
		if err := h.send(ctx, queueURL, batch, retries); err != nil {
			return err
		}
	}
	return nil
}

// SendMessageBatch takes at most 10 messages and 256 KiB in all.
const (
	maxBatchEntries = 10
	maxBatchBytes   = 256 << 10
)

// batches splits bodies into SendMessageBatch calls' worth.
func batches(bodies []string) [][]string {
	var out [][]string
	var cur []string
	size := 0
	for _, b := range bodies {
		if len(cur) == maxBatchEntries || size+len(b) > maxBatchBytes {
			out, cur, size = append(out, cur), nil, 0
		}
		cur, size = append(cur, b), size+len(b)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// send sends one batch, sending entries SQS refused again up to retries times.
func (h *Handler) send(ctx context.Context, queueURL string, bodies []string, retries int) error {
	entries := make([]sqstypes.SendMessageBatchRequestEntry, len(bodies))
	for i, b := range bodies {
		entries[i] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(b)}
	}
	for try := 0; len(entries) > 0; try++ {
		out, err := h.Queue.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(queueURL), Entries: entries})
		if err != nil {
			return fmt.Errorf("matcher: send %d jobs: %w", len(entries), err)
		}
		if len(out.Failed) == 0 {
			return nil
		}
		if try == retries {
			f := out.Failed[0]
			return fmt.Errorf("matcher: SQS refused %d jobs after %d tries: %s: %s",
				len(out.Failed), try+1, aws.ToString(f.Code), aws.ToString(f.Message))
		}
		failed := make(map[string]bool, len(out.Failed))
		for _, f := range out.Failed {
			failed[aws.ToString(f.Id)] = true
		}
		var again []sqstypes.SendMessageBatchRequestEntry
		for _, e := range entries {
			if failed[aws.ToString(e.Id)] {
				again = append(again, e)
			}
		}
		entries = again
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(50<<try) * time.Millisecond):
		}
	}
	return nil
}

// jobHead is a delivery.Job without its event.
type jobHead struct {
	ID       string            `json:"delivery_id"`
	Org      string            `json:"org_id"`
	Rule     string            `json:"notification"`
	Type     notification.Type `json:"type"`
	Enqueued time.Time         `json:"enqueued_at"`
}

// encodeJob encodes j as a delivery.Job with its event already encoded as ev. Splicing the
// event in, rather than marshalling it per job, makes matching 100 rules several times faster.
func encodeJob(j delivery.Job, ev []byte) (string, error) {
	head, err := json.Marshal(jobHead{ID: j.ID, Org: j.Org, Rule: j.Rule, Type: j.Type, Enqueued: j.Enqueued})
	if err != nil {
		return "", fmt.Errorf("matcher: marshal job %s: %w", j.ID, err)
	}
	var b strings.Builder
	b.Grow(len(head) + len(ev) + 10)
	b.Write(sqsSafeJSON(head[:len(head)-1]))
	b.WriteString(`,"event":`)
	b.Write(ev)
	b.WriteByte('}')
	return b.String(), nil
}

// sqsSafe escapes the two characters JSON allows raw but SQS refuses in a message, so an event
// carrying one (in a user agent, say) cannot keep every rule from hearing of it.
var sqsSafe = strings.NewReplacer("\uFFFE", `\ufffe`, "\uFFFF", `\uffff`)

func sqsSafeJSON(b []byte) []byte {
	if !bytes.ContainsAny(b, "\uFFFE\uFFFF") {
		return b
	}
	return []byte(sqsSafe.Replace(string(b)))
}
