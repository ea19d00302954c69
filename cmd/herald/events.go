package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/producer"
	"github.com/heraldhq/herald/shared/topology"
)

const (
	envEventBus   = "HERALD_EVENT_BUS"
	defaultSource = "herald.cli"
)

func (a *app) eventsCmd() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:     "events",
		Short:   "Put login and audit events on the Herald event bus",
		Example: `  herald events put --type login-failure --org org_acme --user alice@acme.test --reason "MFA challenge failed"`,
	})
	cmd.AddCommand(a.eventsPutCmd())
	return cmd
}

// putFlags are the flags of `events put`.
type putFlags struct {
	file, typ, org, bus, source string
	user                        event.Person
	socket                      event.Socket
	client                      event.Client
	reason                      string
	action                      string
	target                      event.Target
	changes                     string
}

// Flags that only make sense for one kind of event.
var (
	loginFlags = []string{"socket", "socket-type", "ip", "location", "user-agent", "reason"}
	auditFlags = []string{"action", "target-type", "target-id", "target-name", "changes"}
	eventFlags = slices.Concat([]string{"org", "user", "user-id", "user-name"}, loginFlags, auditFlags)
)

func (a *app) eventsPutCmd() *cobra.Command {
	var f putFlags
	cmd := &cobra.Command{
		Use:   "put",
		Short: "Publish a login or audit event, as the access platform does",
		Long: `Publish one event to the Herald event bus, as the access platform's producers do, to see
the notifications it triggers. Either send a sample file (an EventBridge event, as in
events/eventbridge-*.json: its detail-type and detail are sent as they are, so a malformed
sample stays malformed), or build an event from flags: --type, --org and --user, plus the
login flags (--socket, --ip, --reason, ...) or the audit flags (--action, --target-*, --changes).

The bus is --bus, else $` + envEventBus + `, else "` + topology.EventBusName + `". AWS is reached with the usual
configuration (AWS_REGION, AWS_PROFILE, ...); AWS_ENDPOINT_URL points it at the local stack's
emulator.`,
		Example: `  herald events put --file events/eventbridge-login-failed.json
  herald events put --type login-failure --org org_acme --user alice@acme.test \
      --socket prod-db --socket-type database --ip 203.0.113.7 --location "Lisbon, PT" \
      --reason "MFA challenge failed"
  herald events put --type audit-events --org org_acme --user alice@acme.test \
      --action socket.update --target-type socket --target-name prod-db \
      --changes '{"enabled": {"from": true, "to": false}}'`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			var (
				detailType string
				detail     []byte
				err        error
			)
			fs := cmd.Flags()
			if f.file != "" {
				detailType, detail, err = f.fromFile(fs)
			} else {
				detailType, detail, err = f.build(fs, a)
			}
			if err != nil {
				return err
			}
			return a.put(cmd, f, detailType, detail)
		}),
	}
	fs := cmd.Flags()
	fs.StringVar(&f.file, "file", "", "send the EventBridge event in `FILE` (its detail-type and detail)")
	fs.StringVar(&f.typ, "type", "", "build an event of `TYPE`: login-success, login-failure or audit-events")
	fs.StringVar(&f.org, "org", "", "the event's organization `ID` (org_id)")
	fs.StringVar(&f.user.Email, "user", "", "the `EMAIL` of the user who logged in, or of an audit event's actor")
	fs.StringVar(&f.user.ID, "user-id", "", "the user's `ID`")
	fs.StringVar(&f.user.Name, "user-name", "", "the user's `NAME`")
	fs.StringVar(&f.socket.Name, "socket", "", "login: the `SOCKET` logged in to")
	fs.StringVar(&f.socket.Type, "socket-type", "", "login: the socket's `TYPE`, such as database or ssh")
	fs.StringVar(&f.client.IP, "ip", "", "login: the client's `IP` address")
	fs.StringVar(&f.client.Location, "location", "", "login: the client's `LOCATION`, such as \"Lisbon, PT\"")
	fs.StringVar(&f.client.UserAgent, "user-agent", "", "login: the client's `USER-AGENT`")
	fs.StringVar(&f.reason, "reason", "", "login-failure: the `REASON` it failed")
	fs.StringVar(&f.action, "action", "", "audit-events: the `ACTION`, such as socket.update (required)")
	fs.StringVar(&f.target.Type, "target-type", "", "audit-events: the target's `TYPE`, such as socket")
	fs.StringVar(&f.target.ID, "target-id", "", "audit-events: the target's `ID`")
	fs.StringVar(&f.target.Name, "target-name", "", "audit-events: the target's `NAME`")
	fs.StringVar(&f.changes, "changes", "", "audit-events: what changed, a `JSON` object such as {\"enabled\": {\"from\": true, \"to\": false}}")
	fs.StringVar(&f.bus, "bus", topology.EventBusName, "the event bus's `NAME` or ARN (env "+envEventBus+")")
	fs.StringVar(&f.source, "source", defaultSource, "the events' `SOURCE` (with --file, the file's unless given)")
	cmd.MarkFlagsOneRequired("file", "type")
	cmd.MarkFlagsMutuallyExclusive("file", "type")
	return cmd
}

