package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/heraldhq/herald/shared/auth"
	"github.com/heraldhq/herald/shared/delivery"
)

// Deliveries reads the delivery log.
type Deliveries interface {
	List(ctx context.Context, org, rule string, limit int, cursor string) ([]delivery.Entry, string, error)
}

// Page sizes of the delivery log.
const (
	defaultDeliveries = 20
	maxDeliveries     = 100
)

type deliveriesResponse struct {
	Deliveries []delivery.Entry `json:"deliveries"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

// deliveries lists a rule's delivery attempts, newest first, a page at a time.
func (h *Handler) deliveries(w http.ResponseWriter, r *http.Request, c auth.Caller) {
	limit := defaultDeliveries
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxDeliveries {
			writeFieldError(w, "limit", fmt.Sprintf("limit: must be a whole number from 1 to %d, not %q", maxDeliveries, v))
			return
		}
		limit = n
	}
	rule, ok := h.get(w, r, c) // 404 for a rule the caller's organization doesn't have
	if !ok {
		return
	}
	entries, next, err := h.Deliveries.List(r.Context(), c.Org, rule.Name, limit, r.URL.Query().Get("cursor"))
	if errors.Is(err, delivery.ErrBadCursor) {
		writeFieldError(w, "cursor", "cursor: not one this API returned; leave it out to start from the newest delivery")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if entries == nil {
		entries = []delivery.Entry{}
	}
	writeJSON(w, http.StatusOK, deliveriesResponse{Deliveries: entries, NextCursor: next})
}
