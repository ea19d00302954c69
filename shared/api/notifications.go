package api

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/heraldhq/herald/shared/audit"
	"github.com/heraldhq/herald/shared/auth"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/store"
)

// created is the create response: the rule and, for a webhook, its signing secret, shown once.
type created struct {
	notification.Rule
	Secret string `json:"secret,omitempty"`
}

type listResponse struct {
	Notifications []notification.Rule `json:"notifications"`
}

func (h *Handler) eventTypes(w http.ResponseWriter, r *http.Request, _ auth.Caller) {
	out := make([]eventType, len(event.Types))
	for i, t := range event.Types {
		out[i] = eventType{Name: string(t), DetailType: t.DetailType(), Description: t.Description()}
	}
	writeJSON(w, http.StatusOK, map[string]any{"event_types": out})
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request, c auth.Caller) {
	rules, err := h.Rules.List(r.Context(), c.Org)
	if err != nil {
		h.storeError(w, r, err, "")
		return
	}
	out := make([]notification.Rule, len(rules))
	for i, rule := range rules {
		out[i] = rule.Redacted()
	}
	writeJSON(w, http.StatusOK, listResponse{Notifications: out})
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request, c auth.Caller) {
	var in notification.Create
	if !decode(w, r, &in) {
		return
	}
	rule, err := h.Policy.New(c.Org, in, c.Actor(), h.Now())
	if err != nil {
		h.validationError(w, r, err)
		return
	}
	if rule.Type == notification.Webhook {
		if rule.Secret, err = h.NewSecret(); err != nil {
			h.internal(w, r, fmt.Errorf("api: new signing secret: %w", err))
			return
		}
	}
	if err := h.Rules.Create(r.Context(), rule); err != nil {
		h.storeError(w, r, err, rule.Name)
		return
	}
	if h.Journal != nil {
		// A rule that once had this name may have left a run of failures behind.
		if err := h.Journal.Healthy(r.Context(), c.Org, rule.Name); err != nil {
			h.Log.ErrorContext(r.Context(), "resetting the rule's failures failed", "error", err)
		}
	}
	h.Audit.Record(r.Context(), c.Org, actor(c), audit.Created, nil, &rule)
	w.Header().Set("Location", "/v1/notifications/"+rule.Name)
	writeJSON(w, http.StatusCreated, created{Rule: rule, Secret: rule.Secret})
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request, c auth.Caller) {
	rule, ok := h.get(w, r, c)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, rule)
}

func (h *Handler) secret(w http.ResponseWriter, r *http.Request, c auth.Caller) {
	rule, ok := h.webhook(w, r, c)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"secret": rule.Secret})
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request, c auth.Caller) {
	var p notification.Patch
	if !decode(w, r, &p) {
		return
	}
	rule, ok := h.get(w, r, c)
	if !ok {
		return
	}
	next, err := h.Policy.Apply(rule, p, c.Actor(), h.Now())
	if err != nil {
		h.validationError(w, r, err)
		return
	}
	if err := h.Rules.Update(r.Context(), &next); err != nil {
		h.storeError(w, r, err, rule.Name)
		return
	}
	if next.Enabled && !rule.Enabled && h.Journal != nil {
		// Turned back on: past failures no longer count towards turning it off again.
		if err := h.Journal.Healthy(r.Context(), c.Org, rule.Name); err != nil {
			h.Log.ErrorContext(r.Context(), "resetting the rule's failures failed", "error", err)
		}
	}
	h.Audit.Record(r.Context(), c.Org, actor(c), audit.Updated, &rule, &next)
	writeJSON(w, http.StatusOK, next)
}

func (h *Handler) remove(w http.ResponseWriter, r *http.Request, c auth.Caller) {
	name := r.PathValue("name")
	if !notification.ValidName(name) {
		h.notFoundRule(w, name)
		return
	}
	old, err := h.Rules.Delete(r.Context(), c.Org, name)
	if err != nil {
		h.storeError(w, r, err, name)
		return
	}
	h.Audit.Record(r.Context(), c.Org, actor(c), audit.Deleted, &old, nil)
	w.WriteHeader(http.StatusNoContent)
}

// get loads the rule named in the path from the caller's organization, or answers 404.
func (h *Handler) get(w http.ResponseWriter, r *http.Request, c auth.Caller) (notification.Rule, bool) {
	name := r.PathValue("name")
	if !notification.ValidName(name) {
		h.notFoundRule(w, name)
		return notification.Rule{}, false
	}
	rule, err := h.Rules.Get(r.Context(), c.Org, name)
	if err != nil {
		h.storeError(w, r, err, name)
		return notification.Rule{}, false
	}
	return rule, true
}

// webhook loads the webhook rule named in the path, or answers 404 or, for an email rule,
// 400: only webhook rules have a signing secret.
func (h *Handler) webhook(w http.ResponseWriter, r *http.Request, c auth.Caller) (notification.Rule, bool) {
	rule, ok := h.get(w, r, c)
	if ok && rule.Type != notification.Webhook {
		writeError(w, http.StatusBadRequest, "not_a_webhook",
			fmt.Sprintf("%q is an email rule; only webhook rules have a signing secret", rule.Name))
		return notification.Rule{}, false
	}
	return rule, ok
}

// notFoundRule is the answer for a rule the caller's organization does not have, whether or not
// another organization has one of that name.
func (h *Handler) notFoundRule(w http.ResponseWriter, name string) {
	writeError(w, http.StatusNotFound, "not_found",
		fmt.Sprintf("notification %q not found; list your organization's notifications with GET /v1/notifications", name))
}

func (h *Handler) storeError(w http.ResponseWriter, r *http.Request, err error, name string) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.notFoundRule(w, name)
	case errors.Is(err, store.ErrExists):
		writeError(w, http.StatusConflict, "already_exists",
			fmt.Sprintf("a notification named %q already exists in your organization; choose another name or update it", name))
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, "conflict",
			fmt.Sprintf("notification %q was changed by someone else while you were updating it; read it again and retry", name))
	case errors.Is(err, store.ErrLimit):
		writeError(w, http.StatusConflict, "limit_reached",
			fmt.Sprintf("your organization already has %d notifications, the most allowed; remove one before adding another", notification.MaxRulesPerOrg))
	default:
		h.internal(w, r, err)
	}
}

func (h *Handler) validationError(w http.ResponseWriter, r *http.Request, err error) {
	var fe *notification.FieldError
	if errors.As(err, &fe) {
		writeFieldError(w, fe.Field, fe.Message)
		return
	}
	h.internal(w, r, err)
}

func (h *Handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	h.Log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	writeError(w, http.StatusInternalServerError, "internal", "something went wrong on our side; try again, and tell us if it keeps happening")
}

// allowedFields lists the JSON fields of the struct v points to.
func allowedFields(v any) string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var names []string
	for i := range t.NumField() {
		if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n != "" && n != "-" {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}
