// Package sesmail delivers email jobs through Amazon SES v2: it renders a job's event as one
// message to a rule's recipients, sends it, and tells a delivered message from a failure worth
// retrying and one that is not.
package sesmail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/render"
)

// SES is the part of the SES v2 API the sender calls.
type SES interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Sender delivers email jobs through SES.
type Sender struct {
	SES              SES
	From             string           // EMAIL_FROM: "Herald <notifications@herald.example>" or a bare address
	ConfigurationSet string           // optional SES configuration set
	Now              func() time.Time // nil means time.Now
}

// The message tags Deliver puts on every email, for SES event destinations and metrics.
const (
	TagOrg      = "herald-org"
	TagRule     = "herald-rule"
	TagDelivery = "herald-delivery"
)

const (
	charset     = "UTF-8"
	tagValueMax = 256 // SES: at most 256 characters
	errorMax    = 300 // characters of SES's own message kept in Attempt.Error
)

// Address returns the bare address of an EMAIL_FROM value: "Herald <a@b.example>" and
// "a@b.example" both give "a@b.example". SES verifies identities by bare address or domain.
func Address(from string) (string, error) {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return "", fmt.Errorf("sesmail: sender %q is not an email address: %v", from, err)
	}
	return a.Address, nil
}

// Deliver sends job's event to rule's recipients as one message (all recipients in To), with
// an HTML and a plain-text body, and reports the outcome: Delivered with SES's message id,
// Retrying for throttling, SES's 5xx, timeouts and network errors, Failed for everything SES
// will refuse again (a rejected message, an unverified sender, a paused or suspended account,
// a bad request) and for a rule with no recipients or an event that does not render.
func (s *Sender) Deliver(ctx context.Context, rule notification.Rule, job delivery.Job) delivery.Attempt {
	if len(rule.EmailRecipients) == 0 {
		return delivery.Attempt{Outcome: delivery.Failed, Error: "the notification has no email recipients"}
	}
	if s.From == "" {
		return delivery.Attempt{Outcome: delivery.Failed, Error: "this deployment has no sender address for email (HERALD_EMAIL_FROM)", Platform: true}
	}
	org, name := firstOf(job.Org, rule.Org), firstOf(rule.Name, job.Rule)
	email, err := render.RenderEmail(render.Message{
		DeliveryID: job.ID,
		Org:        org,
		Rule:       name,
		Event:      job.Event,
		SentAt:     s.now().UTC(),
	})
	if err != nil {
		return delivery.Attempt{Outcome: delivery.Failed, Error: "could not render the email: " + err.Error()}
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(fromHeader(s.From)),
		Destination:      &types.Destination{ToAddresses: append([]string(nil), rule.EmailRecipients...)},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: utf8Content(email.Subject),
			Body: &types.Body{
				Text: utf8Content(email.Text),
				Html: utf8Content(email.HTML),
			},
		}},
		EmailTags: tags(TagOrg, org, TagRule, name, TagDelivery, job.ID),
	}
	if s.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(s.ConfigurationSet)
	}
	out, err := s.SES.SendEmail(ctx, in)
	if err != nil {
		return classify(err)
	}
	a := delivery.Attempt{Outcome: delivery.Delivered, MessageID: aws.ToString(out.MessageId)}
	if raw, ok := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response); ok {
		a.Status = raw.StatusCode
	}
	return a
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func utf8Content(s string) *types.Content {
	return &types.Content{Data: aws.String(s), Charset: aws.String(charset)}
}

