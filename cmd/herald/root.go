package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/shared/apiclient"
	"github.com/heraldhq/herald/shared/producer"
)

// Where the CLI finds the API and who it is, when no flag says.
const (
	envAPIURL     = "HERALD_API_URL"
	envToken      = "HERALD_TOKEN"
	defaultAPIURL = "http://127.0.0.1:8080" // the local stack
)

// app is what the commands of one run share: where they write, the environment they read, and
// the clock and ids of the events they put (fixed by tests).
type app struct {
	stdout, stderr io.Writer
	env            func(string) string
	now            func() time.Time
	newEventID     func() string
	eventBridge    func(context.Context) (producer.EventBridge, error)

	// The global flags.
	apiURL, token, output string
}

// newRootCmd returns the herald command. It reads the environment through env and touches no
// global state, so tests run it in-process.
func newRootCmd(stdout, stderr io.Writer, env func(string) string) *cobra.Command {
	return newApp(stdout, stderr, env).rootCmd()
}

func newApp(stdout, stderr io.Writer, env func(string) string) *app {
	return &app{stdout: stdout, stderr: stderr, env: env,
		now: time.Now, newEventID: producer.NewEventID, eventBridge: loadEventBridge}
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "herald",
		Short: "Manage Herald notifications and put test events on its bus",
		Long: `herald manages your organization's Herald notification rules: who is told, by email or
webhook, when someone logs in, fails to log in, or changes something.

It calls the Herald API at $HERALD_API_URL (default ` + defaultAPIURL + `, the local stack
that ` + "`make dev`" + ` runs) with the token in $HERALD_TOKEN. Only admins manage notifications.`,
		Example: `  export HERALD_TOKEN=$(go run ./cmd/herald-local token --org org_acme --role admin)
  herald organization notification add slack-webhook --type webhook \
      --webhook-url https://hooks.slack.com/services/T000/B000/XXXX \
      --event login-success --event login-failure --event audit-events
  herald notification list
  herald events put --file events/eventbridge-login-failed.json`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if a.output != "table" && a.output != "json" {
				return usagef("--output must be table or json, not %q", a.output)
			}
			return nil
		},
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	// The token is read from the environment when a command runs, never as a flag default, so
	// that --help can't print it.
	pf := root.PersistentFlags()
	pf.StringVar(&a.apiURL, "api-url", defaultAPIURL, "the Herald API's URL (env "+envAPIURL+")")
	pf.StringVar(&a.token, "token", "", "API token (env "+envToken+", which keeps it out of your shell history)")
	pf.StringVarP(&a.output, "output", "o", "table", "output format: table or json")

	org := group(&cobra.Command{
		Use:     "organization",
		Aliases: []string{"org"},
		Short:   "Manage your organization",
		Example: `  herald organization notification list`,
	})
	org.AddCommand(a.notificationCmd(false))
	root.AddCommand(org, a.notificationCmd(true), a.eventsCmd(), a.versionCmd())
	return root
}

// group makes cmd, a command that only holds others, refuse an unknown command as a usage
// error. Cobra does that for the root alone; under it, it prints help and succeeds.
func group(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return usagef("%s", msg)
	}
	return cmd
}

// runE adapts fn to cobra: an error fn returns is a failure (exit status 1), unless it is a
// usage error (2). Errors cobra finds before fn runs are all usage errors.
func runE(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := fn(cmd, args)
		var ue *usageError
		if err == nil || errors.As(err, &ue) {
			return err
		}
		return &failure{err: err}
	}
}

// setting is a flag's value if it was given, else the environment variable's, else the
// flag's default.
func (a *app) setting(cmd *cobra.Command, flag, envVar string) string {
	f := cmd.Flag(flag)
	if f.Changed {
		return f.Value.String()
	}
	if v := strings.TrimSpace(a.env(envVar)); v != "" {
		return v
	}
	return f.DefValue
}

// errNoToken says how to get a token, since the first run of the CLI usually ends here.
var errNoToken = errors.New("no API token: set " + envToken + " (or pass --token).\n" +
	"For the local stack, `make dev` prints an admin token, or run:\n" +
	"  go run ./cmd/herald-local token --org ORG --role admin")

// client returns an API client for the URL and token the flags or the environment give.
func (a *app) client(cmd *cobra.Command) (*apiclient.Client, error) {
	tok := a.setting(cmd, "token", envToken)
	// A token pasted with its scheme still works.
	tok = strings.TrimSpace(strings.TrimPrefix(tok, "Bearer "))
	if tok == "" {
		return nil, errNoToken
	}
	c := apiclient.New(a.setting(cmd, "api-url", envAPIURL), tok)
	c.UserAgent = "herald-cli/" + version()
	return c, nil
}

// jsonOutput reports whether --output json was asked for.
func (a *app) jsonOutput() bool { return a.output == "json" }

// replyContext is cmd's context, keeping the API's reply in *raw for --output json.
func (a *app) replyContext(cmd *cobra.Command, raw *[]byte) context.Context {
	if !a.jsonOutput() {
		return cmd.Context()
	}
	return apiclient.WithReply(cmd.Context(), raw)
}

// printJSON prints the JSON raw, indented.
func (a *app) printJSON(raw []byte) error {
	var b bytes.Buffer
	if err := json.Indent(&b, bytes.TrimSpace(raw), "", "  "); err != nil {
		return fmt.Errorf("the reply is not JSON: %w", err)
	}
	b.WriteByte('\n')
	_, err := a.stdout.Write(b.Bytes())
	return err
}
