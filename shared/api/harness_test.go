package api_test

// The test harness: a real store on the emulator behind an httptest.Server, a stand-in for API
// Gateway's JWT authorizer, and a client that checks every request and response it sees
// against openapi.yaml, so the document and the handler can't drift apart.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/heraldhq/herald/shared/api"
	"github.com/heraldhq/herald/shared/audit"
	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/lambdahttp"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/sender"
	"github.com/heraldhq/herald/shared/store"
	"github.com/heraldhq/herald/shared/webhook"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// Bearer tokens the fake authorizer knows, and the claims API Gateway would pass on for them.
const (
	acmeAdmin    = "acme-admin"
	acmeMember   = "acme-member"
	globexAdmin  = "globex-admin"
	noOrgClaim   = "no-org-claim"
	noRoleClaim  = "no-role-claim"
	acmeBob      = "acme-bob"      // an admin whose token has no email claim
	customClaims = "custom-claims" // org and role under names a deployment chose
)

var tokens = map[string]map[string]string{
	acmeAdmin:   {"org_id": "org_acme", "role": "admin", "sub": "u_alice", "email": "alice@acme.test", "iss": "https://auth.acme.test"},
	acmeMember:  {"org_id": "org_acme", "role": "member", "sub": "u_mallory", "email": "mallory@acme.test"},
	globexAdmin: {"org_id": "org_globex", "role": "admin", "sub": "u_hank", "email": "hank@globex.test"},
	noOrgClaim:  {"role": "admin", "sub": "u_nobody"},
	noRoleClaim: {"org_id": "org_acme", "sub": "u_nobody"},
	acmeBob:     {"org_id": "org_acme", "role": "admin", "sub": "u_bob"},
	customClaims: {"https://acme.test/org": "org_acme", "https://acme.test/role": "admin", "sub": "u_carol",
		"email": "carol@acme.test"},
}

// authorizer stands in for API Gateway's JWT authorizer: it turns a known bearer token into
// verified claims and puts them in the request context exactly as the Lambda adapter does.
// A request without a known token reaches the handler with no authorizer context at all.
type authorizer struct {
	next   http.Handler
	claims map[string]map[string]string
}

func (a authorizer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if claims, known := a.claims[tok]; ok && known {
		rc := events.APIGatewayV2HTTPRequestContext{
			RouteKey:  "$default",
			Stage:     "$default",
			RequestID: "req-" + tok,
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
			},
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: r.Method, Path: r.URL.Path},
		}
		r = r.WithContext(lambdahttp.WithRequestContext(r.Context(), rc))
	}
	a.next.ServeHTTP(w, r)
}

// syncBuffer is the handler's log; the server writes it from its own goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// clock is the handler's time, moved by the tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// server is the API on an httptest.Server, with a fresh table of its own.
type server struct {
	*httptest.Server
	audit   *auditCapture
	store   *store.Rules
	handler *api.Handler
	log     *syncBuffer
	clock   *clock
	spec    *spec
}

var (
	dbOnce sync.Once
	db     *dynamodb.Client
)

// newServer starts the API on a fresh table. configure, if given, changes the handler before
// it is built (wrap its store, set a policy or claim names).
func newServer(t *testing.T, configure ...func(h *api.Handler, st *store.Rules)) *server {
	t.Helper()
	dbOnce.Do(func() { db = dynamodb.NewFromConfig(awstest.Config(t)) })
	st := &store.Rules{DB: db, Table: awstest.Table(t, db)}
	s := &server{
		store: st,
		log:   &syncBuffer{},
		clock: &clock{now: time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC)},
		spec:  loadSpec(t),
	}
	s.audit = &auditCapture{}
	journal := &delivery.Log{DB: db, Table: st.Table}
	h := &api.Handler{
		Rules:      st,
		Deliveries: journal,
		Journal:    journal,
		Dedup:      &delivery.Claims{DB: db, Table: st.Table},
		Deliverers: map[notification.Type]api.Deliverer{
			// Receivers in these tests listen on 127.0.0.1.
			notification.Webhook: &sender.Webhook{Client: webhook.NewClient(webhook.Options{AllowPrivate: true, Timeout: 5 * time.Second})},
		},
		Audit:     &audit.Trail{Publisher: s.audit, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))},
		Log:       slog.New(slog.NewJSONHandler(s.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:       s.clock.Now,
		NewSecret: webhook.NewSecret,
	}
	for _, f := range configure {
		f(h, st)
	}
	s.handler = api.New(h)
	s.Server = httptest.NewServer(authorizer{next: s.handler, claims: tokens})
	t.Cleanup(s.Close)
	return s
}

