package webhook

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeToken stands in for the secret part of a Slack webhook URL.
const fakeToken = "XoXoFakeT0kenDoNotLog42"

const slackPath = "/services/T0001/B0001/" + fakeToken

// hang is a handler that never answers: it waits until the client goes away.
// It reads the body first; until it does, the server cannot notice the client leaving.
func hang(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// closedPort returns an address on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestPostClassification(t *testing.T) {
	reply := func(status int, body string, h ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(h); i += 2 {
				w.Header().Set(h[i], h[i+1])
			}
			w.WriteHeader(status)
			io.WriteString(w, body)
		}
	}
	tests := []struct {
		name       string
		handler    http.HandlerFunc // nil: nothing listens
		timeout    time.Duration
		status     int
		outcome    Outcome
		err        string // Result.Error must contain it ("" means Error must be empty)
		retryAfter time.Duration
	}{
		{name: "200", handler: reply(200, "ok"), status: 200, outcome: Delivered},
		{name: "204", handler: reply(204, ""), status: 204, outcome: Delivered},
		{name: "301", handler: reply(301, "", "Location", "/elsewhere"), status: 301, outcome: Failed,
			err: "redirects are not followed (status 301)"},
		{name: "302", handler: reply(302, "", "Location", "http://169.254.169.254/"), status: 302, outcome: Failed,
			err: "redirects are not followed (status 302)"},
		{name: "400", handler: reply(400, "invalid_payload\n"), status: 400, outcome: Failed,
			err: "status 400: invalid_payload"},
		{name: "404", handler: reply(404, "Not Found"), status: 404, outcome: Failed, err: "status 404: Not Found"},
		{name: "408", handler: reply(408, ""), status: 408, outcome: Retry, err: "status 408"},
		{name: "410 slack channel_is_archived", handler: reply(410, "channel_is_archived"), status: 410,
			outcome: Failed, err: "channel_is_archived"},
		{name: "404 slack no_service", handler: reply(404, "no_service"), status: 404,
			outcome: Failed, err: "no_service"},
		{name: "500 slack invalid_token", handler: reply(500, "invalid_token\n"), status: 500,
			outcome: Failed, err: "invalid_token"},
		{name: "429 Retry-After 7", handler: reply(429, "slow down", "Retry-After", "7"), status: 429,
			outcome: Retry, err: "status 429: slow down", retryAfter: 7 * time.Second},
		{name: "500", handler: reply(500, "<h1>Internal\nServer Error</h1>"), status: 500, outcome: Retry,
			err: "status 500: <h1>Internal Server Error</h1>"},
		{name: "503 Retry-After huge", handler: reply(503, "", "Retry-After", "999999"), status: 503,
			outcome: Retry, err: "status 503", retryAfter: maxDelay},
		{name: "timeout", timeout: 100 * time.Millisecond, handler: hang, outcome: Retry, err: "timeout after 100ms"},
		{name: "connection refused", outcome: Retry, err: "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u string
			if tt.handler != nil {
				srv := httptest.NewServer(tt.handler)
				defer srv.Close()
				u = srv.URL + slackPath
			} else {
				u = "http://" + closedPort(t) + slackPath
			}
			c := NewClient(Options{AllowPrivate: true, Timeout: tt.timeout})
			r := c.Post(context.Background(), u, []byte(`{"text":"hi"}`), nil)
			if r.Status != tt.status || r.Outcome != tt.outcome {
				t.Errorf("got status %d, outcome %q; want %d, %q (error %q)", r.Status, r.Outcome, tt.status, tt.outcome, r.Error)
			}
			if tt.err == "" && r.Error != "" {
				t.Errorf("Error = %q, want none", r.Error)
			}
			if !strings.Contains(r.Error, tt.err) {
				t.Errorf("Error = %q, want it to contain %q", r.Error, tt.err)
			}
			if r.RetryAfter != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", r.RetryAfter, tt.retryAfter)
			}
			if strings.Contains(r.Error, fakeToken) {
				t.Errorf("Error %q holds the URL's token", r.Error)
			}
			if r.Duration <= 0 {
				t.Errorf("Duration = %v, want > 0", r.Duration)
			}
		})
	}
}

