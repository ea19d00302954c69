package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
)

const slackURL = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"

// TestNotificationCommands runs every notification command, in table and JSON form, against one
// API, in order: each case sees what the ones before it did.
func TestNotificationCommands(t *testing.T) {
	api := newTestAPI(t)
	seedDeliveries(t, api)
	n := func(args ...string) []string { return append([]string{"notification"}, args...) }
	org := func(args ...string) []string { return append([]string{"organization", "notification"}, args...) }
	recipients := func(count int) []string {
		var args []string
		for i := range count {
			args = append(args, "--email-recipient", fmt.Sprintf("person%d@acme.test", i+1))
		}
		return args
	}

	for _, c := range []cliCase{
		{golden: "list-empty", token: "admin", args: n("list")},
		{golden: "list-empty-json", token: "admin", args: n("list", "-o", "json")},

		// The seed's own command.
		{golden: "add-seed", token: "admin", args: org("add", "slack-webhook", "--type", "webhook",
			"--webhook-url", slackURL, "--event", "login-success", "--event", "login-failure", "--event", "audit-events")},
		{golden: "add-email", token: "admin", args: n("add", "security", "--type", "email",
			"--email-recipient", "secops@acme.test", "--email-recipient", "oncall@acme.test", "--event", "login-failure")},
		{golden: "add-email-json", token: "admin", args: n("add", "audit-mail", "--type", "email", "-o", "json",
			"--email-recipient", "audit@acme.test", "--event", "audit-events", "--enabled=false")},
		{golden: "add-webhook-json", token: "admin", args: org("add", "teams", "--type", "webhook", "--output", "json",
			"--webhook-url", "https://acme.webhook.office.com/webhookb2/1234abcd5678efgh/IncomingWebhook/0123456789abcdef",
			"--format", "generic", "--event", "audit-events")},
		{golden: "add-11-recipients", token: "admin", code: exitError,
			args: append(n("add", "crowd", "--type", "email", "--event", "login-failure"), recipients(11)...)},
		{golden: "add-unknown-event", token: "admin", code: exitError,
			args: n("add", "typo", "--type", "email", "--email-recipient", "a@acme.test", "--event", "login-sucess")},
		{golden: "add-no-events", token: "admin", code: exitError,
			args: n("add", "quiet", "--type", "webhook", "--webhook-url", slackURL)},
		{golden: "add-bad-name", token: "admin", code: exitError,
			args: n("add", "Slack_Webhook", "--type", "webhook", "--webhook-url", slackURL, "--event", "audit-events")},
		{golden: "add-http-url", token: "admin", code: exitError,
			args: n("add", "plain", "--type", "webhook", "--webhook-url", "http://example.com/hook", "--event", "audit-events")},
		{golden: "add-exists", token: "admin", code: exitError,
			args: n("add", "security", "--type", "email", "--email-recipient", "a@acme.test", "--event", "login-failure")},
		{golden: "add-member", token: "member", code: exitError,
			args: n("add", "mine", "--type", "email", "--email-recipient", "a@acme.test", "--event", "login-failure")},

		{golden: "list", token: "admin", args: n("list")},
		{golden: "list-json", token: "admin", args: org("list", "-o", "json")},
		{golden: "show-webhook", token: "admin", args: n("show", "slack-webhook")},
		{golden: "show-email", token: "admin", args: org("show", "security")},
		{golden: "show-format", token: "admin", args: n("show", "teams")},
		{golden: "show-json", token: "admin", args: n("show", "security", "-o", "json")},
		{golden: "show-missing", token: "admin", code: exitError, args: n("show", "nope")},

		{golden: "update-events", token: "admin", args: n("update", "slack-webhook", "--event", "login-failure")},
		{golden: "update-recipients-json", token: "admin", args: org("update", "security", "-o", "json",
			"--email-recipient", "secops@acme.test", "--email-recipient", "cso@acme.test", "--enabled=false")},
		{golden: "update-webhook-on-email", token: "admin", code: exitError,
			args: n("update", "security", "--webhook-url", slackURL)},
		{golden: "update-too-many", token: "admin", code: exitError, args: append(n("update", "security"), recipients(11)...)},
		{golden: "update-missing", token: "admin", code: exitError, args: n("update", "nope", "--enabled=false")},

		{golden: "secret", token: "admin", args: n("secret", "slack-webhook")},
		{golden: "secret-json", token: "admin", args: n("secret", "slack-webhook", "-o", "json")},
		{golden: "secret-email", token: "admin", code: exitError, args: n("secret", "security")},

		{golden: "deliveries", token: "admin", args: n("deliveries", "slack-webhook")},
		{golden: "deliveries-page", token: "admin", args: n("deliveries", "slack-webhook", "--limit", "2")},
		{golden: "deliveries-json", token: "admin", args: n("deliveries", "security", "-o", "json")},
		{golden: "deliveries-empty", token: "admin", args: n("deliveries", "teams")},
		{golden: "deliveries-bad-cursor", token: "admin", code: exitError, args: n("deliveries", "teams", "--cursor", "!!")},
		{golden: "deliveries-too-many", token: "admin", code: exitError, args: n("deliveries", "teams", "--limit", "500")},
		{golden: "deliveries-missing", token: "admin", code: exitError, args: n("deliveries", "nope")},

		{golden: "remove", token: "admin", args: n("remove", "audit-mail")},
		{golden: "remove-json", token: "admin", args: org("remove", "teams", "-o", "json")},
		{golden: "remove-missing", token: "admin", code: exitError, args: n("remove", "audit-mail")},
		{golden: "list-after-remove", token: "admin", args: n("list")},

		{golden: "member-list", token: "member", code: exitError, args: n("list")},
		{golden: "member-remove", token: "member", code: exitError, args: n("remove", "security")},
		{golden: "no-token", code: exitError, args: n("list")},
		{golden: "bad-token", token: "garbage", code: exitError, args: n("list")},
		{golden: "expired-token", token: "expired", code: exitError, args: n("show", "security")},
		// A token on the command line wins over HERALD_TOKEN; this one is refused.
		{golden: "token-flag", token: "admin", code: exitError, args: n("show", "security", "--token", "x.y.z")},
		{golden: "unreachable", token: "admin", code: exitError,
			args: n("list", "--api-url", "http://127.0.0.1:1")},
		{golden: "unreachable-env", token: "admin", code: exitError, env: []string{"HERALD_API_URL=http://127.0.0.1:1/"},
			args: n("show", "security")},
		{golden: "bad-api-url", token: "admin", code: exitError, args: n("list", "--api-url", "127.0.0.1:8080")},
	} {
		t.Run(c.golden, func(t *testing.T) { c.run(t, api) })
	}
}

