// Package audit publishes Herald's own audit trail: every change to a notification rule, made
// through the API or by Herald itself (auto-disable), becomes an "Audit Event" on the bus, so a
// rule subscribed to audit-events hears when someone turns alerting off.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
)

// The actions Herald audits.
const (
	Created       = "notification.created"
	Updated       = "notification.updated"
	Deleted       = "notification.deleted"
	SecretRotated = "notification.secret_rotated"
	AutoDisabled  = "notification.auto_disabled"
)

// System is the actor of changes Herald makes by itself.
var System = event.Person{ID: "herald", Name: "Herald"}

// Publisher puts an event on the bus.
type Publisher interface {
	Publish(ctx context.Context, ev event.Event) error
}

// Trail publishes audit events. A nil Publisher records nothing (a deployment without a bus).
type Trail struct {
	Publisher Publisher
	Log       *slog.Logger
	Now       func() time.Time
}

// Record publishes that actor did action to a rule of org, going from before to after (nil for
// a rule that did not or no longer exists). A failure is logged, not returned: the change
// itself has been made and must not be undone for want of its audit event.
func (t *Trail) Record(ctx context.Context, org string, actor event.Person, action string, before, after *notification.Rule) {
	if t == nil || t.Publisher == nil {
		return
	}
	if action == Updated && len(Changes(before, after)) == 0 {
		return // a PATCH that changed nothing is not worth an alert
	}
	ev, err := t.Event(org, actor, action, before, after)
	if err == nil {
		err = t.Publisher.Publish(ctx, ev)
	}
	if err != nil {
		t.Log.ErrorContext(ctx, "publishing the audit event failed", "org", org, "action", action, "error", err)
	}
}

// Event builds the audit event without publishing it.
func (t *Trail) Event(org string, actor event.Person, action string, before, after *notification.Rule) (event.Event, error) {
	now := time.Now().UTC()
	if t.Now != nil {
		now = t.Now()
	}
	r := after
	if r == nil {
		r = before
	}
	changes, err := json.Marshal(Changes(before, after))
	if err != nil {
		return event.Event{}, fmt.Errorf("audit: marshal changes: %w", err)
	}
	return event.Event{
		Type: event.Audit, ID: newID(), Org: org, OccurredAt: now,
		Actor:   &actor,
		Action:  action,
		Target:  &event.Target{Type: "notification", ID: r.Name, Name: r.Name},
		Changes: changes,
	}, nil
}

// Change is one field's old and new value.
type Change struct {
	From any `json:"from,omitempty"`
	To   any `json:"to,omitempty"`
}

// Changes lists the fields that differ between before and after, as a person would want to
// read them. Secrets never appear, and webhook URLs only with their tokens masked.
func Changes(before, after *notification.Rule) map[string]Change {
	fields := func(r *notification.Rule) map[string]any {
		if r == nil {
			return map[string]any{}
		}
		m := map[string]any{"type": r.Type, "enabled": r.Enabled, "events": r.Events}
		if r.Type == notification.Webhook {
			m["webhook_url"] = notification.RedactURL(r.WebhookURL)
			m["format"] = r.Format
		} else {
			m["email_recipients"] = r.EmailRecipients
		}
		if r.DisabledReason != "" {
			m["disabled_reason"] = r.DisabledReason
		}
		return m
	}
	b, a := fields(before), fields(after)
	out := map[string]Change{}
	for _, k := range union(b, a) {
		if fmt.Sprint(b[k]) != fmt.Sprint(a[k]) {
			out[k] = Change{From: b[k], To: a[k]}
		}
	}
	if before != nil && after != nil && before.Secret != after.Secret {
		out["secret"] = Change{From: "[redacted]", To: "[redacted]"}
	}
	if before != nil && after != nil && before.WebhookURL != after.WebhookURL {
		if _, shown := out["webhook_url"]; !shown {
			// Only the masked part changed: say so, or repointing a webhook would go unheard.
			out["webhook_url"] = Change{From: notification.RedactURL(before.WebhookURL), To: notification.RedactURL(after.WebhookURL) + " (token changed)"}
		}
	}
	return out
}

func union(a, b map[string]any) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func newID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "evt_herald_" + hex.EncodeToString(b)
}
