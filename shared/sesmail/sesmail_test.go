package sesmail

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/provision"
	"github.com/heraldhq/herald/shared/render"
)

// fakeSES records what it is asked to send and answers with out or err.
type fakeSES struct {
	out   *sesv2.SendEmailOutput
	err   error
	calls []*sesv2.SendEmailInput
}

func (f *fakeSES) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	f.calls = append(f.calls, in)
	if f.err != nil {
		return nil, f.err
	}
	return f.out, nil
}

// sdkError wraps err the way the SDK returns a service's answer: an operation error around
// an HTTP response error with the status.
func sdkError(status int, err error) error {
	return &smithy.OperationError{ServiceID: "SESv2", OperationName: "SendEmail", Err: &awshttp.ResponseError{
		RequestID:     "6f1c2a9e-req",
		ResponseError: &smithyhttp.ResponseError{Response: response(status), Err: err},
	}}
}

func response(status int) *smithyhttp.Response {
	return &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}}
}

func opError(err error) error {
	return &smithy.OperationError{ServiceID: "SESv2", OperationName: "SendEmail", Err: err}
}

func TestDeliverOutcomes(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	cases := []struct {
		name     string
		out      *sesv2.SendEmailOutput
		err      error
		outcome  delivery.Outcome
		platform bool
		status   int
		msg      string // the attempt's error, or its start when it ends with "…"
	}{
		{name: "accepted", out: &sesv2.SendEmailOutput{MessageId: aws.String("0100018c-5e1f-7a2b")},
			outcome: delivery.Delivered},
		{name: "too many requests", err: sdkError(429, &types.TooManyRequestsException{Message: aws.String("Maximum sending rate exceeded.")}),
			outcome: delivery.Retrying, status: 429, msg: "SES throttled the request"},
		{name: "throttled after the SDK's retries", err: opError(&retry.MaxAttemptsError{Attempt: 3,
			Err: &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{Response: response(429), Err: &types.TooManyRequestsException{}}}}),
			outcome: delivery.Retrying, status: 429, msg: "SES throttled the request"},
		{name: "limit exceeded", err: sdkError(400, &types.LimitExceededException{Message: aws.String("Daily message quota exceeded.")}),
			outcome: delivery.Retrying, status: 400, msg: "SES sending limit exceeded: Daily message quota exceeded."},
		{name: "throttling code", err: sdkError(400, &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}),
			outcome: delivery.Retrying, status: 400, msg: "SES throttled the request"},
		{name: "503", err: opError(&smithyhttp.ResponseError{Response: response(503), Err: errors.New("Service Unavailable")}),
			outcome: delivery.Retrying, status: 503, msg: "SES answered 503"},
		{name: "internal error", err: sdkError(500, &types.InternalServiceErrorException{Message: aws.String("internal")}),
			outcome: delivery.Retrying, status: 500, msg: "SES had an internal error"},
		{name: "408", err: sdkError(408, &smithy.GenericAPIError{Code: "RequestTimeout"}),
			outcome: delivery.Retrying, status: 408, msg: "SES timed out reading the request"},
		{name: "deadline", err: context.DeadlineExceeded,
			outcome: delivery.Retrying, msg: "SES did not answer in time"},
		{name: "deadline during the call", err: opError(&smithy.CanceledError{Err: context.DeadlineExceeded}),
			outcome: delivery.Retrying, msg: "SES did not answer in time"},
		{name: "connection refused", err: opError(&smithyhttp.RequestSendError{Err: &url.Error{Op: "Post",
			URL: "https://email.us-east-1.amazonaws.com/v2/email/outbound-emails", Err: refused}}),
			outcome: delivery.Retrying, msg: "could not reach SES: connect: connection refused"},
		{name: "no DNS", err: opError(&smithyhttp.RequestSendError{Err: &url.Error{Op: "Post", URL: "https://email.us-east-1.amazonaws.com/",
			Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "email.us-east-1.amazonaws.com"}}}}),
			outcome: delivery.Retrying, msg: "could not reach SES: cannot resolve email.us-east-1.amazonaws.com"},
		{name: "message rejected", err: sdkError(400, &types.MessageRejected{Message: aws.String("Email address is not verified. The following identities failed the check in region US-EAST-1: notifications@herald.example")}),
			outcome: delivery.Failed, status: 400, msg: "SES rejected the message: Email address is not verified. The following identities failed the check in region US-EAST-1: notifications@herald.example"},
		{name: "bad request", err: sdkError(400, &types.BadRequestException{Message: aws.String("Missing final '@domain'")}),
			outcome: delivery.Failed, status: 400, msg: "SES refused the request: Missing final '@domain'"},
		{name: "MAIL FROM not verified", err: sdkError(400, &types.MailFromDomainNotVerifiedException{Message: aws.String("bounce.herald.example")}),
			outcome: delivery.Retrying, platform: true, status: 400, msg: "the sender's MAIL FROM domain is not verified in SES: bounce.herald.example"},
		{name: "account suspended", err: sdkError(400, &types.AccountSuspendedException{}),
			outcome: delivery.Retrying, platform: true, status: 400, msg: "the SES account is suspended"},
		{name: "sending paused", err: sdkError(400, &types.SendingPausedException{Message: aws.String("Sending is paused for this account.")}),
			outcome: delivery.Retrying, platform: true, status: 400, msg: "sending is paused for the SES account or configuration set: Sending is paused for this account."},
		{name: "configuration set not found", err: sdkError(404, &types.NotFoundException{Message: aws.String("Configuration set <herald> does not exist.")}),
			outcome: delivery.Retrying, platform: true, status: 404, msg: "SES could not find a resource the message needs: Configuration set <herald> does not exist."},
		{name: "access denied", err: sdkError(403, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User is not authorized to perform ses:SendEmail"}),
			outcome: delivery.Retrying, platform: true, status: 403, msg: "this deployment may not send through SES: AccessDeniedException: User is not authorized to perform ses:SendEmail"},
		{name: "client-side validation", err: opError(smithy.InvalidParamsError{Context: "SendEmailInput"}),
			outcome: delivery.Failed, msg: "invalid SES request…"},
		{name: "long message", err: sdkError(400, &types.MessageRejected{Message: aws.String(strings.Repeat("x", 1000))}),
			outcome: delivery.Failed, status: 400, msg: "SES rejected the message: xxx…"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeSES{out: c.out, err: c.err}
			rule := emailRule("security-alerts", "oncall@acme.test")
			a := (&Sender{SES: f, From: "notifications@herald.example"}).Deliver(context.Background(), rule, jobFor(rule, loginFailure()))
			if len(f.calls) != 1 {
				t.Fatalf("SendEmail called %d times, want 1", len(f.calls))
			}
			if a.Platform != c.platform {
				t.Errorf("Platform = %v, want %v: a deployment problem must not count against the rule", a.Platform, c.platform)
			}
			if a.Outcome != c.outcome || a.Status != c.status {
				t.Fatalf("Deliver = %+v, want %s with status %d", a, c.outcome, c.status)
			}
			if c.outcome == delivery.Delivered {
				if a.MessageID != aws.ToString(c.out.MessageId) || a.Error != "" {
					t.Errorf("Deliver = %+v, want message id %q and no error", a, aws.ToString(c.out.MessageId))
				}
				return
			}
			if a.MessageID != "" {
				t.Errorf("MessageID = %q on a failure", a.MessageID)
			}
			if prefix, ok := strings.CutSuffix(c.msg, "…"); ok {
				if !strings.HasPrefix(a.Error, prefix) {
					t.Errorf("Error = %q, want it to start with %q", a.Error, prefix)
				}
			} else if a.Error != c.msg {
				t.Errorf("Error = %q, want %q", a.Error, c.msg)
			}
			readable(t, a.Error)
		})
	}
}

