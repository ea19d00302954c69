package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/shared/apiclient"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
)

// notificationCmd builds `notification` and its commands. It is built twice, under
// `organization` as in Border0's CLI and at the top level as a shorthand, because a cobra
// command has one parent.
func (a *app) notificationCmd(shorthand bool) *cobra.Command {
	cmd := group(&cobra.Command{
		Use:     "notification",
		Aliases: []string{"notifications"},
		Short:   "Manage organization notifications",
		Long: `Manage your organization's notification rules. A rule tells people (email, up to ten
recipients) or systems (a webhook: Slack, Microsoft Teams, Discord, Google Chat or any HTTPS
endpoint) about login-success, login-failure and audit-events. Only admins manage them.`,
		Example: `  herald organization notification list
  herald notification show slack-webhook`,
	})
	if shorthand {
		cmd.Short = "Manage organization notifications (short for: organization notification)"
	}
	cmd.AddCommand(a.addCmd(), a.listCmd(), a.showCmd(), a.updateCmd(), a.removeCmd(),
		a.secretCmd(), a.deliveriesCmd(), a.testCmd(), a.redeliverCmd(), a.rotateSecretCmd())
	return cmd
}

// oneName accepts exactly one argument, a rule's name.
func oneName(_ *cobra.Command, args []string) error {
	switch len(args) {
	case 1:
		return nil
	case 0:
		return fmt.Errorf("missing the notification's NAME")
	}
	return fmt.Errorf("want one NAME, got %d arguments: %s", len(args), strings.Join(args, " "))
}

func (a *app) listCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List organization notifications",
		Long:    "List your organization's notifications, by name. Webhook URLs are shown with their tokens masked.",
		Example: `  herald notification list
  herald notification list -o json | jq -r '.notifications[].name'`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			return call(a, cmd, func(ctx context.Context, c *apiclient.Client) ([]notification.Rule, error) {
				return c.List(ctx)
			}, func(rules []notification.Rule) {
				if len(rules) == 0 {
					fmt.Fprintln(a.stdout, "No notifications yet. Add one with:\n"+
						"  herald notification add NAME --type email --email-recipient ADDR --event login-failure")
					return
				}
				fmt.Fprint(a.stdout, listTable(rules))
			})
		}),
	}
}

func (a *app) showCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "show NAME",
		Aliases: []string{"get"},
		Short:   "Show organization notification",
		Example: `  herald notification show slack-webhook
  herald notification show slack-webhook -o json`,
		Args: oneName,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return call(a, cmd, func(ctx context.Context, c *apiclient.Client) (notification.Rule, error) {
				return c.Get(ctx, args[0])
			}, func(rule notification.Rule) { fmt.Fprint(a.stdout, ruleTable(rule)) })
		}),
	}
}

func (a *app) removeCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "remove NAME",
		Aliases: []string{"rm", "delete"},
		Short:   "Remove organization notification",
		Long: `Remove a notification. Deliveries already queued for it are skipped.
With --output json it prints nothing: the API answers with no body.`,
		Example: `  herald notification remove slack-webhook`,
		Args:    oneName,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, err := a.client(cmd)
			if err != nil {
				return err
			}
			if err := c.Delete(cmd.Context(), args[0]); err != nil {
				return err
			}
			if !a.jsonOutput() {
				fmt.Fprintf(a.stdout, "Removed notification %s.\n", args[0])
			}
			return nil
		}),
	}
}

func (a *app) secretCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "secret NAME",
		Short: "Show a webhook notification's signing secret",
		Long: `Print the secret a webhook notification signs its deliveries with (Standard Webhooks:
the webhook-signature header). Give it to the receiver so it can verify that a call is Herald's.`,
		Example: `  herald notification secret slack-webhook
  WEBHOOK_SECRET=$(herald notification secret slack-webhook)`,
		Args: oneName,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return call(a, cmd, func(ctx context.Context, c *apiclient.Client) (string, error) {
				return c.Secret(ctx, args[0])
			}, func(secret string) { fmt.Fprintln(a.stdout, secret) })
		}),
	}
}

func (a *app) deliveriesCmd() *cobra.Command {
	var (
		limit  int
		cursor string
	)
	cmd := &cobra.Command{
		Use:   "deliveries NAME",
		Short: "List a notification's delivery attempts",
		Long: `List a notification's delivery attempts, newest first: when, how each ended (delivered,
retrying, failed, skipped, duplicate, exhausted), the receiver's HTTP status and the error.
The log keeps 30 days.`,
		Example: `  herald notification deliveries slack-webhook
  herald notification deliveries slack-webhook --limit 100 -o json`,
		Args: oneName,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("limit") && limit < 1 {
				return usagef("--limit must be at least 1, not %d", limit)
			}
			c, err := a.client(cmd)
			if err != nil {
				return err
			}
			var raw []byte
			entries, next, err := c.Deliveries(a.replyContext(cmd, &raw), args[0], limit, cursor)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(raw)
			}
			switch {
			case len(entries) > 0:
				fmt.Fprint(a.stdout, deliveriesTable(entries))
			case cursor != "":
				fmt.Fprintln(a.stdout, "No more deliveries.")
			default:
				fmt.Fprintf(a.stdout, "No deliveries for %s yet.\n", args[0])
			}
			if next != "" {
				fmt.Fprintf(a.stdout, "More: herald notification deliveries %s --cursor %s\n", args[0], next)
			}
			return nil
		}),
	}
	cmd.Flags().IntVar(&limit, "limit", 0, "show at most `N` attempts, 1 to 100 (default 20)")
	cmd.Flags().StringVar(&cursor, "cursor", "", "continue where an earlier page ended (the `CURSOR` it printed)")
	return cmd
}

