package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/shared/api"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/store"
)

type deliveryList struct {
	Deliveries []struct {
		Notification string `json:"notification"`
		DeliveryID   string `json:"delivery_id"`
		Outcome      string `json:"outcome"`
		Status       int    `json:"status"`
		Error        string `json:"error"`
		Attempt      int    `json:"attempt"`
	} `json:"deliveries"`
	NextCursor string `json:"next_cursor"`
}

func TestDeliveries(t *testing.T) {
	s := newServer(t)
	s.mustCreate(t, acmeAdmin, webhookRule("slack-webhook", slackURL))
	s.mustCreate(t, acmeAdmin, emailRule("security-team"))
	log := &delivery.Log{DB: s.store.DB.(delivery.LogDB), Table: s.store.Table}
	start := time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC)
	outcomes := []delivery.Outcome{delivery.Retrying, delivery.Delivered, delivery.Failed, delivery.Duplicate, delivery.Skipped}
	for i, o := range outcomes {
		e := delivery.Entry{Org: "org_acme", Rule: "slack-webhook", DeliveryID: fmt.Sprintf("dlv_%d", i), Time: start.Add(time.Duration(i) * time.Minute),
			Attempt: 1, Outcome: o, EventType: event.LoginFailure, EventID: "evt_1", Status: 200, DurationMS: 40}
		if o == delivery.Failed {
			e.Status, e.Error = 400, "status 400: invalid_payload"
		}
		if err := log.Record(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}

	var page deliveryList
	s.get(t, acmeAdmin, deliveriesPath("slack-webhook")+"?limit=3").decode(t, &page)
	if len(page.Deliveries) != 3 || page.Deliveries[0].Outcome != "skipped" || page.Deliveries[2].Outcome != "failed" || page.NextCursor == "" {
		t.Fatalf("first page = %+v", page)
	}
	if d := page.Deliveries[2]; d.Status != 400 || d.Error != "status 400: invalid_payload" || d.Notification != "slack-webhook" {
		t.Errorf("failed attempt = %+v", d)
	}
	var next deliveryList
	s.get(t, acmeAdmin, deliveriesPath("slack-webhook")+"?limit=3&cursor="+page.NextCursor).decode(t, &next)
	if len(next.Deliveries) != 2 || next.Deliveries[0].Outcome != "delivered" || next.Deliveries[1].Outcome != "retrying" || next.NextCursor != "" {
		t.Errorf("second page = %+v", next)
	}

	var none deliveryList
	r := s.get(t, acmeAdmin, deliveriesPath("security-team"))
	r.decode(t, &none)
	if len(none.Deliveries) != 0 || !strings.Contains(string(r.body), `"deliveries":[]`) {
		t.Errorf("a rule without deliveries = %s", r.body)
	}

	for _, tc := range []struct {
		query, field string
		invalid      bool
	}{
		{"?limit=0", "limit", true},
		{"?limit=101", "limit", true},
		{"?limit=ten", "limit", true},
		{"?cursor=%21%21", "cursor", false},
	} {
		t.Run(tc.query, func(t *testing.T) {
			e := s.do(t, request{token: acmeAdmin, method: http.MethodGet, path: deliveriesPath("slack-webhook") + tc.query, invalid: tc.invalid}).
				wantError(t, http.StatusBadRequest, "invalid_field")
			if e.Field != tc.field {
				t.Errorf("field = %q, want %q", e.Field, tc.field)
			}
		})
	}
	s.get(t, acmeAdmin, deliveriesPath("no-such-rule")).wantError(t, http.StatusNotFound, "not_found")
	s.get(t, globexAdmin, deliveriesPath("slack-webhook")).wantError(t, http.StatusNotFound, "not_found")
}

type brokenLog struct{}

func (brokenLog) List(context.Context, string, string, int, string) ([]delivery.Entry, string, error) {
	return nil, "", errors.New("dynamodb: ProvisionedThroughputExceededException: secret internals")
}

func TestDeliveriesInternalError(t *testing.T) {
	s := newServer(t, func(h *api.Handler, _ *store.Rules) { h.Deliveries = brokenLog{} })
	s.mustCreate(t, acmeAdmin, webhookRule("slack-webhook", slackURL))
	r := s.get(t, acmeAdmin, deliveriesPath("slack-webhook"))
	r.wantError(t, http.StatusInternalServerError, "internal")
	if strings.Contains(string(r.body), "secret internals") {
		t.Errorf("the 500 leaks the cause: %s", r.body)
	}
}