func TestDeliverSends(t *testing.T) {
	f := &fakeSES{out: &sesv2.SendEmailOutput{MessageId: aws.String("m-1")}}
	s := &Sender{
		SES:              f,
		From:             "Herald <notifications@herald.example>",
		ConfigurationSet: "herald-events",
		Now:              func() time.Time { return time.Date(2026, 12, 3, 10, 15, 4, 0, time.UTC) },
	}
	rule := emailRule("security-alerts", "oncall@acme.test", "security@acme.test")
	job := jobFor(rule, loginFailure())
	if a := s.Deliver(context.Background(), rule, job); a.Outcome != delivery.Delivered {
		t.Fatalf("Deliver = %+v", a)
	}
	if len(f.calls) != 1 {
		t.Fatalf("SendEmail called %d times, want 1", len(f.calls))
	}
	in := f.calls[0]

	if got := aws.ToString(in.FromEmailAddress); got != s.From {
		t.Errorf("From = %q, want %q", got, s.From)
	}
	d := in.Destination
	if d == nil || strings.Join(d.ToAddresses, ",") != "oncall@acme.test,security@acme.test" || d.CcAddresses != nil || d.BccAddresses != nil {
		t.Errorf("Destination = %+v, want both recipients in To only", d)
	}
	if got := aws.ToString(in.ConfigurationSetName); got != "herald-events" {
		t.Errorf("ConfigurationSetName = %q", got)
	}

	if in.Content == nil || in.Content.Simple == nil || in.Content.Raw != nil || in.Content.Template != nil {
		t.Fatalf("Content = %+v, want Simple only", in.Content)
	}
	msg := in.Content.Simple
	if len(msg.Headers) != 0 || len(msg.Attachments) != 0 {
		t.Errorf("headers %v, attachments %v: want none", msg.Headers, msg.Attachments)
	}
	want, err := render.RenderEmail(render.Message{DeliveryID: job.ID, Org: "org_acme", Rule: "security-alerts", Event: job.Event})
	if err != nil {
		t.Fatal(err)
	}
	if msg.Body == nil {
		t.Fatal("no body")
	}
	for _, c := range []struct {
		part      string
		content   *types.Content
		want      string
		mustHave  string
		mustStart string
	}{
		{"subject", msg.Subject, want.Subject, "Failed login: alice@acme.test → prod-db", "Failed login"},
		{"text", msg.Body.Text, want.Text, "MFA challenge failed", "Failed login"},
		{"html", msg.Body.Html, want.HTML, "MFA challenge failed", "<!DOCTYPE html>"},
	} {
		if c.content == nil {
			t.Errorf("%s: missing", c.part)
			continue
		}
		if got := aws.ToString(c.content.Charset); got != "UTF-8" {
			t.Errorf("%s: charset %q, want UTF-8", c.part, got)
		}
		got := aws.ToString(c.content.Data)
		if got != c.want || !strings.Contains(got, c.mustHave) || !strings.HasPrefix(got, c.mustStart) {
			t.Errorf("%s = %q, want render.RenderEmail's %q (with %q)", c.part, got, c.want, c.mustHave)
		}
	}

	tags := map[string]string{}
	for _, tag := range in.EmailTags {
		tags[aws.ToString(tag.Name)] = aws.ToString(tag.Value)
	}
	wantTags := map[string]string{TagOrg: "org_acme", TagRule: "security-alerts", TagDelivery: job.ID}
	if len(tags) != len(in.EmailTags) || len(tags) != len(wantTags) {
		t.Errorf("tags = %v, want %v", tags, wantTags)
	}
	for k, v := range wantTags {
		if tags[k] != v {
			t.Errorf("tag %s = %q, want %q", k, tags[k], v)
		}
	}
}