// fromFile reads the sample file's detail-type and detail.
func (f *putFlags) fromFile(fs *pflag.FlagSet) (string, []byte, error) {
	for _, name := range eventFlags {
		if fs.Changed(name) {
			return "", nil, usagef("--%s builds an event; with --file the file's detail is sent as it is", name)
		}
	}
	b, err := os.ReadFile(f.file)
	if err != nil {
		return "", nil, err
	}
	var env event.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return "", nil, fmt.Errorf("%s is not an EventBridge event: %w", f.file, err)
	}
	if env.DetailType == "" || len(env.Detail) == 0 {
		return "", nil, fmt.Errorf(`%s is not an EventBridge event: it needs "detail-type" and "detail"`, f.file)
	}
	if !fs.Changed("source") && env.Source != "" {
		f.source = env.Source
	}
	return env.DetailType, env.Detail, nil
}

// build makes the event the flags describe.
func (f *putFlags) build(fs *pflag.FlagSet, a *app) (string, []byte, error) {
	t := event.Type(f.typ)
	if !t.Valid() {
		return "", nil, usagef("--type must be one of %s, not %q", event.TypeNames(), f.typ)
	}
	if f.org == "" || f.user.Email == "" {
		return "", nil, usagef("an event needs --org and --user")
	}
	own, other, kind, otherKind := loginFlags, auditFlags, string(t)+" events", "audit-events"
	if t == event.Audit {
		own, other, kind, otherKind = auditFlags, loginFlags, "audit-events", "login events"
	}
	for _, name := range other {
		if fs.Changed(name) {
			return "", nil, usagef("--%s is for %s; %s take %s", name, otherKind, kind, flagList(own))
		}
	}
	user := f.user
	ev := event.Event{Type: t, ID: a.newEventID(), Org: f.org, OccurredAt: a.now().UTC().Truncate(time.Second)}
	if t == event.Audit {
		if f.action == "" {
			return "", nil, usagef("an audit event needs --action, such as socket.update")
		}
		ev.Actor, ev.Action = &user, f.action
		if f.target != (event.Target{}) {
			target := f.target
			ev.Target = &target
		}
		if f.changes != "" {
			if !json.Valid([]byte(f.changes)) || !strings.HasPrefix(strings.TrimSpace(f.changes), "{") {
				return "", nil, usagef(`--changes must be a JSON object, such as {"enabled": {"from": true, "to": false}}`)
			}
			ev.Changes = json.RawMessage(f.changes)
		}
	} else {
		ev.User, ev.Reason = &user, f.reason
		if f.socket != (event.Socket{}) {
			socket := f.socket
			ev.Socket = &socket
		}
		if f.client != (event.Client{}) {
			client := f.client
			ev.Client = &client
		}
	}
	detail, err := producer.Detail(ev)
	return t.DetailType(), detail, err
}

func flagList(names []string) string {
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = "--" + n
	}
	return strings.Join(s, ", ")
}

// put publishes the event and says what it published.
func (a *app) put(cmd *cobra.Command, f putFlags, detailType string, detail []byte) error {
	bus := a.setting(cmd, "bus", envEventBus)
	eb, err := a.eventBridge(cmd.Context())
	if err != nil {
		return err
	}
	p := &producer.Publisher{EB: eb, Bus: bus, Source: f.source}
	if err := p.PublishDetail(cmd.Context(), detailType, detail); err != nil {
		var nf *ebtypes.ResourceNotFoundException
		if errors.As(err, &nf) {
			return fmt.Errorf("there is no event bus %s here: set --bus or %s, and for the local stack AWS_ENDPOINT_URL (`make dev` prints both)",
				bus, envEventBus)
		}
		return err
	}
	if a.jsonOutput() {
		b, err := json.Marshal(struct {
			Bus        string          `json:"bus"`
			Source     string          `json:"source"`
			DetailType string          `json:"detail_type"`
			Detail     json.RawMessage `json:"detail"`
		}{bus, f.source, detailType, detail})
		if err != nil {
			return err
		}
		return a.printJSON(b)
	}
	var d struct {
		ID  string `json:"event_id"`
		Org string `json:"org_id"`
	}
	json.Unmarshal(detail, &d) // only for the summary; the bus already took the detail
	id, org := cmp.Or(d.ID, "an event without event_id"), cmp.Or(d.Org, "no org_id")
	fmt.Fprintf(a.stdout, "Published %s (%q, %s) to bus %s.\n", id, detailType, org, bus)
	// Say so when the event won't notify anyone, which is otherwise silent.
	if _, ok := event.TypeOfDetail(detailType); !ok {
		fmt.Fprintf(a.stderr, "Note: Herald's bus rule only takes %s events; this one reaches no notification.\n",
			strings.Join(event.DetailTypes(), ", "))
	} else if d.Org == "" {
		fmt.Fprintln(a.stderr, "Note: the event has no org_id; Herald's matcher will log it as malformed and drop it.")
	}
	return nil
}

// loadEventBridge is an EventBridge client with the usual AWS configuration, which
// AWS_ENDPOINT_URL points at an emulator.
func loadEventBridge(ctx context.Context) (producer.EventBridge, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set AWS_REGION (for the local stack, use the AWS settings `make dev` prints)")
	}
	return eventbridge.NewFromConfig(cfg), nil
}
