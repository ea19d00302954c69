package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
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
		a.secretCmd(), a.deliveriesCmd())
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
			c, err := a.client(cmd)
			if err != nil {
				return err
			}
			var raw []byte
			rules, err := c.List(a.replyContext(cmd, &raw))
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(raw)
			}
			if len(rules) == 0 {
				fmt.Fprintln(a.stdout, "No notifications yet. Add one with:\n"+
					"  herald notification add NAME --type email --email-recipient ADDR --event login-failure")
				return nil
			}
			fmt.Fprint(a.stdout, listTable(rules))
			return nil
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
			c, err := a.client(cmd)
			if err != nil {
				return err
			}
			var raw []byte
			rule, err := c.Get(a.replyContext(cmd, &raw), args[0])
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(raw)
			}
			fmt.Fprint(a.stdout, ruleTable(rule))
			return nil
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
			c, err := a.client(cmd)
			if err != nil {
				return err
			}
			var raw []byte
			secret, err := c.Secret(a.replyContext(cmd, &raw), args[0])
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(raw)
			}
			fmt.Fprintln(a.stdout, secret)
			return nil
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
