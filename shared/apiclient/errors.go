package apiclient

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
)

// Error is an error the API (or API Gateway in front of it) answered.
type Error struct {
	Status  int    // the HTTP status
	Code    string // the API's error code, such as "not_found" or "invalid_field"
	Message string // written for a person
	Field   string // the request field at fault, for "invalid_field"
}

func (e *Error) Error() string { return e.Message }

// UnreachableError means no reply came: the server is down, the address is wrong, or the call
// timed out.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the Herald API at %s: %v — is `make dev` running? (HERALD_API_URL)", e.URL, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Codes this package gives errors the API itself didn't name.
const (
	CodeUnauthorized = "unauthorized" // API Gateway refused the token
	CodeBadReply     = "bad_reply"    // the reply is not the API's JSON
)

// replyError reads an error reply: Herald's {"error": {...}}, or API Gateway's {"message": ...},
// which it sends for a missing or invalid token (401) and for its own failures.
func (c *Client) replyError(base *url.URL, resp *http.Response, raw []byte) error {
	var body struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &body) != nil {
		return notHerald(base, resp, raw)
	}
	switch {
	case body.Error != nil && body.Error.Message != "":
		return &Error{Status: resp.StatusCode, Code: body.Error.Code, Message: body.Error.Message, Field: body.Error.Field}
	case resp.StatusCode == http.StatusUnauthorized:
		return &Error{Status: resp.StatusCode, Code: CodeUnauthorized, Message: c.unauthorizedMessage()}
	case body.Message != "":
		return &Error{Status: resp.StatusCode, Code: CodeBadReply,
			Message: fmt.Sprintf("the Herald API at %s answered %s: %s", base.Redacted(), resp.Status, body.Message)}
	}
	return notHerald(base, resp, raw)
}

func (c *Client) unauthorizedMessage() string {
	if c.token == "" {
		return "the Herald API needs a token and none was sent: set HERALD_TOKEN"
	}
	return "the Herald API did not accept your token (401 Unauthorized): check HERALD_TOKEN; " +
		"the token may be expired or issued for another deployment"
}

// notHerald is the error for a reply that isn't the API's JSON: the URL points at something
// else, or a proxy answered.
func notHerald(base *url.URL, resp *http.Response, raw []byte) error {
	what := "a body that is not JSON"
	if json.Valid(raw) {
		what = "JSON of another shape"
	} else if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil && mt != "application/json" {
		what = mt
	}
	return &Error{Status: resp.StatusCode, Code: CodeBadReply,
		Message: fmt.Sprintf("the server at %s answered %s with %s, not the Herald API's JSON; is HERALD_API_URL the API's address?",
			base.Redacted(), resp.Status, what)}
}
