package sender

import (
	"context"
	"time"

	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/render"
	"github.com/heraldhq/herald/shared/webhook"
)

// Webhook delivers jobs to webhook rules: the body in the rule's format, signed with the rule's
// secrets, POSTed by Client.
type Webhook struct {
	Client *webhook.Client
	Now    func() time.Time
}

// Deliver renders, signs and POSTs job for rule.
func (w *Webhook) Deliver(ctx context.Context, rule notification.Rule, job delivery.Job) delivery.Attempt {
	now := time.Now().UTC()
	if w.Now != nil {
		now = w.Now()
	}
	format := rule.Format.Resolve(rule.WebhookURL)
	body, err := render.Webhook(format, render.Message{DeliveryID: job.ID, Org: job.Org, Rule: rule.Name, Event: job.Event, SentAt: now})
	if err != nil {
		return delivery.Attempt{Outcome: delivery.Failed, Error: "rendering the " + string(format) + " message failed: " + err.Error()}
	}
	h, err := webhook.Headers(rule.SigningSecrets(now), job.ID, now, body)
	if err != nil {
		return delivery.Attempt{Outcome: delivery.Failed, Error: "signing failed: " + err.Error()}
	}
	res := w.Client.Post(ctx, rule.WebhookURL, body, h)
	return delivery.Attempt{
		Outcome:    delivery.Outcome(res.Outcome),
		Status:     res.Status,
		Error:      res.Error,
		RetryAfter: res.RetryAfter,
	}
}