// fromHeader returns from as SES wants it in FromEmailAddress: as it is when it is ASCII, with
// a non-ASCII display name MIME-encoded (RFC 2047) otherwise.
func fromHeader(from string) string {
	if isASCII(from) {
		return from
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return from // SES will say what is wrong with it
	}
	return a.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// tags builds SES message tags from name, value pairs, leaving out a tag whose value is empty.
func tags(kv ...string) []types.MessageTag {
	var out []types.MessageTag
	for i := 0; i+1 < len(kv); i += 2 {
		if v := TagValue(kv[i+1]); v != "" {
			out = append(out, types.MessageTag{Name: aws.String(kv[i]), Value: aws.String(v)})
		}
	}
	return out
}

// TagValue makes v a valid SES message tag value: every character outside [A-Za-z0-9_-]
// becomes "_", and the result is cut to 256 characters.
func TagValue(v string) string {
	var b strings.Builder
	n := 0
	for _, r := range v {
		if n == tagValueMax {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		n++
	}
	return b.String()
}

// classify turns a SendEmail error into an attempt: retrying when trying again later can
// succeed, failed when SES will give the same answer.
func classify(err error) delivery.Attempt {
	retry := func(status int, msg string) delivery.Attempt {
		return delivery.Attempt{Outcome: delivery.Retrying, Status: status, Error: msg}
	}
	fail := func(status int, msg string) delivery.Attempt {
		return delivery.Attempt{Outcome: delivery.Failed, Status: status, Error: msg}
	}
	// The deployment's SES setup is wrong: retried (the dead-letter queue and its alarm catch
	// it if nobody fixes it) and never held against the customer's rule.
	platform := func(status int, msg string) delivery.Attempt {
		return delivery.Attempt{Outcome: delivery.Retrying, Status: status, Error: msg, Platform: true}
	}

	var status int
	var re interface{ HTTPStatusCode() int } // *smithyhttp.ResponseError, *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}

	// What SES said, by error type first.
	var (
		tooMany       *types.TooManyRequestsException
		limit         *types.LimitExceededException
		rejected      *types.MessageRejected
		mailFrom      *types.MailFromDomainNotVerifiedException
		suspended     *types.AccountSuspendedException
		paused        *types.SendingPausedException
		badRequest    *types.BadRequestException
		notFound      *types.NotFoundException
		internal      *types.InternalServiceErrorException
		invalidParams smithy.InvalidParamsError
	)
	switch {
	case errors.As(err, &tooMany):
		return retry(status, "SES throttled the request")
	case errors.As(err, &limit):
		return retry(status, "SES sending limit exceeded"+detail(limit.ErrorMessage()))
	case errors.As(err, &rejected):
		return fail(status, "SES rejected the message"+detail(rejected.ErrorMessage()))
	case errors.As(err, &mailFrom):
		return platform(status, "the sender's MAIL FROM domain is not verified in SES"+detail(mailFrom.ErrorMessage()))
	case errors.As(err, &suspended):
		return platform(status, "the SES account is suspended"+detail(suspended.ErrorMessage()))
	case errors.As(err, &paused):
		return platform(status, "sending is paused for the SES account or configuration set"+detail(paused.ErrorMessage()))
	case errors.As(err, &badRequest):
		return fail(status, "SES refused the request"+detail(badRequest.ErrorMessage()))
	case errors.As(err, &notFound):
		return platform(status, "SES could not find a resource the message needs"+detail(notFound.ErrorMessage()))
	case errors.As(err, &internal):
		return retry(status, "SES had an internal error")
	case errors.As(err, &invalidParams):
		return fail(status, "invalid SES request"+detail(invalidParams.Error()))
	}

	// Then by error code, status and fault, for what the types above don't cover.
	var api smithy.APIError
	isAPI := errors.As(err, &api)
	switch {
	case isAPI && strings.Contains(api.ErrorCode(), "Throttl"):
		return retry(status, "SES throttled the request")
	case status == 429:
		return retry(status, "SES throttled the request")
	case status >= 500:
		return retry(status, fmt.Sprintf("SES answered %d", status))
	case status == 408:
		return retry(status, "SES timed out reading the request")
	case status == 401 || status == 403:
		return platform(status, "this deployment may not send through SES"+detail(codeMessage(api)))
	case status >= 400:
		msg := fmt.Sprintf("SES refused the request (%d)", status)
		if isAPI {
			msg += detail(codeMessage(api))
		}
		return fail(status, msg)
	case isAPI && api.ErrorFault() == smithy.FaultServer:
		return retry(status, "SES had an internal error")
	case isAPI && api.ErrorFault() == smithy.FaultClient:
		return fail(status, "SES refused the request"+detail(codeMessage(api)))
	}

	// No answer from SES.
	var netErr net.Error
	var sendErr *smithyhttp.RequestSendError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return retry(status, "SES did not answer in time")
	case errors.Is(err, context.Canceled):
		return retry(status, "sending was cancelled")
	case errors.As(err, &netErr) && netErr.Timeout():
		return retry(status, "SES did not answer in time")
	case errors.As(err, &sendErr), errors.As(err, &netErr):
		return retry(status, "could not reach SES"+detail(networkCause(err)))
	}
	// Anything else (credentials, a response that did not parse, ...) may pass: try again,
	// and let the dead-letter queue take the job if it never does.
	return retry(status, "could not send through SES"+detail(short(err)))
}

// codeMessage is "Code: message", or the code alone when SES sent no message.
func codeMessage(api smithy.APIError) string {
	if m := strings.TrimSpace(api.ErrorMessage()); m != "" {
		return api.ErrorCode() + ": " + m
	}
	return api.ErrorCode()
}

// networkCause is the innermost network error's message, e.g. "connection refused", without
// the URL and operation around it.
func networkCause(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		var dns *net.DNSError
		if errors.As(op.Err, &dns) {
			return "cannot resolve " + dns.Name
		}
		return op.Err.Error()
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "cannot resolve " + dns.Name
	}
	return ""
}

// short is err's innermost message: the SDK's wrapping ("operation error SESv2: SendEmail,
// ...") says nothing a reader of the delivery log needs.
func short(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// detail formats SES's own words as ": msg", cut to a readable length, or "" if there are none.
func detail(msg string) string {
	msg = strings.Join(strings.Fields(msg), " ")
	if msg == "" {
		return ""
	}
	if utf8.RuneCountInString(msg) > errorMax {
		msg = string([]rune(msg)[:errorMax-1]) + "…"
	}
	return ": " + msg
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
