// Package event holds what Herald is told about: the three event types a rule can subscribe
// to, and the events producers publish to EventBridge, parsed from their envelope.
package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Type is an event type a notification rule subscribes to.
type Type string

// The event types, named as in Border0's CLI.
const (
	LoginSuccess Type = "login-success"
	LoginFailure Type = "login-failure"
	Audit        Type = "audit-events"
)

// Types lists every event type in the order people read them.
var Types = []Type{LoginSuccess, LoginFailure, Audit}

// EventBridge detail-types, as producers send them.
const (
	DetailLoginSucceeded = "Login Succeeded"
	DetailLoginFailed    = "Login Failed"
	DetailAuditEvent     = "Audit Event"
)

// Source is the EventBridge source Herald itself publishes under (its own audit events).
const Source = "herald"

// Valid reports whether t is one of Types.
func (t Type) Valid() bool {
	switch t {
	case LoginSuccess, LoginFailure, Audit:
		return true
	}
	return false
}

// DetailType is the EventBridge detail-type that carries events of type t.
func (t Type) DetailType() string {
	switch t {
	case LoginSuccess:
		return DetailLoginSucceeded
	case LoginFailure:
		return DetailLoginFailed
	case Audit:
		return DetailAuditEvent
	}
	return ""
}

// Description says in one sentence what triggers events of type t.
func (t Type) Description() string {
	switch t {
	case LoginSuccess:
		return "New sessions: triggered on any successful client login."
	case LoginFailure:
		return "Failed sessions: triggered when a client login fails."
	case Audit:
		return "Audit events: triggered by any audited change in the organization."
	}
	return ""
}

// Title is a short human label for t, as used in message headers.
func (t Type) Title() string {
	switch t {
	case LoginSuccess:
		return "Successful login"
	case LoginFailure:
		return "Failed login"
	case Audit:
		return "Audit event"
	}
	return string(t)
}

// TypeNames returns the valid event types as a comma-separated list, for error messages.
func TypeNames() string {
	s := make([]string, len(Types))
	for i, t := range Types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// DetailTypes returns the EventBridge detail-types Herald listens to, for the bus rule's pattern.
func DetailTypes() []string {
	s := make([]string, len(Types))
	for i, t := range Types {
		s[i] = t.DetailType()
	}
	return s
}

// TypeOfDetail maps an EventBridge detail-type to an event type.
func TypeOfDetail(detailType string) (Type, bool) {
	for _, t := range Types {
		if t.DetailType() == detailType {
			return t, true
		}
	}
	return "", false
}

// Person is a user or an actor.
type Person struct {
	ID    string `json:"id,omitempty"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

// Label is the best short way to name p: the email, else the name, else the id.
func (p *Person) Label() string {
	switch {
	case p == nil:
		return ""
	case p.Email != "":
		return p.Email
	case p.Name != "":
		return p.Name
	}
	return p.ID
}

// Socket is the resource a login was for.
type Socket struct {
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
}

// Client is where a login came from.
type Client struct {
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	Location  string `json:"location,omitempty"`
}

// Target is what an audited action was done to.
type Target struct {
	Type string `json:"type,omitempty"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Event is one login or audit event, as Herald passes it on.
type Event struct {
	Type       Type      `json:"type"`
	ID         string    `json:"event_id"`
	Org        string    `json:"org_id"`
	OccurredAt time.Time `json:"occurred_at"`

	// Logins.
	User   *Person `json:"user,omitempty"`
	Socket *Socket `json:"socket,omitempty"`
	Client *Client `json:"client,omitempty"`
	Reason string  `json:"reason,omitempty"`

	// Audit events.
	Actor   *Person         `json:"actor,omitempty"`
	Action  string          `json:"action,omitempty"`
	Target  *Target         `json:"target,omitempty"`
	Changes json.RawMessage `json:"changes,omitempty"`

	// Test marks a sample event sent to check a rule, not something that happened.
	Test bool `json:"test,omitempty"`
}

// Change is one changed field of an audit event.
type Change struct {
	Field    string
	From, To string // JSON text of the values; empty when absent
}

// ChangeList reads Changes as {"field": {"from": x, "to": y}} or {"field": value}, sorted by
// field. Anything else yields nothing: changes are informational and never fail an event.
func (e *Event) ChangeList() []Change {
	if len(e.Changes) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(e.Changes, &m) != nil {
		return nil
	}
	out := make([]Change, 0, len(m))
	for f, v := range m {
		var ft struct {
			From json.RawMessage `json:"from"`
			To   json.RawMessage `json:"to"`
		}
		if json.Unmarshal(v, &ft) == nil && (ft.From != nil || ft.To != nil) {
			out = append(out, Change{Field: f, From: string(ft.From), To: string(ft.To)})
			continue
		}
		out = append(out, Change{Field: f, To: string(v)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// Envelope is the part of an EventBridge event Herald reads.
type Envelope struct {
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Time       time.Time       `json:"time"`
	Detail     json.RawMessage `json:"detail"`
}

// ErrMalformed marks an event that can never be processed: it is logged and dropped, not retried.
var ErrMalformed = errors.New("malformed event")

// Parse reads an EventBridge envelope into an Event. Errors wrap ErrMalformed and say why.
// event_id and occurred_at fall back to the envelope's id and time.
func Parse(env Envelope) (Event, error) {
	t, ok := TypeOfDetail(env.DetailType)
	if !ok {
		return Event{}, fmt.Errorf("%w: unknown detail-type %q (want one of %q, %q, %q)",
			ErrMalformed, env.DetailType, DetailLoginSucceeded, DetailLoginFailed, DetailAuditEvent)
	}
	if len(env.Detail) == 0 || string(env.Detail) == "null" {
		return Event{}, fmt.Errorf("%w: %s event %s has no detail", ErrMalformed, env.DetailType, env.ID)
	}
	var e Event
	if err := json.Unmarshal(env.Detail, &e); err != nil {
		return Event{}, fmt.Errorf("%w: %s event %s: detail: %v", ErrMalformed, env.DetailType, env.ID, err)
	}
	e.Type = t
	if e.Org == "" {
		return Event{}, fmt.Errorf("%w: %s event %s: detail has no org_id", ErrMalformed, env.DetailType, env.ID)
	}
	if e.ID == "" {
		e.ID = env.ID
	}
	if e.ID == "" {
		return Event{}, fmt.Errorf("%w: %s event has neither detail.event_id nor an envelope id", ErrMalformed, env.DetailType)
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = env.Time
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = time.Now().UTC()
	}
	return e, nil
}
