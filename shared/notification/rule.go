// Package notification holds Herald's notification rules: what they are, what makes one valid,
// and how a partial update applies to one.
package notification

import (
	"time"

	"github.com/heraldhq/herald/shared/event"
)

// Type is how a rule delivers: by email or by webhook. It is fixed at creation.
type Type string

// The rule types.
const (
	Email   Type = "email"
	Webhook Type = "webhook"
)

// Limits a user meets.
const (
	MaxRecipients  = 10
	MaxURLLength   = 2048
	MaxRulesPerOrg = 100
	MaxNameLength  = 64
)

// Rule is one notification rule of an organization. Its JSON is what the API shows; the signing
// secret is never part of it.
type Rule struct {
	Org             string       `json:"-" dynamodbav:"org"`
	Name            string       `json:"name" dynamodbav:"name"`
	Type            Type         `json:"type" dynamodbav:"type"`
	Enabled         bool         `json:"enabled" dynamodbav:"enabled"`
	Events          []event.Type `json:"events" dynamodbav:"events"`
	WebhookURL      string       `json:"webhook_url,omitempty" dynamodbav:"webhook_url,omitempty"`
	Format          Format       `json:"format,omitempty" dynamodbav:"format,omitempty"`
	EmailRecipients []string     `json:"email_recipients,omitempty" dynamodbav:"email_recipients,omitempty"`
	Secret          string       `json:"-" dynamodbav:"secret,omitempty"`
	// PreviousSecret still signs deliveries, next to Secret, until PreviousSecretExpires:
	// a rotation gives receivers time to switch.
	PreviousSecret        string     `json:"-" dynamodbav:"previous_secret,omitempty"`
	PreviousSecretExpires *time.Time `json:"previous_secret_expires_at,omitempty" dynamodbav:"previous_secret_expires_at,omitempty"`
	// DisabledReason says why Herald turned the rule off (auto-disable); cleared when someone
	// turns it on or off again.
	DisabledReason string     `json:"disabled_reason,omitempty" dynamodbav:"disabled_reason,omitempty"`
	DisabledAt     *time.Time `json:"disabled_at,omitempty" dynamodbav:"disabled_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at" dynamodbav:"created_at"`
	CreatedBy      string     `json:"created_by,omitempty" dynamodbav:"created_by,omitempty"`
	UpdatedAt      time.Time  `json:"updated_at" dynamodbav:"updated_at"`
	UpdatedBy      string     `json:"updated_by,omitempty" dynamodbav:"updated_by,omitempty"`
	// Version counts writes; an update names the version it read, so concurrent writers can't
	// silently overwrite each other.
	Version int64 `json:"-" dynamodbav:"version"`
}

// Subscribes reports whether r wants events of type t.
func (r *Rule) Subscribes(t event.Type) bool {
	for _, e := range r.Events {
		if e == t {
			return true
		}
	}
	return false
}

// Redacted returns a copy of r that is safe to list: no secret, and the webhook URL's token
// part masked.
func (r Rule) Redacted() Rule {
	r.Secret, r.PreviousSecret = "", ""
	r.WebhookURL = RedactURL(r.WebhookURL)
	r.Events = append([]event.Type(nil), r.Events...)
	r.EmailRecipients = append([]string(nil), r.EmailRecipients...)
	return r
}

// SecretOverlap is how long a rotated-out secret keeps signing deliveries.
const SecretOverlap = 24 * time.Hour

// SigningSecrets are the secrets a webhook is signed with at time now: the current one and,
// for SecretOverlap after a rotation, the previous one too.
func (r *Rule) SigningSecrets(now time.Time) []string {
	if r.Secret == "" {
		return nil
	}
	if r.PreviousSecret != "" && r.PreviousSecretExpires != nil && now.Before(*r.PreviousSecretExpires) {
		return []string{r.Secret, r.PreviousSecret}
	}
	return []string{r.Secret}
}

// Rotate makes secret the rule's signing secret; the old one keeps signing until
// now+SecretOverlap.
func (r *Rule) Rotate(secret string, now time.Time) {
	expires := now.Add(SecretOverlap)
	r.PreviousSecret, r.PreviousSecretExpires = r.Secret, &expires
	r.Secret = secret
}
