// Package api is Herald's HTTPS API: a net/http handler for managing an organization's
// notification rules. The api function runs it behind API Gateway; the local stack serves it
// directly. Callers are identified by the JWT authorizer's claims; only admins manage rules.
package api

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/heraldhq/herald/shared/audit"
	"github.com/heraldhq/herald/shared/auth"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/portal"
	"github.com/heraldhq/herald/shared/webhook"
)

// OpenAPI is the API's OpenAPI 3 document, served at GET /v1/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// MaxBodyBytes is the largest request body accepted.
const MaxBodyBytes = 64 << 10

// Rules is the rule store the API needs.
type Rules interface {
	Create(ctx context.Context, r notification.Rule) error
	Get(ctx context.Context, org, name string) (notification.Rule, error)
	List(ctx context.Context, org string) ([]notification.Rule, error)
	Update(ctx context.Context, r *notification.Rule) error
	Delete(ctx context.Context, org, name string) (notification.Rule, error)
}

// Handler serves the API. Build it with New.
type Handler struct {
	Rules      Rules
	Deliveries Deliveries
	// Journal and Deliverers (by rule type) make test sends and redeliveries; Audit publishes
	// every change to the bus.
	Journal    Journal
	Dedup      Settler // the senders' claims: a redelivery closes its delivery id
	Deliverers map[notification.Type]Deliverer
	Audit      *audit.Trail
	Policy     notification.Policy
	Claims     auth.Claims
	Log        *slog.Logger
	Now        func() time.Time
	NewSecret  func() (string, error)

	mux *http.ServeMux
}

// New wires h's routes and returns it ready to serve.
func New(h *Handler) *Handler {
	if h.Now == nil {
		h.Now = func() time.Time { return time.Now().UTC() }
	}
	if h.Log == nil {
		h.Log = slog.Default()
	}
	if h.NewSecret == nil {
		h.NewSecret = webhook.NewSecret
	}
	m := http.NewServeMux()
	m.HandleFunc("GET /v1/openapi.yaml", h.openAPI)
	m.HandleFunc("GET /v1/me", h.authed(h.me))
	m.HandleFunc("GET /v1/event-types", h.authed(h.eventTypes))
	m.HandleFunc("GET /v1/notifications", h.admin(h.list))
	m.HandleFunc("POST /v1/notifications", h.admin(h.create))
	m.HandleFunc("GET /v1/notifications/{name}", h.admin(h.show))
	m.HandleFunc("PATCH /v1/notifications/{name}", h.admin(h.update))
	m.HandleFunc("DELETE /v1/notifications/{name}", h.admin(h.remove))
	m.HandleFunc("GET /v1/notifications/{name}/secret", h.admin(h.secret))
	m.HandleFunc("GET /v1/notifications/{name}/deliveries", h.admin(h.deliveries))
	m.HandleFunc("POST /v1/notifications/{name}/test", h.admin(h.test))
	m.HandleFunc("POST /v1/notifications/{name}/deliveries/{id}/redeliver", h.admin(h.redeliver))
	m.HandleFunc("POST /v1/notifications/{name}/rotate-secret", h.admin(h.rotateSecret))
	// The portal is public (API Gateway routes these paths without the authorizer); it signs
	// in with a token and calls the routes above.
	portal := portal.New(http.HandlerFunc(h.notFound))
	m.Handle("GET /{$}", portal)
	m.Handle("GET /assets/", portal)
	m.HandleFunc("/", h.notFound)
	h.mux = m
	return h
}

// ServeHTTP logs each request once, with its outcome.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	h.mux.ServeHTTP(sw, r)
	h.Log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", sw.status), slog.Int64("duration_ms", time.Since(start).Milliseconds()))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

type callerHandler func(http.ResponseWriter, *http.Request, auth.Caller)

// authed admits any authenticated caller.
func (h *Handler) authed(next callerHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := h.Claims.FromContext(r.Context())
		if err != nil {
			writeError(w, http.StatusUnauthorized, "unauthorized",
				"sign in first: send an API token in the Authorization header ("+err.Error()+")")
			return
		}
		next(w, r, c)
	}
}

// admin admits only the admins of the caller's organization.
func (h *Handler) admin(next callerHandler) http.HandlerFunc {
	return h.authed(func(w http.ResponseWriter, r *http.Request, c auth.Caller) {
		if !c.IsAdmin() {
			writeError(w, http.StatusForbidden, "forbidden",
				"only admins manage notifications; your role in "+c.Org+" is "+c.Role)
			return
		}
		next(w, r, c)
	})
}

func (h *Handler) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(OpenAPI)
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "not_found", "no such route: "+r.Method+" "+r.URL.Path+"; see GET /v1/openapi.yaml")
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request, c auth.Caller) {
	writeJSON(w, http.StatusOK, c)
}

type eventType struct {
	Name        string `json:"name"`
	DetailType  string `json:"detail_type"`
	Description string `json:"description"`
}
