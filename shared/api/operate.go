package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/heraldhq/herald/shared/audit"
	"github.com/heraldhq/herald/shared/auth"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
)

// Deliverer sends one delivery right away: the same rendering, signing and sending the
// senders use.
type Deliverer interface {
	Deliver(ctx context.Context, rule notification.Rule, job delivery.Job) delivery.Attempt
}

// Settler closes a delivery id for good, so the job still queued for it is not sent again.
type Settler interface {
	Settle(ctx context.Context, id string, o delivery.Outcome) error
}

// Journal is the part of the delivery log that test sends and redeliveries write.
type Journal interface {
	Begin(ctx context.Context, org, rule, id string, ev event.Event) (int, error)
	Record(ctx context.Context, e delivery.Entry) error
	Event(ctx context.Context, org, rule, id string) (event.Event, error)
	Healthy(ctx context.Context, org, rule string) error
}

type testRequest struct {
	Event event.Type `json:"event"`
}

// test sends a clearly marked sample event to the rule now and answers with the outcome.
func (h *Handler) test(w http.ResponseWriter, r *http.Request, c auth.Caller) {
	var in testRequest
	if r.ContentLength != 0 && !decode(w, r, &in) {
		return
	}
	rule, ok := h.get(w, r, c)
	if !ok {
		return
	}
	if in.Event == "" {
		in.Event = rule.Events[0]
	}
	if !in.Event.Valid() {
		writeFieldError(w, "event", fmt.Sprintf("event: unknown event %q; allowed events are %s", in.Event, event.TypeNames()))
		return
	}
	ev := sampleEvent(in.Event, c, h.Now())
	res, ok := h.send(w, r, rule, delivery.ID(c.Org, ev.ID, rule.Name), ev)
	if ok {
		writeJSON(w, http.StatusOK, res)
	}
}

// redeliver sends a logged delivery again: the same event under the same delivery id (the
// webhook-id receivers deduplicate on), as a new attempt.
func (h *Handler) redeliver(w http.ResponseWriter, r *http.Request, c auth.Caller) {
	rule, ok := h.get(w, r, c)
	if !ok {
		return
	}
	id := r.PathValue("id")
	ev, err := h.Journal.Event(r.Context(), c.Org, rule.Name, id)
	if errors.Is(err, delivery.ErrUnknown) {
		writeError(w, http.StatusNotFound, "not_found",
			fmt.Sprintf("notification %q has no delivery %q in the last 30 days; list them with GET /v1/notifications/%s/deliveries", rule.Name, id, rule.Name))
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	res, ok := h.send(w, r, rule, id, ev)
	if !ok {
		return
	}
	if res.Outcome == delivery.Delivered {
		if err := h.Journal.Healthy(r.Context(), c.Org, rule.Name); err != nil {
			h.Log.ErrorContext(r.Context(), "resetting the rule's failures failed", "error", err)
		}
		// A job for this delivery may still be waiting in the queue for its next retry: it must
		// find the delivery done, not send it a second time.
		if h.Dedup != nil {
			if err := h.Dedup.Settle(r.Context(), id, delivery.Delivered); err != nil {
				h.Log.ErrorContext(r.Context(), "settling the redelivered delivery failed", "delivery_id", id, "error", err)
			}
		}
	}
	writeJSON(w, http.StatusOK, res)
}

// send delivers ev to rule under id now and logs the attempt like any other.
func (h *Handler) send(w http.ResponseWriter, r *http.Request, rule notification.Rule, id string, ev event.Event) (delivery.SendResult, bool) {
	d := h.Deliverers[rule.Type]
	if d == nil {
		h.internal(w, r, fmt.Errorf("api: no deliverer for %s rules", rule.Type))
		return delivery.SendResult{}, false
	}
	ctx := r.Context()
	n, err := h.Journal.Begin(ctx, rule.Org, rule.Name, id, ev)
	if err != nil {
		h.internal(w, r, err)
		return delivery.SendResult{}, false
	}
	start := time.Now()
	a := d.Deliver(ctx, rule, delivery.Job{ID: id, Org: rule.Org, Rule: rule.Name, Type: rule.Type, Event: ev, Enqueued: h.Now()})
	if a.Outcome == delivery.Retrying {
		// Nobody retries a delivery made on request: it failed, and the person can try again.
		a.Outcome = delivery.Failed
	}
	res := delivery.SendResult{DeliveryID: id, Attempt: n, Outcome: a.Outcome, Status: a.Status, MessageID: a.MessageID,
		Error: a.Error, DurationMS: time.Since(start).Milliseconds(), Event: ev}
	if err := h.Journal.Record(ctx, delivery.Entry{
		Org: rule.Org, Rule: rule.Name, DeliveryID: id, Time: h.Now(), Attempt: n, Outcome: res.Outcome,
		EventType: ev.Type, EventID: ev.ID, Status: a.Status, MessageID: a.MessageID, Error: a.Error,
		DurationMS: res.DurationMS, Test: ev.Test,
	}); err != nil {
		h.Log.ErrorContext(ctx, "writing the delivery log failed", "delivery_id", id, "error", err)
	}
	return res, true
}

// rotateSecret gives a webhook rule a new signing secret; the old one keeps signing, next to
// the new, for notification.SecretOverlap so receivers can switch without losing a delivery.
func (h *Handler) rotateSecret(w http.ResponseWriter, r *http.Request, c auth.Caller) {
	rule, ok := h.webhook(w, r, c)
	if !ok {
		return
	}
	secret, err := h.NewSecret()
	if err != nil {
		h.internal(w, r, fmt.Errorf("api: new signing secret: %w", err))
		return
	}
	before := rule
	now := h.Now()
	rule.Rotate(secret, now)
	rule.UpdatedAt, rule.UpdatedBy = now, c.Actor()
	if err := h.Rules.Update(r.Context(), &rule); err != nil {
		h.storeError(w, r, err, rule.Name)
		return
	}
	h.Audit.Record(r.Context(), c.Org, actor(c), audit.SecretRotated, &before, &rule)
	writeJSON(w, http.StatusOK, map[string]any{
		"secret":                     secret,
		"previous_secret_expires_at": rule.PreviousSecretExpires,
	})
}

// actor is the caller as an audit event names them.
func actor(c auth.Caller) event.Person {
	return event.Person{ID: c.Subject, Email: c.Email}
}

// sampleEvent is a clearly marked event of type t for a test send.
func sampleEvent(t event.Type, c auth.Caller, now time.Time) event.Event {
	b := make([]byte, 8)
	rand.Read(b)
	ev := event.Event{Type: t, ID: "evt_test_" + hex.EncodeToString(b), Org: c.Org, OccurredAt: now, Test: true}
	who := &event.Person{ID: "u_test", Email: "test.user@example.com", Name: "Test User"}
	switch t {
	case event.Audit:
		ev.Actor, ev.Action = who, "notification.test"
		ev.Target = &event.Target{Type: "notification", ID: "sample", Name: "sample"}
	default:
		ev.User = who
		ev.Socket = &event.Socket{Name: "sample-socket", Type: "ssh"}
		ev.Client = &event.Client{IP: "192.0.2.10", UserAgent: "herald-test", Location: "Test Location"}
		if t == event.LoginFailure {
			ev.Reason = "This is a test: no login failed"
		}
	}
	return ev
}
