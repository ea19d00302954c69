// Package lambdahttp runs a net/http handler behind API Gateway HTTP APIs (payload format 2.0):
// it turns the Lambda event into an *http.Request, records the handler's response, and turns it
// back into the event API Gateway expects. The request context carries API Gateway's own
// request context, so handlers can read the authorizer's claims.
package lambdahttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

type ctxKey struct{}

// WithRequestContext returns ctx carrying API Gateway's request context rc.
func WithRequestContext(ctx context.Context, rc events.APIGatewayV2HTTPRequestContext) context.Context {
	return context.WithValue(ctx, ctxKey{}, rc)
}

// RequestContext returns the API Gateway request context carried by ctx.
func RequestContext(ctx context.Context) (events.APIGatewayV2HTTPRequestContext, bool) {
	rc, ok := ctx.Value(ctxKey{}).(events.APIGatewayV2HTTPRequestContext)
	return rc, ok
}

// Handler adapts h to a Lambda handler for API Gateway HTTP API events.
func Handler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		req, err := Request(ctx, e)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		w := newRecorder()
		h.ServeHTTP(w, req)
		return w.response(), nil
	}
}

// Request builds the *http.Request that API Gateway event e stands for.
func Request(ctx context.Context, e events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(e.Body)
	if e.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(e.Body)
		if err != nil {
			return nil, fmt.Errorf("lambdahttp: decode base64 body: %w", err)
		}
		body = b
	}
	method := e.RequestContext.HTTP.Method
	if method == "" {
		method = http.MethodGet
	}
	path := e.RawPath
	if path == "" {
		path = e.RequestContext.HTTP.Path
	}
	u := &url.URL{Path: path, RawQuery: e.RawQueryString}
	if p, err := url.PathUnescape(path); err == nil {
		u.Path, u.RawPath = p, path
	}
	req, err := http.NewRequestWithContext(WithRequestContext(ctx, e.RequestContext), method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("lambdahttp: build request %s %s: %w", method, path, err)
	}
	for k, v := range e.Headers {
		// API Gateway joins repeated headers with commas, as HTTP allows.
		req.Header.Set(k, v)
	}
	if len(e.Cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(e.Cookies, "; "))
	}
	req.Host = e.RequestContext.DomainName
	req.RemoteAddr = e.RequestContext.HTTP.SourceIP
	req.RequestURI = u.RequestURI()
	return req, nil
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	return r.body.Write(b)
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) response() events.APIGatewayV2HTTPResponse {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	resp := events.APIGatewayV2HTTPResponse{StatusCode: r.status, Headers: map[string]string{}}
	for k, v := range r.header {
		if http.CanonicalHeaderKey(k) == "Set-Cookie" {
			resp.Cookies = append(resp.Cookies, v...)
			continue
		}
		resp.Headers[k] = strings.Join(v, ",")
	}
	if b := r.body.Bytes(); utf8.Valid(b) {
		resp.Body = string(b)
	} else {
		resp.Body = base64.StdEncoding.EncodeToString(b)
		resp.IsBase64Encoded = true
	}
	return resp
}