func TestDeliverOptionalFields(t *testing.T) {
	f := &fakeSES{out: &sesv2.SendEmailOutput{MessageId: aws.String("m-1")}}
	rule := emailRule("Security alerts/é", "oncall@acme.test")
	rule.Org = "org acme"
	job := jobFor(rule, loginFailure())
	job.ID = strings.Repeat("d", 300)
	(&Sender{SES: f, From: "Hérald <notifications@herald.example>"}).Deliver(context.Background(), rule, job)
	if len(f.calls) != 1 {
		t.Fatalf("SendEmail called %d times, want 1", len(f.calls))
	}
	in := f.calls[0]
	if in.ConfigurationSetName != nil {
		t.Errorf("ConfigurationSetName = %q, want none", *in.ConfigurationSetName)
	}
	// A non-ASCII display name goes MIME-encoded, as SES requires.
	if got, want := aws.ToString(in.FromEmailAddress), "=?utf-8?q?H=C3=A9rald?= <notifications@herald.example>"; got != want {
		t.Errorf("From = %q, want %q", got, want)
	}
	tags := map[string]string{}
	for _, tag := range in.EmailTags {
		tags[aws.ToString(tag.Name)] = aws.ToString(tag.Value)
	}
	if tags[TagOrg] != "org_acme" || tags[TagRule] != "Security_alerts__" || tags[TagDelivery] != strings.Repeat("d", 256) {
		t.Errorf("tags = %v, want sanitized values", tags)
	}
}