// seedDeliveries writes delivery log entries for slack-webhook and security, as the senders
// would have.
func seedDeliveries(t *testing.T, api *testAPI) {
	t.Helper()
	at := func(min int) time.Time { return start.Add(time.Duration(min) * time.Minute) }
	failed := "evt_01JEXAMPLEFAILURE"
	for _, e := range []delivery.Entry{
		{Rule: "slack-webhook", Time: at(1), Attempt: 1, Outcome: delivery.Retrying, EventType: event.LoginFailure,
			EventID: failed, Status: 503, DurationMS: 120,
			Error: "status 503: <!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>Back soon</body></html>"},
		{Rule: "slack-webhook", Time: at(2), Attempt: 2, Outcome: delivery.Delivered, EventType: event.LoginFailure,
			EventID: failed, Status: 200, DurationMS: 85},
		{Rule: "slack-webhook", Time: at(3), Attempt: 1, Outcome: delivery.Failed, EventType: event.Audit,
			EventID: "evt_01JEXAMPLEAUDIT", Status: 404, Error: "the receiver answered 404 Not Found (channel_not_found)", DurationMS: 97},
		{Rule: "slack-webhook", Time: at(4), Attempt: 1, Outcome: delivery.Delivered, EventType: event.LoginSuccess,
			EventID: "evt_01JEXAMPLETEST", Status: 200, DurationMS: 64, Test: true},
		{Rule: "security", Time: at(1), Attempt: 1, Outcome: delivery.Delivered, EventType: event.LoginFailure,
			EventID: failed, MessageID: "0100019a-ses-message", DurationMS: 210},
	} {
		e.Org = "org_acme"
		e.DeliveryID = delivery.ID(e.Org, e.EventID, e.Rule)
		if err := api.Log.Record(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// TestUsageErrors checks that a wrong command line exits 2 with the command's usage, before
// any call to the API.
func TestUsageErrors(t *testing.T) {
	for _, c := range []cliCase{
		{golden: "usage-add-no-name", args: []string{"notification", "add", "--type", "email"}},
		{golden: "usage-show-two-names", args: []string{"notification", "show", "a", "b"}},
		{golden: "usage-add-no-type", args: []string{"organization", "notification", "add", "x", "--event", "login-failure"}},
		{golden: "usage-unknown-flag", args: []string{"notification", "list", "--colour"}},
		{golden: "usage-update-type", args: []string{"notification", "update", "x", "--type", "email"}},
		{golden: "usage-update-nothing", args: []string{"notification", "update", "security"}},
		{golden: "usage-output", args: []string{"notification", "list", "-o", "yaml"}},
		{golden: "usage-unknown-command", args: []string{"notification", "frobnicate"}},
		{golden: "usage-list-arg", args: []string{"notification", "list", "everything"}},
		{golden: "usage-limit", args: []string{"notification", "deliveries", "x", "--limit", "0"}},
		{golden: "usage-enabled-value", args: []string{"notification", "update", "x", "--enabled=maybe"}},
	} {
		c.code = exitUsage
		t.Run(c.golden, func(t *testing.T) {
			res := c.run(t, nil)
			if !strings.Contains(res.stderr, "Usage:") {
				t.Errorf("no usage on stderr:\n%s", res.stderr)
			}
		})
	}
}

// TestHelp checks the help of the root and the notification commands against golden files,
// and that every command has help with examples.
func TestHelp(t *testing.T) {
	for _, c := range []cliCase{
		{golden: "help", args: []string{"--help"}},
		{golden: "help-notification", args: []string{"organization", "notification", "--help"}},
		{golden: "help-add", args: []string{"notification", "add", "--help"}},
		{golden: "help-update", args: []string{"notification", "update", "--help"}},
		{golden: "help-events-put", args: []string{"events", "put", "--help"}},
		{golden: "no-args", args: nil},
	} {
		t.Run(c.golden, func(t *testing.T) { c.run(t, nil) })
	}

	// Every command, the shorthand tree included, answers --help with examples.
	var visit func(cmd *cobra.Command)
	visit = func(cmd *cobra.Command) {
		if cmd.Name() == "help" || cmd.Name() == "completion" {
			return // cobra's own
		}
		args := append(strings.Fields(cmd.CommandPath())[1:], "--help")
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			res := runCLI(t, nil, args...)
			if res.code != exitOK || !strings.Contains(res.stdout, "\nExamples:\n  ") || res.stderr != "" {
				t.Errorf("exit status %d, want help with examples; stdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
		})
		for _, sub := range cmd.Commands() {
			visit(sub)
		}
	}
	visit(newRootCmd(io.Discard, io.Discard, func(string) string { return "" }))
}
