package apiclient_test

// Tests of what the client sends and of replies the real API never gives: other servers at the
// API's URL, proxies, nothing listening.

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/heraldhq/herald/shared/apiclient"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
)

const token = "eyJhbGciOiJIUzI1NiJ9.secret-token.sig"

// recorder answers every request with status and body and keeps the requests it saw.
type recorder struct {
	status      int
	contentType string
	body        string

	mu   sync.Mutex
	reqs []seen
}

type seen struct {
	method, uri string
	header      http.Header
	body        string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, seen{r.Method, r.RequestURI, r.Header.Clone(), string(b)})
	rec.mu.Unlock()
	if rec.contentType != "" {
		w.Header().Set("Content-Type", rec.contentType)
	}
	w.WriteHeader(rec.status)
	io.WriteString(w, rec.body)
}

func (rec *recorder) last(t *testing.T) seen {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		t.Fatal("no request reached the server")
	}
	return rec.reqs[len(rec.reqs)-1]
}

func serve(t *testing.T, rec *recorder) string {
	t.Helper()
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestRequests(t *testing.T) {
	rec := &recorder{status: 200, contentType: "application/json", body: `{}`}
	base := serve(t, rec)
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		base     string
		call     func(*apiclient.Client) error
		method   string
		uri      string
		withBody string
	}{
		{"list", base, func(c *apiclient.Client) error { _, err := c.List(ctx); return err }, "GET", "/v1/notifications", ""},
		{"a stage path and a trailing slash", base + "/prod/", func(c *apiclient.Client) error { _, err := c.List(ctx); return err },
			"GET", "/prod/v1/notifications", ""},
		{"a name is escaped", base, func(c *apiclient.Client) error { _, err := c.Get(ctx, "a/b c?d"); return err },
			"GET", "/v1/notifications/a%2Fb%20c%3Fd", ""},
		{"secret", base, func(c *apiclient.Client) error { _, err := c.Secret(ctx, "hook"); return err },
			"GET", "/v1/notifications/hook/secret", ""},
		{"deliveries", base, func(c *apiclient.Client) error { _, _, err := c.Deliveries(ctx, "hook", 5, "a+b/c"); return err },
			"GET", "/v1/notifications/hook/deliveries?cursor=a%2Bb%2Fc&limit=5", ""},
		{"create", base, func(c *apiclient.Client) error {
			_, err := c.Create(ctx, notification.Create{Name: "x", Type: notification.Email, EmailRecipients: []string{"a@acme.test"},
				Events: []event.Type{event.Audit}})
			return err
		}, "POST", "/v1/notifications",
			`{"name":"x","type":"email","enabled":null,"events":["audit-events"],"webhook_url":null,"format":null,"email_recipients":["a@acme.test"]}`},
		{"update sends only what is set", base, func(c *apiclient.Client) error {
			enabled := false
			_, err := c.Update(ctx, "x", notification.Patch{Enabled: &enabled})
			return err
		}, "PATCH", "/v1/notifications/x",
			`{"name":null,"type":null,"enabled":false,"events":null,"webhook_url":null,"format":null,"email_recipients":null}`},
		{"delete", base, func(c *apiclient.Client) error { return c.Delete(ctx, "x") }, "DELETE", "/v1/notifications/x", ""},
		{"me", base, func(c *apiclient.Client) error { _, err := c.Me(ctx); return err }, "GET", "/v1/me", ""},
		{"event types", base, func(c *apiclient.Client) error { _, err := c.EventTypes(ctx); return err }, "GET", "/v1/event-types", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(apiclient.New(tc.base, token)); err != nil {
				t.Fatal(err)
			}
			r := rec.last(t)
			if r.method != tc.method || r.uri != tc.uri || r.body != tc.withBody {
				t.Errorf("sent %s %s %s\nwant %s %s %s", r.method, r.uri, r.body, tc.method, tc.uri, tc.withBody)
			}
			if got := r.header.Get("Authorization"); got != "Bearer "+token {
				t.Errorf("Authorization = %q", got)
			}
			if got := r.header.Get("User-Agent"); got != "herald-cli/dev" {
				t.Errorf("User-Agent = %q, want herald-cli/dev", got)
			}
			if got, want := r.header.Get("Content-Type"), map[bool]string{true: "application/json"}[tc.withBody != ""]; got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
		})
	}
}