func (a *app) testCmd() *cobra.Command {
	var ev string
	cmd := &cobra.Command{
		Use:   "test NAME",
		Short: "Send a test event to a notification now",
		Long: `Send a clearly marked sample event ("[TEST]") through the notification's real rendering,
signing and sending, right away, and print how it went. It works on a disabled notification
too, and shows up in its deliveries.`,
		Example: `  herald notification test slack-webhook
  herald notification test security --event login-failure`,
		Args: oneName,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, err := a.client(cmd)
			if err != nil {
				return err
			}
			var raw []byte
			res, err := c.Test(a.replyContext(cmd, &raw), args[0], event.Type(ev))
			if err != nil {
				return err
			}
			return a.printSend(raw, "Test "+string(res.Event.Type)+" event to "+args[0], res)
		}),
	}
	cmd.Flags().StringVar(&ev, "event", "", "the `EVENT` type to send: login-success, login-failure or audit-events (default: the notification's first)")
	return cmd
}

func (a *app) redeliverCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "redeliver NAME DELIVERY_ID",
		Short: "Send a logged delivery again",
		Long: `Send a delivery from the notification's log again, now: the same event under the same
delivery id (webhooks carry it as webhook-id, so receivers can deduplicate), as a new attempt.`,
		Example: `  herald notification deliveries slack-webhook
  herald notification redeliver slack-webhook dlv_4f0d6c1f2a8b9e7d3c5a1b2c3d4e5f60`,
		Args: cobra.ExactArgs(2),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, err := a.client(cmd)
			if err != nil {
				return err
			}
			var raw []byte
			res, err := c.Redeliver(a.replyContext(cmd, &raw), args[0], args[1])
			if err != nil {
				return err
			}
			return a.printSend(raw, "Redelivery of "+args[1]+" to "+args[0], res)
		}),
	}
}

func (a *app) rotateSecretCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rotate-secret NAME",
		Short: "Give a webhook notification a new signing secret",
		Long: `Give a webhook notification a new signing secret and print it. For 24 hours every
delivery carries two signatures, one with the new secret and one with the old, so the receiver
can switch to the new secret without missing a delivery.`,
		Example: `  herald notification rotate-secret slack-webhook`,
		Args:    oneName,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return call(a, cmd, func(ctx context.Context, c *apiclient.Client) (apiclient.Rotation, error) {
				return c.RotateSecret(ctx, args[0])
			}, func(rot apiclient.Rotation) {
				fmt.Fprintf(a.stdout, "New signing secret for %s (store it now; `herald notification secret %s` shows it again):\n%s\n",
					args[0], args[0], rot.Secret)
				fmt.Fprintf(a.stdout, "The previous secret keeps signing deliveries, next to the new one, until %s.\n",
					rot.PreviousSecretExpiresAt.UTC().Format(time.RFC3339))
			})
		}),
	}
}

// printSend prints how a test send or redelivery went; a failed delivery is an error (exit 1).
func (a *app) printSend(raw []byte, what string, res apiclient.SendResult) error {
	if a.jsonOutput() {
		if err := a.printJSON(raw); err != nil {
			return err
		}
	} else {
		line := fmt.Sprintf("%s: %s (delivery %s, attempt %d", what, res.Outcome, res.DeliveryID, res.Attempt)
		if res.Status != 0 {
			line += fmt.Sprintf(", status %d", res.Status)
		}
		line += fmt.Sprintf(", %d ms)", res.DurationMS)
		fmt.Fprintln(a.stdout, line)
	}
	if res.Outcome != delivery.Delivered {
		return fmt.Errorf("not delivered: %s", res.Error)
	}
	return nil
}

// call makes one API call with the command's client and prints the reply: the API's own JSON
// with --output json, else what text makes of the result.
func call[T any](a *app, cmd *cobra.Command, do func(context.Context, *apiclient.Client) (T, error), text func(T)) error {
	c, err := a.client(cmd)
	if err != nil {
		return err
	}
	var raw []byte
	v, err := do(a.replyContext(cmd, &raw), c)
	if err != nil {
		return err
	}
	if a.jsonOutput() {
		return a.printJSON(raw)
	}
	text(v)
	return nil
}
