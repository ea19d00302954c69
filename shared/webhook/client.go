package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// Defaults for Options.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 64 << 10
)

// excerptLen is how much of a reply is kept for the error text.
const excerptLen = 256

// Options configures a Client. The zero value is the production setting.
type Options struct {
	// AllowPrivate lets webhooks reach loopback, private, link-local and metadata addresses.
	// Only the local stack and tests set it.
	AllowPrivate bool
	// Timeout bounds a whole exchange: dial, TLS, request, reply and reading its body.
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxResponseBytes is the most of a reply's body that is read. Zero means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// UserAgent is sent with every request, replacing any User-Agent the caller set.
	// Empty means DefaultUserAgent.
	UserAgent string
}

// Outcome is what became of a delivery attempt.
type Outcome string

// The outcomes.
const (
	Delivered Outcome = "delivered" // the receiver accepted it (2xx)
	Retry     Outcome = "retrying"  // worth trying again later
	Failed    Outcome = "failed"    // trying again will not help
)

// Result is the outcome of one POST.
type Result struct {
	Status     int           // the reply's HTTP status; 0 if there was no reply
	Outcome    Outcome       // what to do next
	RetryAfter time.Duration // the receiver's Retry-After, if Outcome is Retry and it sent one
	Error      string        // why it was not delivered; short, and never holds the URL
	Duration   time.Duration // how long the attempt took
}

// A Client POSTs webhooks. It follows no redirects, reads at most MaxResponseBytes of a
// reply, ignores proxy settings from the environment and, unless AllowPrivate is set,
// refuses at dial time to connect to private, loopback, link-local and metadata addresses.
// It is safe for concurrent use.
type Client struct {
	hc      *http.Client
	timeout time.Duration
	max     int64
	ua      string
}

// NewClient returns a Client configured by o.
func NewClient(o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	d := &net.Dialer{Timeout: o.Timeout, KeepAlive: 30 * time.Second}
	if !o.AllowPrivate {
		d.Control = control
	}
	tr := &http.Transport{
		// No proxy: a proxy would make the connection for us, past the address check.
		Proxy:                  nil,
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    o.Timeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &Client{
		hc: &http.Client{
			Transport: tr,
			// A redirect could lead anywhere, and would carry the signed body there.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		timeout: o.Timeout,
		max:     o.MaxResponseBytes,
		ua:      o.UserAgent,
	}
}

// Post sends body to rawURL with the headers h (typically from Headers; Content-Type
// defaults to application/json) and reports the outcome. It never returns the URL in
// Result.Error: webhook URLs carry credentials (Slack's /services/T/B/<token>).
func (c *Client) Post(ctx context.Context, rawURL string, body []byte, h http.Header) Result {
	start := time.Now()
	r := c.post(ctx, rawURL, body, h)
	r.Duration = time.Since(start)
	if r.Error != "" {
		r.Error = redact(r.Error, rawURL)
	}
	return r
}

func (c *Client) post(ctx context.Context, rawURL string, body []byte, h http.Header) Result {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return Result{Outcome: Failed, Error: "invalid URL"}
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return Result{Outcome: Failed, Error: "unsupported URL scheme (want https or http)"}
	}

	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel() // after the body is read: the deadline covers reading it too
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return Result{Outcome: Failed, Error: "invalid URL"}
	}
	req.Header = h.Clone()
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", c.ua)

	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	// A read error after the status line changes nothing: the status decides, and
	// whatever arrived is enough for an excerpt.
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, c.max))
	return classify(resp.StatusCode, resp.Header, reply, time.Now())
}

// slackErrors are the replies Slack's incoming webhooks give when the hook is gone or
// barred for good; retrying them only hammers Slack.
var slackErrors = map[string]bool{
	"no_service":          true,
	"channel_not_found":   true,
	"channel_is_archived": true,
	"invalid_token":       true,
	"action_prohibited":   true,
}

// classify turns a reply into a Result.
func classify(status int, h http.Header, reply []byte, now time.Time) Result {
	r := Result{Status: status}
	if status >= 400 {
		if code := strings.TrimSpace(string(reply)); slackErrors[code] {
			r.Outcome = Failed
			r.Error = fmt.Sprintf("slack: %s (status %d)", code, status)
			return r
		}
	}
	switch {
	case status >= 200 && status < 300:
		r.Outcome = Delivered
		return r
	case status >= 300 && status < 400:
		r.Outcome = Failed
		r.Error = fmt.Sprintf("redirects are not followed (status %d)", status)
		return r
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests, status >= 500:
		r.Outcome = Retry
		r.RetryAfter = retryAfter(h.Get("Retry-After"), now)
	default: // other 4xx, and 1xx, which a POST should never end with
		r.Outcome = Failed
	}
	r.Error = "status " + strconv.Itoa(status)
	if e := excerpt(reply); e != "" {
		r.Error += ": " + e
	}
	return r
}

// retryAfter parses a Retry-After value, delay-seconds or an HTTP-date, capped at maxDelay.
// Anything unparsable or in the past is 0.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	// On ErrRange, n is the largest (or smallest) int64: still a number of seconds.
	if n, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		if n <= 0 {
			return 0
		}
		if n >= int64(maxDelay/time.Second) {
			return maxDelay
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxDelay)
}

// excerpt returns the start of a reply as one line of printable text.
func excerpt(b []byte) string {
	cut := len(b) > excerptLen
	if cut {
		b = b[:excerptLen]
	}
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "") // also drops a character cut in half
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if cut && s != "" {
		s += "..."
	}
	return s
}

// transportError classifies a request that got no reply. http.Client wraps every error
// in a *url.Error, whose text holds the URL; only the cause inside is reported.
func (c *Client) transportError(ctx context.Context, err error) Result {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	if be, ok := errors.AsType[*blockedError](err); ok {
		return Result{Outcome: Failed, Error: be.Error()}
	}
	if ctx.Err() != nil {
		// The caller gave up (a Lambda deadline, a shutdown): not the receiver's fault.
		return Result{Outcome: Retry, Error: "aborted: " + ctx.Err().Error()}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Result{Outcome: Retry, Error: "timeout after " + c.timeout.String()}
	}
	if dnsErr, ok := errors.AsType[*net.DNSError](err); ok {
		// Not dnsErr.Error(): it names the host, and the host is part of the URL.
		if dnsErr.IsNotFound {
			return Result{Outcome: Retry, Error: "DNS lookup failed: no such host"}
		}
		return Result{Outcome: Retry, Error: "DNS lookup failed: " + dnsErr.Err}
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return Result{Outcome: Retry, Error: "timeout after " + c.timeout.String()}
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return Result{Outcome: Retry, Error: "connection refused"}
	case errors.Is(err, syscall.ECONNRESET):
		return Result{Outcome: Retry, Error: "connection reset"}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Result{Outcome: Retry, Error: "connection closed before a reply"}
	}
	return Result{Outcome: Retry, Error: err.Error()}
}

// redact removes the URL, and its path and query on their own, from an error text.
// The causes reported don't quote the URL; this makes sure none ever does.
func redact(msg, rawURL string) string {
	secrets := []string{rawURL}
	if u, err := url.Parse(rawURL); err == nil {
		if u.User != nil {
			secrets = append(secrets, u.User.String())
		}
		if p := u.EscapedPath(); len(p) > 1 {
			secrets = append(secrets, p, u.Path)
		}
		if u.RawQuery != "" {
			secrets = append(secrets, u.RawQuery)
		}
	}
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}
