package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/heraldhq/herald/shared/apiclient"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
)

// ruleFlags are the flags that describe a rule, shared by add and update. Only the flags a user
// sets are sent; the API checks the values and says what is wrong in its own words.
type ruleFlags struct {
	typ        string
	webhookURL string
	recipients []string
	events     []string
	format     string
	enabled    bool
}

// register defines the flags on fs: for add, with --type and --enabled defaulting to true; for
// update, without --type (it is fixed) and with no default shown, since only flags given count.
func (f *ruleFlags) register(fs *pflag.FlagSet, add bool) {
	if add {
		fs.StringVar(&f.typ, "type", "", "the notification's `TYPE`: email or webhook (fixed once created)")
		fs.BoolVar(&f.enabled, "enabled", true, "whether the notification is on (--enabled=false adds it paused)")
	} else {
		fs.BoolVar(&f.enabled, "enabled", false, "turn the notification on (--enabled) or off (--enabled=false)")
	}
	fs.StringVar(&f.webhookURL, "webhook-url", "", "the HTTPS `URL` a webhook notification posts to")
	fs.StringArrayVar(&f.recipients, "email-recipient", nil, "an email `ADDRESS` to notify (repeat for more, up to 10)")
	fs.StringArrayVar(&f.events, "event", nil, "an `EVENT` to notify about: login-success, login-failure or audit-events (repeat for more)")
	formatHelp := "a webhook's message `FORMAT`: auto, generic, slack, teams, discord or googlechat"
	if add {
		formatHelp += " (default auto: chosen from the URL's host)"
	}
	fs.StringVar(&f.format, "format", "", formatHelp)
}

func (f *ruleFlags) create(fs *pflag.FlagSet, name string) notification.Create {
	c := notification.Create{
		Name:            name,
		Type:            notification.Type(f.typ),
		Events:          eventTypes(f.events),
		EmailRecipients: f.recipients,
	}
	if fs.Changed("enabled") {
		c.Enabled = &f.enabled
	}
	if fs.Changed("webhook-url") {
		c.WebhookURL = &f.webhookURL
	}
	if fs.Changed("format") {
		format := notification.Format(f.format)
		c.Format = &format
	}
	return c
}

// patch is the update the flags ask for; ok is false if they ask for none.
func (f *ruleFlags) patch(fs *pflag.FlagSet) (p notification.Patch, ok bool) {
	if fs.Changed("enabled") {
		p.Enabled, ok = &f.enabled, true
	}
	if fs.Changed("event") {
		events := eventTypes(f.events)
		p.Events, ok = &events, true
	}
	if fs.Changed("email-recipient") {
		p.EmailRecipients, ok = &f.recipients, true
	}
	if fs.Changed("webhook-url") {
		p.WebhookURL, ok = &f.webhookURL, true
	}
	if fs.Changed("format") {
		format := notification.Format(f.format)
		p.Format, ok = &format, true
	}
	return p, ok
}

func eventTypes(names []string) []event.Type {
	if names == nil {
		return nil
	}
	out := make([]event.Type, len(names))
	for i, n := range names {
		out[i] = event.Type(n)
	}
	return out
}

func (a *app) addCmd() *cobra.Command {
	var f ruleFlags
	cmd := &cobra.Command{
		Use:     "add NAME",
		Aliases: []string{"create"},
		Short:   "Add organization notification",
		Long: `Add a notification. NAME is 1 to 64 lowercase letters, digits and dashes. An email
notification takes 1 to 10 --email-recipient; a webhook one a --webhook-url, and its signing
secret is printed once (` + "`herald notification secret NAME`" + ` shows it again).`,
		Example: `  herald organization notification add slack-webhook --type webhook \
      --webhook-url https://hooks.slack.com/services/T000/B000/XXXX \
      --event login-success --event login-failure --event audit-events
  herald notification add security --type email \
      --email-recipient secops@acme.test --email-recipient oncall@acme.test --event login-failure`,
		Args: oneName,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return call(a, cmd, func(ctx context.Context, c *apiclient.Client) (apiclient.Created, error) {
				return c.Create(ctx, f.create(cmd.Flags(), args[0]))
			}, func(rule apiclient.Created) {
				fmt.Fprint(a.stdout, ruleTable(rule.Rule))
				if rule.Secret != "" {
					fmt.Fprintf(a.stdout, "Signing secret (store it now; `herald notification secret %s` shows it again): %s\n",
						rule.Name, rule.Secret)
				}
			})
		}),
	}
	f.register(cmd.Flags(), true)
	cmd.MarkFlagRequired("type")
	return cmd
}

func (a *app) updateCmd() *cobra.Command {
	var f ruleFlags
	cmd := &cobra.Command{
		Use:   "update NAME",
		Short: "Update organization notification",
		Long: `Update a notification: only the flags you give change. --event and --email-recipient
replace the whole list, so repeat them for every value you want to keep. The type is fixed at
creation.`,
		Example: `  herald organization notification update slack-webhook --event login-failure
  herald notification update security --enabled=false
  herald notification update security --email-recipient secops@acme.test --email-recipient cso@acme.test`,
		Args: oneName,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			p, ok := f.patch(cmd.Flags())
			if !ok {
				return usagef("nothing to update: give at least one of --enabled, --event, --email-recipient, --webhook-url, --format")
			}
			return call(a, cmd, func(ctx context.Context, c *apiclient.Client) (notification.Rule, error) {
				return c.Update(ctx, args[0], p)
			}, func(rule notification.Rule) { fmt.Fprint(a.stdout, ruleTable(rule)) })
		}),
	}
	f.register(cmd.Flags(), false)
	return cmd
}