// auditCapture keeps the audit events the API publishes.
type auditCapture struct {
	mu     sync.Mutex
	events []event.Event
}

func (a *auditCapture) Publish(_ context.Context, ev event.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, ev)
	return nil
}

func (a *auditCapture) all() []event.Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]event.Event(nil), a.events...)
}

// request is one call to the API.
type request struct {
	token       string // a key of tokens; "" sends no Authorization header
	method      string
	path        string
	body        string
	contentType string // application/json when there is a body, unless set
	// invalid says the request breaks openapi.yaml too, so the document must refuse it: the
	// handler and the document agree on what a good request is.
	invalid bool
}

// response is what the API answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// decode reads the body as JSON into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response body is not JSON: %v\n%s", err, r.body)
	}
}

// object reads the body as a JSON object.
func (r response) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// apiErr is the error of an error response.
type apiErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

func (r response) err(t *testing.T) apiErr {
	t.Helper()
	var e struct {
		Error apiErr `json:"error"`
	}
	r.decode(t, &e)
	return e.Error
}

// wantError checks that r is an error response with status and code.
func (r response) wantError(t *testing.T, status int, code string) apiErr {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	e := r.err(t)
	if e.Code != code {
		t.Fatalf("error code = %q, want %q; body %s", e.Code, code, r.body)
	}
	if e.Message == "" {
		t.Fatalf("error without a message: %s", r.body)
	}
	return e
}

func (r response) wantStatus(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
}

// do sends req and returns the answer, after checking both against openapi.yaml: a request the
// document allows must be one the test means to be valid and vice versa, and the response
// must be one the document describes for that operation and status, body and headers.
func (s *server) do(t *testing.T, req request) response {
	t.Helper()
	ct := req.contentType
	if ct == "" && req.body != "" {
		ct = "application/json"
	}
	build := func(url string) *http.Request {
		r, err := http.NewRequest(req.method, url, strings.NewReader(req.body))
		if err != nil {
			t.Fatal(err)
		}
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		if req.token != "" {
			r.Header.Set("Authorization", "Bearer "+req.token)
		}
		r.Header.Set("Accept", "application/json")
		return r
	}

	in := s.spec.checkRequest(t, build(s.URL+req.path), req.invalid)

	hr := build(s.URL + req.path)
	hresp, err := s.Client().Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer hresp.Body.Close()
	body, err := io.ReadAll(hresp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.method, req.path, err)
	}
	resp := response{status: hresp.StatusCode, header: hresp.Header, body: body}
	s.spec.checkResponse(t, in, req, resp)
	return resp
}

// Shorthands for the common calls.

func (s *server) get(t *testing.T, token, path string) response {
	t.Helper()
	return s.do(t, request{token: token, method: http.MethodGet, path: path})
}

func (s *server) post(t *testing.T, token, body string) response {
	t.Helper()
	return s.do(t, request{token: token, method: http.MethodPost, path: "/v1/notifications", body: body})
}

func (s *server) patch(t *testing.T, token, name, body string) response {
	t.Helper()
	return s.do(t, request{token: token, method: http.MethodPatch, path: "/v1/notifications/" + name, body: body})
}

func (s *server) del(t *testing.T, token, name string) response {
	t.Helper()
	return s.do(t, request{token: token, method: http.MethodDelete, path: "/v1/notifications/" + name})
}

// mustCreate creates a rule as token and returns the create response.
func (s *server) mustCreate(t *testing.T, token, body string) response {
	t.Helper()
	r := s.post(t, token, body)
	r.wantStatus(t, http.StatusCreated)
	return r
}

// spec is openapi.yaml, loaded, validated and routed.
type spec struct {
	doc    *openapi3.T
	router routers.Router

	mu   sync.Mutex
	seen map[string]bool // "operationId status" pairs some test got
}