func TestPostDoesNotFollowRedirects(t *testing.T) {
	var followed atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed.Add(1)
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	r := NewClient(Options{AllowPrivate: true}).Post(context.Background(), srv.URL, []byte(`{}`), nil)
	if r.Outcome != Failed || r.Status != 307 || followed.Load() != 0 {
		t.Errorf("got %+v, %d requests to the target; want a failed 307 and none", r, followed.Load())
	}
}

func TestPostRetryAfterDate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", time.Now().Add(2*time.Minute).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	r := NewClient(Options{AllowPrivate: true}).Post(context.Background(), srv.URL, []byte(`{}`), nil)
	if r.Outcome != Retry || r.RetryAfter < 118*time.Second || r.RetryAfter > 120*time.Second {
		t.Errorf("got %+v; want Retry with RetryAfter about 2m", r)
	}
}

func TestPostHeadersAndSignature(t *testing.T) {
	type received struct {
		method string
		h      http.Header
		body   []byte
	}
	got := make(chan received, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- received{r.Method, r.Header.Clone(), body}
	}))
	defer srv.Close()

	secret := newSecret(t)
	body := []byte(`{"type":"login-success","id":"evt_1"}`)
	h, err := Headers([]string{secret}, "msg_abc", time.Now(), body)
	if err != nil {
		t.Fatal(err)
	}
	before := h.Clone()

	for _, tt := range []struct{ opt, want string }{{"", DefaultUserAgent}, {"Herald-Local/0.1", "Herald-Local/0.1"}} {
		r := NewClient(Options{AllowPrivate: true, UserAgent: tt.opt}).Post(context.Background(), srv.URL+"/hook", body, h)
		if r.Outcome != Delivered {
			t.Fatalf("Post: %+v", r)
		}
		rcv := <-got
		if rcv.method != http.MethodPost {
			t.Errorf("method %s, want POST", rcv.method)
		}
		for k, want := range map[string]string{
			"User-Agent":        tt.want,
			"Content-Type":      "application/json",
			"webhook-id":        "msg_abc",
			"webhook-timestamp": h.Get("webhook-timestamp"),
			"webhook-signature": h.Get("webhook-signature"),
		} {
			if got := rcv.h.Get(k); got != want {
				t.Errorf("server got %s %q, want %q", k, got, want)
			}
		}
		if err := verify(t, secret, rcv.body, rcv.h); err != nil {
			t.Errorf("svix cannot verify what the server received: %v", err)
		}
	}
	if h.Get("User-Agent") != before.Get("User-Agent") || len(h) != len(before) {
		t.Error("Post changed the caller's headers")
	}
}

// countingTransport counts the bytes of reply bodies read through it.
type countingTransport struct {
	rt http.RoundTripper
	n  *atomic.Int64
}

func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(req)
	if err == nil {
		resp.Body = countingBody{resp.Body, t.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func TestPostResponseCap(t *testing.T) {
	for _, limit := range []int64{0, 1000} { // 0: the default, 64 KiB
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(strings.Repeat("x", 1<<20)))
			<-r.Context().Done() // and then hold the connection open
		}))
		c := NewClient(Options{AllowPrivate: true, Timeout: 5 * time.Second, MaxResponseBytes: limit})
		var n atomic.Int64
		c.hc.Transport = countingTransport{c.hc.Transport, &n}

		r := c.Post(context.Background(), srv.URL, []byte(`{}`), nil)
		srv.Close()
		want := limit
		if want == 0 {
			want = DefaultMaxResponseBytes
		}
		if r.Outcome != Retry || r.Status != 500 {
			t.Errorf("limit %d: got %+v, want a retried 500", limit, r)
		}
		if n.Load() > want {
			t.Errorf("limit %d: read %d bytes of the reply", limit, n.Load())
		}
		if r.Duration > 2*time.Second {
			t.Errorf("limit %d: took %v: the client waited for the rest of the reply", limit, r.Duration)
		}
		if len(r.Error) > len("status 500: ")+excerptLen+len("...") {
			t.Errorf("limit %d: error is %d bytes long", limit, len(r.Error))
		}
	}
}

