package apiclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/heraldhq/herald/shared/auth"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
)

// Created is a new rule as the API returns it: with, for a webhook rule, its signing secret,
// which no other reply but Secret's carries.
type Created struct {
	notification.Rule
	Secret string `json:"secret,omitempty"`
}

// EventType is one event type a rule can subscribe to.
type EventType struct {
	Name        event.Type `json:"name"`
	DetailType  string     `json:"detail_type"`
	Description string     `json:"description"`
}

// doRule is do on the path of the rule name (and sub, if not ""). The name is escaped, so a
// name that isn't valid reaches the API as it is and is answered there. Only names a URL path
// can't carry as a segment (they would be cleaned away and the request routed elsewhere) are
// refused here.
func (c *Client) doRule(ctx context.Context, method, name, sub string, query url.Values, in, out any) error {
	if name == "" || name == "." || name == ".." {
		return fmt.Errorf("%q is not a notification name: names are 1 to %d lowercase letters, digits and dashes",
			name, notification.MaxNameLength)
	}
	p := "/v1/notifications/" + url.PathEscape(name)
	if sub != "" {
		p += "/" + sub
	}
	return c.do(ctx, method, p, query, in, out)
}

// List returns the caller's organization's rules, by name, with webhook URL tokens masked.
func (c *Client) List(ctx context.Context) ([]notification.Rule, error) {
	var out struct {
		Notifications []notification.Rule `json:"notifications"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/notifications", nil, nil, &out)
	return out.Notifications, err
}

// Create creates a rule.
func (c *Client) Create(ctx context.Context, in notification.Create) (Created, error) {
	var out Created
	err := c.do(ctx, http.MethodPost, "/v1/notifications", nil, in, &out)
	return out, err
}

// Get returns the rule name.
func (c *Client) Get(ctx context.Context, name string) (notification.Rule, error) {
	var out notification.Rule
	err := c.doRule(ctx, http.MethodGet, name, "", nil, nil, &out)
	return out, err
}

// Update changes the fields of rule name that p sets and returns the rule as it now is.
func (c *Client) Update(ctx context.Context, name string, p notification.Patch) (notification.Rule, error) {
	var out notification.Rule
	err := c.doRule(ctx, http.MethodPatch, name, "", nil, p, &out)
	return out, err
}

// Delete removes the rule name.
func (c *Client) Delete(ctx context.Context, name string) error {
	return c.doRule(ctx, http.MethodDelete, name, "", nil, nil, nil)
}

// Secret returns the signing secret (whsec_...) of the webhook rule name.
func (c *Client) Secret(ctx context.Context, name string) (string, error) {
	var out struct {
		Secret string `json:"secret"`
	}
	err := c.doRule(ctx, http.MethodGet, name, "secret", nil, nil, &out)
	return out.Secret, err
}

// Deliveries returns up to limit (the API's default if 0) delivery attempts of rule name,
// newest first, starting at cursor ("" for the newest), and the cursor of the next page ("" at
// the end).
func (c *Client) Deliveries(ctx context.Context, name string, limit int, cursor string) ([]delivery.Entry, string, error) {
	q := url.Values{}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out struct {
		Deliveries []delivery.Entry `json:"deliveries"`
		NextCursor string           `json:"next_cursor"`
	}
	err := c.doRule(ctx, http.MethodGet, name, "deliveries", q, nil, &out)
	return out.Deliveries, out.NextCursor, err
}

// Me returns who the token speaks for.
func (c *Client) Me(ctx context.Context) (auth.Caller, error) {
	var out auth.Caller
	err := c.do(ctx, http.MethodGet, "/v1/me", nil, nil, &out)
	return out, err
}

// EventTypes returns the event types rules can subscribe to.
func (c *Client) EventTypes(ctx context.Context) ([]EventType, error) {
	var out struct {
		EventTypes []EventType `json:"event_types"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/event-types", nil, nil, &out)
	return out.EventTypes, err
}

// SendResult is how a test send or a redelivery went.
type SendResult = delivery.SendResult

// Test sends a marked sample event of type ev ("" for the rule's first event) to rule name now.
func (c *Client) Test(ctx context.Context, name string, ev event.Type) (SendResult, error) {
	var out SendResult
	var in any
	if ev != "" {
		in = map[string]event.Type{"event": ev}
	}
	err := c.doRule(ctx, http.MethodPost, name, "test", nil, in, &out)
	return out, err
}

// Redeliver sends rule name's logged delivery id again, as a new attempt.
func (c *Client) Redeliver(ctx context.Context, name, id string) (SendResult, error) {
	var out SendResult
	if id == "" {
		return out, fmt.Errorf("a delivery id is needed; list them with herald notification deliveries %s", name)
	}
	err := c.doRule(ctx, http.MethodPost, name, "deliveries/"+url.PathEscape(id)+"/redeliver", nil, nil, &out)
	return out, err
}

// Rotation is the outcome of a secret rotation.
type Rotation struct {
	Secret                  string    `json:"secret"`
	PreviousSecretExpiresAt time.Time `json:"previous_secret_expires_at"`
}

// RotateSecret gives webhook rule name a new signing secret.
func (c *Client) RotateSecret(ctx context.Context, name string) (Rotation, error) {
	var out Rotation
	err := c.doRule(ctx, http.MethodPost, name, "rotate-secret", nil, nil, &out)
	return out, err
}