var (
	specOnce   sync.Once
	loadedSpec *spec
	specErr    error
)

// loadSpec loads the handler's own embedded document, the one it serves.
func loadSpec(t *testing.T) *spec {
	t.Helper()
	specOnce.Do(func() {
		// The document's email addresses are checked as the handler checks them: bare
		// addresses, no display name.
		openapi3.DefineStringFormatValidator("email", openapi3.NewCallbackValidator(func(s string) error {
			a, err := mail.ParseAddress(s)
			if err != nil || a.Address != s {
				return fmt.Errorf("%q is not a bare email address", s)
			}
			return nil
		}))
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(api.OpenAPI)
		if err != nil {
			specErr = fmt.Errorf("load openapi.yaml: %w", err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			specErr = fmt.Errorf("openapi.yaml is not a valid OpenAPI document: %w", err)
			return
		}
		// Route on paths alone, whatever host the test server listens on.
		doc.Servers = nil
		router, err := legacy.NewRouter(doc)
		if err != nil {
			specErr = fmt.Errorf("route openapi.yaml: %w", err)
			return
		}
		loadedSpec = &spec{doc: doc, router: router, seen: map[string]bool{}}
	})
	if specErr != nil {
		t.Fatal(specErr)
	}
	return loadedSpec
}

func (s *spec) options() *openapi3filter.Options {
	return &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc, // the fake authorizer's job
		IncludeResponseStatus: true,                                  // an undocumented status is a failure
		SkipSettingDefaults:   true,
		MultiError:            true,
	}
}

// checkRequest validates r against the document. It returns the validation input for the
// response check, or nil when the document has no operation for r.
func (s *spec) checkRequest(t *testing.T, r *http.Request, invalid bool) *openapi3filter.RequestValidationInput {
	t.Helper()
	route, params, err := s.router.FindRoute(r)
	if err != nil {
		return nil
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: s.options()}
	err = openapi3filter.ValidateRequest(context.Background(), in)
	switch {
	case err != nil && !invalid:
		t.Errorf("openapi.yaml refuses %s %s, which the test means to be valid:\n%v", r.Method, r.URL.Path, err)
	case err == nil && invalid:
		t.Errorf("openapi.yaml accepts %s %s, which the test means to be invalid by the document too", r.Method, r.URL.Path)
	}
	return in
}

// checkResponse validates resp against the operation in answers, or against the Error schema
// for a request the document has no route for (which must be answered 404).
func (s *spec) checkResponse(t *testing.T, in *openapi3filter.RequestValidationInput, req request, resp response) {
	t.Helper()
	if in == nil {
		if resp.status != http.StatusNotFound {
			t.Errorf("%s %s is not in openapi.yaml but was answered %d, not 404", req.method, req.path, resp.status)
		}
		if ct := resp.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q, want application/json", req.method, req.path, ct)
		}
		var v any
		if err := json.Unmarshal(resp.body, &v); err != nil {
			t.Errorf("%s %s: body is not JSON: %v", req.method, req.path, err)
			return
		}
		if err := s.doc.Components.Schemas["Error"].Value.VisitJSON(v); err != nil {
			t.Errorf("%s %s: 404 body doesn't match the Error schema: %v\n%s", req.method, req.path, err, resp.body)
		}
		return
	}
	rv := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.status,
		Header:                 resp.header,
		Options:                s.options(),
	}
	rv.SetBodyBytes(resp.body)
	if err := openapi3filter.ValidateResponse(context.Background(), rv); err != nil {
		t.Errorf("%s %s: the %d response doesn't match openapi.yaml (operation %s):\n%v\nbody: %s",
			req.method, req.path, resp.status, in.Route.Operation.OperationID, err, resp.body)
	}
	s.mu.Lock()
	s.seen[fmt.Sprintf("%s %d", in.Route.Operation.OperationID, resp.status)] = true
	s.mu.Unlock()
}

// documented returns every "operationId status" pair the document describes, sorted.
func (s *spec) documented() []string {
	var out []string
	for _, item := range s.doc.Paths.Map() {
		for _, op := range item.Operations() {
			for status := range op.Responses.Map() {
				out = append(out, op.OperationID+" "+status)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (s *spec) wasSeen(pair string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[pair]
}
