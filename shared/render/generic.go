package render

import (
	"time"

	"github.com/heraldhq/herald/shared/event"
)

// genericBody is the format for any HTTP endpoint: the event as it is, with who it is for.
type genericBody struct {
	Type         string      `json:"type"`
	ID           string      `json:"id"`
	Timestamp    string      `json:"timestamp"`
	Organization string      `json:"organization"`
	Notification string      `json:"notification"`
	Data         event.Event `json:"data"`
}

func generic(m Message) genericBody {
	return genericBody{
		Type:         string(m.Event.Type),
		ID:           m.DeliveryID,
		Timestamp:    m.SentAt.UTC().Format(time.RFC3339),
		Organization: m.Org,
		Notification: m.Rule,
		Data:         m.Event,
	}
}