func TestDeliverNoRecipients(t *testing.T) {
	f := &fakeSES{}
	rule := emailRule("security-alerts")
	a := (&Sender{SES: f, From: "notifications@herald.example"}).Deliver(context.Background(), rule, jobFor(rule, loginFailure()))
	if a.Outcome != delivery.Failed || a.Error == "" {
		t.Errorf("Deliver = %+v, want failed with a reason", a)
	}
	if len(f.calls) != 0 {
		t.Errorf("SendEmail called %d times, want 0", len(f.calls))
	}
}

func TestTagValue(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "",
		"org_acme":               "org_acme",
		"dlv_0123abcd-EF":        "dlv_0123abcd-EF",
		"a b.c@d/é→":             "a_b_c_d___",
		strings.Repeat("é", 300): strings.Repeat("_", 256),
	} {
		if got := TagValue(in); got != want {
			t.Errorf("TagValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAddress(t *testing.T) {
	for in, want := range map[string]string{
		"notifications@herald.example":             "notifications@herald.example",
		"Herald <notifications@herald.example>":    "notifications@herald.example",
		`"Herald, alerts" <alerts@herald.example>`: "alerts@herald.example",
		"  <notifications@herald.example>  ":       "notifications@herald.example",
	} {
		got, err := Address(in)
		if err != nil || got != want {
			t.Errorf("Address(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "Herald", "Herald <notifications>", "a@b.example, c@d.example"} {
		if got, err := Address(in); err == nil {
			t.Errorf("Address(%q) = %q, want an error", in, got)
		}
	}
}

// fakeIdentities answers CreateEmailIdentity with err.
type fakeIdentities struct{ err error }

func (f fakeIdentities) CreateEmailIdentity(context.Context, *sesv2.CreateEmailIdentityInput, ...func(*sesv2.Options)) (*sesv2.CreateEmailIdentityOutput, error) {
	return &sesv2.CreateEmailIdentityOutput{}, f.err
}

// moto creates an existing identity again without complaint; SES answers AlreadyExists.
func TestEmailIdentityExists(t *testing.T) {
	ctx := context.Background()
	exists := sdkError(400, &types.AlreadyExistsException{Message: aws.String("Email identity already exists")})
	if err := provision.EmailIdentity(ctx, fakeIdentities{exists}, "notifications@herald.example"); err != nil {
		t.Errorf("EmailIdentity on an existing identity: %v", err)
	}
	denied := sdkError(403, &smithy.GenericAPIError{Code: "AccessDeniedException"})
	if err := provision.EmailIdentity(ctx, fakeIdentities{denied}, "notifications@herald.example"); err == nil {
		t.Error("EmailIdentity hid an access error")
	}
}
