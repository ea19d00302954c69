// Package apiclient is a small typed client for Herald's HTTP API, used by the herald CLI and
// by the local stack's demo. Errors the API answers come back as *Error; a server that can't be
// reached as *UnreachableError. The token is sent only in the Authorization header and never
// appears in an error.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
)

// Timeout bounds one call, connection and reply included. The API answers in milliseconds; a
// call that takes this long is stuck, and a person at a terminal should hear about it.
const Timeout = 30 * time.Second

// maxReply is the most of a reply the client reads. The largest reply, a page of 100 delivery
// log entries, is far smaller.
const maxReply = 4 << 20

// Client calls one Herald API as one caller. Its fields may be changed before first use.
type Client struct {
	BaseURL   string // e.g. http://127.0.0.1:8080 or an API Gateway stage URL, without /v1
	UserAgent string
	HTTP      *http.Client

	token string
}

// New returns a client of the API at baseURL that authenticates with token, a JWT.
func New(baseURL, token string) *Client {
	return &Client{
		BaseURL:   strings.TrimRight(baseURL, "/"),
		UserAgent: "herald-cli/" + Version(),
		HTTP:      &http.Client{Timeout: Timeout},
		token:     token,
	}
}

// Version is the version of the program this package is built into: the main module's version
// when it was built with `go install module@version`, else "dev".
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

type replyKey struct{}

// WithReply returns a copy of ctx that makes a call made with it store the API's successful
// reply body in *dst, exactly as the API sent it. The CLI prints it for --output json, so what
// a script sees is the API's JSON, not the client's rendering of it.
func WithReply(ctx context.Context, dst *[]byte) context.Context {
	return context.WithValue(ctx, replyKey{}, dst)
}

// do sends method path?query with in as its JSON body (if not nil) and decodes a successful
// reply into out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	base, err := c.base()
	if err != nil {
		return err
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("apiclient: encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	// path is already escaped; joined as text so that nothing cleans or re-escapes it.
	u := strings.TrimRight(base.String(), "/") + path
	if q := query.Encode(); q != "" {
		u += "?" + q
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("apiclient: %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.UserAgent)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return unreachable(ctx, base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return unreachable(ctx, base, err)
	}
	if resp.StatusCode >= 300 {
		return c.replyError(base, resp, raw)
	}
	if out == nil {
		return nil
	}
	if !json.Valid(raw) {
		return notHerald(base, resp, raw)
	}
	if dst, ok := ctx.Value(replyKey{}).(*[]byte); ok {
		*dst = raw
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("apiclient: read the reply to %s %s: %w", method, path, err)
	}
	return nil
}

// base parses BaseURL, refusing one that http.Client would only fail on obscurely.
func (c *Client) base() (*url.URL, error) {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the Herald API URL %q is not an http(s) URL such as http://127.0.0.1:8080 (HERALD_API_URL)", c.BaseURL)
	}
	return u, nil
}

// unreachable explains a failed round trip. A cancelled or expired ctx is the caller's own
// doing and is returned as it is.
func unreachable(ctx context.Context, base *url.URL, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// url.Error repeats the method and URL; the message already names the URL.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &UnreachableError{URL: base.Redacted(), Err: err}
}
