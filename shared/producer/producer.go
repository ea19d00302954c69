// Package producer publishes Herald events to an EventBridge bus, as the access platform's
// producers do: detail-type Login Succeeded, Login Failed or Audit Event, and the event as the
// detail. `herald events put`, the local stack's demo and the API's own audit events use it.
package producer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/heraldhq/herald/shared/event"
)

// EventBridge is the part of the EventBridge API a Publisher calls.
type EventBridge interface {
	PutEvents(context.Context, *eventbridge.PutEventsInput, ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Publisher puts events on one bus.
type Publisher struct {
	EB     EventBridge
	Bus    string // the bus's name or ARN
	Source string // the events' source; event.Source if empty
}

// Publish puts ev on the bus. An event without an id gets a new one and an event without a time
// gets the current time, since every event Herald passes on carries both; a caller that needs
// to know the id sets it first (NewEventID).
func (p *Publisher) Publish(ctx context.Context, ev event.Event) error {
	if ev.Org == "" {
		return errors.New("producer: the event has no organization (org_id)")
	}
	if !ev.Type.Valid() {
		return fmt.Errorf("producer: unknown event type %q; want one of %s", ev.Type, event.TypeNames())
	}
	if ev.ID == "" {
		ev.ID = NewEventID()
	}
	if ev.OccurredAt.IsZero() {
		ev.OccurredAt = time.Now().UTC()
	}
	detail, err := Detail(ev)
	if err != nil {
		return err
	}
	return p.PublishDetail(ctx, ev.Type.DetailType(), detail)
}

// PublishDetail puts an event with detailType and detail, as they are, on the bus. Nothing is
// checked beyond what EventBridge checks, so it can also put events Herald is meant to drop, to
// show that it does.
func (p *Publisher) PublishDetail(ctx context.Context, detailType string, detail []byte) error {
	src := p.Source
	if src == "" {
		src = event.Source
	}
	out, err := p.EB.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{{
		EventBusName: aws.String(p.Bus),
		Source:       aws.String(src),
		DetailType:   aws.String(detailType),
		Detail:       aws.String(string(detail)),
	}}})
	if err != nil {
		return fmt.Errorf("producer: put a %s event on bus %s: %w", detailType, p.Bus, err)
	}
	// PutEvents succeeds as a call even when it refuses the entry; the entry says why.
	if out.FailedEntryCount > 0 || len(out.Entries) == 0 {
		code, msg := "", "no result for the entry"
		if len(out.Entries) > 0 {
			code, msg = aws.ToString(out.Entries[0].ErrorCode), aws.ToString(out.Entries[0].ErrorMessage)
		}
		return fmt.Errorf("producer: bus %s refused the %s event: %s %s", p.Bus, detailType, code, msg)
	}
	return nil
}

// Detail is ev as an EventBridge detail: its JSON without "type", which the detail-type carries
// (the design's event contract).
func Detail(ev event.Event) ([]byte, error) {
	// The outer Type is shallower than the embedded event's, so encoding/json uses it in its
	// place, and omits it because it is nil.
	b, err := json.Marshal(struct {
		event.Event
		Type *struct{} `json:"type,omitempty"`
	}{Event: ev})
	if err != nil {
		return nil, fmt.Errorf("producer: encode event %s: %w", ev.ID, err)
	}
	return b, nil
}