func TestNamesAURLCantCarry(t *testing.T) {
	rec := &recorder{status: 200, body: `{}`}
	c := apiclient.New(serve(t, rec), token)
	for _, name := range []string{"", ".", ".."} {
		if _, err := c.Get(context.Background(), name); err == nil || !strings.Contains(err.Error(), "is not a notification name") {
			t.Errorf("Get(%q) = %v, want an error about the name", name, err)
		}
	}
	if len(rec.reqs) != 0 {
		t.Errorf("%d requests sent for names that can't be sent", len(rec.reqs))
	}
}

func TestRepliesThatAreNotTheAPIs(t *testing.T) {
	for _, tc := range []struct {
		name string
		rec  *recorder
		says string
	}{
		{"an HTML error page", &recorder{status: 502, contentType: "text/html", body: "<html>Bad Gateway</html>"},
			"answered 502 Bad Gateway with text/html, not the Herald API's JSON; is HERALD_API_URL the API's address?"},
		{"a 200 that isn't JSON", &recorder{status: 200, contentType: "text/html", body: "<html>hello</html>"},
			"answered 200 OK with text/html, not the Herald API's JSON"},
		{"JSON that says nothing", &recorder{status: 500, contentType: "application/json", body: `[]`},
			"answered 500 Internal Server Error with JSON of another shape, not the Herald API's JSON"},
		{"a body that is cut off", &recorder{status: 500, contentType: "application/json", body: `{"error": {"mess`},
			"answered 500 Internal Server Error with a body that is not JSON"},
		{"API Gateway's own errors", &recorder{status: 503, contentType: "application/json", body: `{"message":"Service Unavailable"}`},
			"answered 503 Service Unavailable: Service Unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := serve(t, tc.rec)
			_, err := apiclient.New(url, token).List(context.Background())
			var e *apiclient.Error
			if !errors.As(err, &e) || e.Code != apiclient.CodeBadReply || e.Status != tc.rec.status {
				t.Fatalf("error %v, want a %s *Error with status %d", err, apiclient.CodeBadReply, tc.rec.status)
			}
			if !strings.Contains(e.Message, tc.says) || !strings.Contains(e.Message, url) {
				t.Errorf("message %q, want it to name %s and say %q", e.Message, url, tc.says)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = apiclient.New(url, token).List(context.Background())
	var ue *apiclient.UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v (%T), want *apiclient.UnreachableError", err, err)
	}
	msg := err.Error()
	for _, want := range []string{"cannot reach the Herald API at " + url + ": ", "connection refused", "is `make dev` running? (HERALD_API_URL)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q doesn't say %q", msg, want)
		}
	}
	if strings.Contains(msg, "/v1/") || strings.Contains(msg, token) {
		t.Errorf("message %q repeats the request or shows the token", msg)
	}
}

func TestCredentialsInTheURLAreNotShown(t *testing.T) {
	_, err := apiclient.New("http://user:hunter2@127.0.0.1:1", token).List(context.Background())
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v shows the URL's password", err)
	}
}

func TestCancelledIsNotUnreachable(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-block }))
	t.Cleanup(func() { close(block); srv.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := apiclient.New(srv.URL, token).List(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestBaseURLMustBeHTTP(t *testing.T) {
	for _, base := range []string{"127.0.0.1:8080", "ftp://example.com", "", "http://"} {
		_, err := apiclient.New(base, token).List(context.Background())
		if err == nil || !strings.Contains(err.Error(), "is not an http(s) URL") {
			t.Errorf("New(%q).List = %v, want an error about the URL", base, err)
		}
	}
}

func TestNewHasATimeout(t *testing.T) {
	if c := apiclient.New("http://127.0.0.1:8080", token); c.HTTP.Timeout != apiclient.Timeout || c.HTTP.Timeout == 0 {
		t.Errorf("timeout %v, want %v", c.HTTP.Timeout, apiclient.Timeout)
	}
}