func TestPostBlocked(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	c := NewClient(Options{}) // production: nothing private
	for _, u := range []string{
		srv.URL,
		"http://localhost:" + port,
		"http://[::ffff:127.0.0.1]:" + port,
		"http://[::1]:" + port,
		"http://0.0.0.0:" + port,
		"http://10.0.0.1:" + port,
		"http://169.254.169.254/latest/meta-data/",
		"http://[fd00:ec2::254]/latest/meta-data/",
		"http://100.100.100.200/latest/meta-data/",
	} {
		r := c.Post(context.Background(), u+slackPath, []byte(`{}`), nil)
		if r.Outcome != Failed || !strings.Contains(r.Error, "blocked address") {
			t.Errorf("%s: got %+v, want Failed with a blocked address", u, r)
		}
		if strings.Contains(r.Error, fakeToken) || strings.Contains(r.Error, "/services/") {
			t.Errorf("%s: Error %q holds the URL", u, r.Error)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the server was reached %d times", hits.Load())
	}
	if got := c.Post(context.Background(), srv.URL, nil, nil).Error; got != "blocked address 127.0.0.1" {
		t.Errorf("Error = %q, want %q", got, "blocked address 127.0.0.1")
	}

	// The same server is fine when private addresses are allowed.
	if r := NewClient(Options{AllowPrivate: true}).Post(context.Background(), srv.URL, nil, nil); r.Outcome != Delivered {
		t.Errorf("AllowPrivate: %+v", r)
	}
}

func TestClientIgnoresEnvironmentProxy(t *testing.T) {
	for _, o := range []Options{{}, {AllowPrivate: true}} {
		tr := NewClient(o).hc.Transport.(*http.Transport)
		if tr.Proxy != nil {
			t.Errorf("%+v: the transport has a proxy function", o)
		}
	}
}

func TestBlocked(t *testing.T) {
	tests := []struct {
		addr    string
		blocked bool
	}{
		{"127.0.0.1", true},
		{"127.255.0.9", true},
		{"::1", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true},
		{"169.254.0.1", true},
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"fc00::1", true},
		{"fd00:ec2::254", true},
		{"0.0.0.0", true},
		{"::", true},
		{"100.64.0.1", true},
		{"100.127.255.255", true},
		{"224.0.0.1", true},
		{"255.255.255.255", true},
		{"ff02::1", true},
		// IPv4-mapped and other IPv6 forms of blocked IPv4 addresses.
		{"::ffff:127.0.0.1", true},
		{"::ffff:10.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"::ffff:100.64.0.1", true},
		{"::ffff:0.0.0.0", true},
		{"::127.0.0.1", true},
		{"64:ff9b::a9fe:a9fe", true},    // NAT64 of 169.254.169.254
		{"2002:7f00:1::1", true},        // 6to4 of 127.0.0.1
		{"2002:a00:1::1", true},         // 6to4 of 10.0.0.1
		{"8.8.8.8", false},              // public
		{"1.1.1.1", false},              // public
		{"172.15.255.255", false},       // just below 172.16/12
		{"172.32.0.0", false},           // just above it
		{"100.63.255.255", false},       // just below 100.64/10
		{"100.128.0.0", false},          // just above it
		{"::ffff:8.8.8.8", false},       // mapped public
		{"2606:4700:4700::1111", false}, // public IPv6
		{"64:ff9b::808:808", false},     // NAT64 of 8.8.8.8
		{"2002:808:808::1", false},      // 6to4 of 8.8.8.8
		{"2a05:d018:abc::1", false},     // an AWS IPv6 address
	}
	for _, tt := range tests {
		ip, err := netip.ParseAddr(tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := blocked(ip); got != tt.blocked {
			t.Errorf("blocked(%s) = %v, want %v", tt.addr, got, tt.blocked)
		}
	}
	if !blocked(netip.Addr{}) {
		t.Error("the zero address is not blocked")
	}
}

// Webhook URLs carry credentials; no error may repeat them.
func TestPostErrorsNeverHoldTheURL(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A careless server that quotes the request in its error.
		http.Error(w, "no route for POST "+r.URL.String(), http.StatusBadGateway)
	}))
	defer echo.Close()
	slow := httptest.NewServer(http.HandlerFunc(hang))
	defer slow.Close()
	_, port, _ := net.SplitHostPort(echo.Listener.Addr().String())

	tests := []struct {
		name string
		o    Options
		url  string
	}{
		{"connection refused", Options{AllowPrivate: true}, "http://" + closedPort(t) + slackPath},
		{"timeout", Options{AllowPrivate: true, Timeout: 50 * time.Millisecond}, slow.URL + slackPath},
		{"blocked", Options{}, "http://localhost:" + port + slackPath},
		{"reply quotes the URL", Options{AllowPrivate: true}, echo.URL + slackPath + "?token=" + fakeToken},
		{"user info", Options{AllowPrivate: true}, "http://user:" + fakeToken + "@" + closedPort(t) + "/hook"},
		{"DNS failure", Options{Timeout: 2 * time.Second}, "https://herald-test.invalid" + slackPath},
		{"bad scheme", Options{}, "ftp://hooks.example.com" + slackPath},
		{"bad escape", Options{}, "https://hooks.example.com" + slackPath + "/%zz"},
		{"no host", Options{}, "https:///services/" + fakeToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewClient(tt.o).Post(context.Background(), tt.url, []byte(`{}`), nil)
			if r.Error == "" || r.Outcome == Delivered {
				t.Fatalf("got %+v, want an error", r)
			}
			if strings.Contains(r.Error, fakeToken) || strings.Contains(r.Error, "/services/") {
				t.Errorf("Error %q holds the URL", r.Error)
			}
			t.Logf("%s: %s", r.Outcome, r.Error)
		})
	}
}

