package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/heraldhq/herald/shared/event"
)

func slogLogger(file, out io.Writer) *slog.Logger { return slog.New(newConsole(file, out)) }

// printBanner says what runs where and how to try it.
func printBanner(w io.Writer, s *stack, envPath, logPath string, took time.Duration) {
	n := s.Local.Resources.Names
	fmt.Fprintf(w, `
Herald is running locally (up in %.1fs).

  API and portal  %s   (OpenAPI: %s/v1/openapi.yaml)
  AWS emulator    %s   (moto: DynamoDB, SQS, SES, EventBridge)
  Event bus       %s   (detail-types: %s)
  Sent emails     %s/moto-api/data.json   (under "ses" → "Message")
  Logs            %s
  Webhooks        plain http and loopback/private addresses are allowed here (never in AWS)

Admin token for %s (valid 12h; go run ./cmd/herald-local token --role member prints a member's):
  %s

Try it, in another terminal:
  source %s
  go run ./cmd/herald organization notification add slack-webhook --type webhook \
      --webhook-url https://hooks.slack.com/services/T000/B000/XXXX \
      --event login-success --event login-failure --event audit-events
  go run ./cmd/herald notification add security --type email \
      --email-recipient secops@acme.test --event login-failure
  go run ./cmd/herald events put --file events/eventbridge-login-failed.json
  go run ./cmd/herald notification deliveries security

Events and deliveries show up below. Press Ctrl-C to stop everything.

`, took.Seconds(), s.APIURL, s.APIURL, s.AWSURL, n.Bus, strings.Join(event.DetailTypes(), ", "),
		s.AWSURL, logPath, orgOf(s), s.AdminToken, envPath)
}

func orgOf(s *stack) string {
	claims, err := s.Authority.Verify(s.AdminToken)
	if err != nil {
		return ""
	}
	return claims["org_id"]
}