func TestPostCanceled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(hang))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	r := NewClient(Options{AllowPrivate: true}).Post(ctx, srv.URL, []byte(`{}`), nil)
	if r.Outcome != Retry || !strings.Contains(r.Error, "canceled") {
		t.Errorf("got %+v, want Retry after the caller canceled", r)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"1.5", 0},
		{"soon", 0},
		{"43200", maxDelay},
		{"43201", maxDelay},
		{"99999999999999999999", maxDelay}, // beyond int64, still "very long"
		{"Thu, 03 Dec 2026 10:16:30 GMT", 90 * time.Second},
		{"Thursday, 03-Dec-26 10:16:30 GMT", 90 * time.Second}, // RFC 850, also allowed
		{"Thu, 03 Dec 2026 10:00:00 GMT", 0},                   // in the past
		{"Fri, 01 Jan 2027 00:00:00 GMT", maxDelay},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.v, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	long := "a" + strings.Repeat("é", 200) // 401 bytes: the cut falls inside a character
	tests := []struct{ in, want string }{
		{"", ""},
		{"  ok \n", "ok"},
		{"line one\r\nline\ttwo\x00!", "line one line two !"},
		{"bad \xff utf-8", "bad utf-8"},
		{long, "a" + strings.Repeat("é", 127) + "..."},
	}
	for _, tt := range tests {
		if got := excerpt([]byte(tt.in)); got != tt.want {
			t.Errorf("excerpt(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
