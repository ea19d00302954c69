package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/spf13/cobra"
	svix "github.com/svix/svix-webhooks/go"

	"github.com/heraldhq/herald/shared/apiclient"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/motoserver"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/producer"
	"github.com/heraldhq/herald/shared/topology"
)

func newDemoCmd(stdout, stderr io.Writer, dir *string) *cobra.Command {
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Deliver one event of each type by webhook and email, end to end, then stop",
		Long: `demo starts the local stack on free ports, creates a webhook rule for a local receiver
that checks every signature and an email rule, publishes one event of each type to the bus,
waits for every delivery and prints what arrived. It stops everything it started and exits
non-zero, naming what is missing, if a delivery has not arrived in time.`,
		Example:       "  make demo\n  herald-local demo --wait 2m",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := runDemo(cmd.Context(), stdout, demoOptions{Dir: *dir, Wait: wait})
			if err != nil {
				fmt.Fprintln(stderr, "demo failed:", err)
			}
			return err
		},
	}
	cmd.Flags().DurationVar(&wait, "wait", 60*time.Second, "how long to wait for the deliveries")
	return cmd
}

type demoOptions struct {
	Dir  string
	Wait time.Duration
}

// demoEvents are the events the demo publishes, one of each type.
func demoEvents(org string) []event.Event {
	now := time.Now().UTC()
	alice := &event.Person{ID: "u_123", Email: "alice@demo.test", Name: "Alice"}
	db := &event.Socket{Name: "prod-db", Type: "database"}
	client := &event.Client{IP: "203.0.113.7", UserAgent: "border0-cli/1.2", Location: "Lisbon, PT"}
	return []event.Event{
		{Type: event.LoginSuccess, ID: producer.NewEventID(), Org: org, OccurredAt: now, User: alice, Socket: db, Client: client},
		{Type: event.LoginFailure, ID: producer.NewEventID(), Org: org, OccurredAt: now, User: alice, Socket: db, Client: client,
			Reason: "MFA challenge failed"},
		{Type: event.Audit, ID: producer.NewEventID(), Org: org, OccurredAt: now, Actor: alice, Action: "socket.update",
			Target: &event.Target{Type: "socket", ID: "sck_42", Name: "prod-db"}, Changes: json.RawMessage(`{"enabled":{"from":true,"to":false}}`)},
	}
}

// runDemo is make demo: the whole path, from an event on the bus to a verified webhook and an
// email in the emulator's outbox.
func runDemo(ctx context.Context, out io.Writer, o demoOptions) error {
	logFile, err := openLog(o.Dir)
	if err != nil {
		return err
	}
	defer logFile.Close()
	const org = "org_demo"
	fmt.Fprintln(out, "Herald demo: starting the local stack...")
	s, err := startStack(ctx, stackOptions{
		Addr: "127.0.0.1:0", Dir: o.Dir, Org: org,
		Names: topology.DefaultNames().WithSuffix("-demo-" + randomHex(3)),
		Log:   slogLogger(logFile, io.Discard), Stderr: io.Discard,
	})
	if err != nil {
		return err
	}
	defer s.Stop()

	rc, err := startReceiver()
	if err != nil {
		return err
	}
	defer rc.Close()
	fmt.Fprintf(out, "  API %s, AWS emulator %s, webhook receiver %s\n", s.APIURL, s.AWSURL, rc.URL)

	api := apiclient.New(s.APIURL, s.AdminToken)
	hookURL := rc.URL + "/hooks/herald"
	all := slices.Clone(event.Types)
	created, err := api.Create(ctx, notification.Create{Name: "demo-webhook", Type: notification.Webhook, WebhookURL: &hookURL, Events: all})
	if err != nil {
		return fmt.Errorf("create the webhook rule: %w", err)
	}
	rc.secret.Store(created.Secret)
	inbox := []string{"secops-" + randomHex(3) + "@demo.test", "oncall-" + randomHex(3) + "@demo.test"}
	if _, err := api.Create(ctx, notification.Create{Name: "demo-email", Type: notification.Email, EmailRecipients: inbox, Events: all}); err != nil {
		return fmt.Errorf("create the email rule: %w", err)
	}
	fmt.Fprintf(out, "  created rules demo-webhook (→ %s) and demo-email (→ %s)\n", hookURL, strings.Join(inbox, ", "))

	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	pub := &producer.Publisher{EB: eventbridge.NewFromConfig(cfg), Bus: s.Local.Resources.Names.Bus, Source: "herald.demo"}
	evs := demoEvents(org)
	for _, ev := range evs {
		if err := pub.Publish(ctx, ev); err != nil {
			return fmt.Errorf("publish %s: %w", ev.Type, err)
		}
		fmt.Fprintf(out, "  published %-14s %s (%s)\n", ev.Type, ev.ID, ev.Type.DetailType())
	}

	// Wait for three webhooks and three emails, saying how it goes.
	deadline := time.Now().Add(o.Wait)
	var mails []motoserver.SentEmail
	last := ""
	for {
		mails, err = motoserver.SentEmails(ctx, s.AWSURL, inbox[0])
		if err != nil {
			return err
		}
		hooks := rc.received()
		status := fmt.Sprintf("  waiting for deliveries: webhooks %d/%d, emails %d/%d", len(hooks), len(evs), len(mails), len(evs))
		if status != last {
			fmt.Fprintln(out, status)
			last = status
		}
		if len(hooks) >= len(evs) && len(mails) >= len(evs) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v: %s", o.Wait, missing(evs, hooks, mails))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}

	fmt.Fprintln(out, "\nWebhooks received (POST "+hookURL+"):")
	ok := true
	for _, h := range rc.received() {
		verdict := "signature ok"
		if h.verifyErr != nil {
			verdict, ok = "SIGNATURE INVALID: "+h.verifyErr.Error(), false
		}
		fmt.Fprintf(out, "\n  webhook-id %s — %s\n", h.id, verdict)
		var pretty bytes.Buffer
		json.Indent(&pretty, h.body, "    ", "  ")
		fmt.Fprintf(out, "    %s\n", pretty.String())
	}
	fmt.Fprintln(out, "\nEmails sent (from the emulator's SES outbox):")
	for _, m := range mails {
		fmt.Fprintf(out, "  %-48s to %s\n", m.Subject, strings.Join(m.To(), ", "))
	}
	if !ok {
		return fmt.Errorf("a webhook arrived with a signature that does not verify")
	}
	fmt.Fprintf(out, "\nAll %d events were delivered by webhook and by email. Logs: %s\n", len(evs), filepath.Join(o.Dir, "herald.log"))
	return nil
}

// missing names the deliveries that have not arrived.
func missing(evs []event.Event, hooks []receivedHook, mails []motoserver.SentEmail) string {
	var gone []string
	for _, ev := range evs {
		if !slices.ContainsFunc(hooks, func(h receivedHook) bool { return bytes.Contains(h.body, []byte(ev.ID)) }) {
			gone = append(gone, fmt.Sprintf("webhook for %s %s", ev.Type, ev.ID))
		}
	}
	subjects := map[event.Type]string{event.LoginSuccess: "Successful login", event.LoginFailure: "Failed login", event.Audit: "Audit"}
	for _, ev := range evs {
		if !slices.ContainsFunc(mails, func(m motoserver.SentEmail) bool { return strings.HasPrefix(m.Subject, subjects[ev.Type]) }) {
			gone = append(gone, fmt.Sprintf("email for %s %s", ev.Type, ev.ID))
		}
	}
	return "missing: " + strings.Join(gone, "; ")
}

// receiver is the demo's webhook endpoint: it checks every signature with an implementation
// Herald did not write (svix's).
type receiver struct {
	URL    string
	srv    *http.Server
	secret atomicString
	mu     sync.Mutex
	got    []receivedHook
}

type receivedHook struct {
	id        string
	body      []byte
	verifyErr error
}

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &receiver{URL: "http://" + ln.Addr().String()}
	rc.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		h := receivedHook{id: r.Header.Get("webhook-id"), body: body}
		wh, err := svix.NewWebhook(rc.secret.Load())
		if err == nil {
			err = wh.Verify(body, r.Header)
		}
		h.verifyErr = err
		rc.mu.Lock()
		rc.got = append(rc.got, h)
		rc.mu.Unlock()
		if err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go rc.srv.Serve(ln)
	return rc, nil
}

func (rc *receiver) received() []receivedHook {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

func (rc *receiver) Close() { rc.srv.Close() }

type atomicString struct {
	mu sync.Mutex
	s  string
}

func (a *atomicString) Store(s string) { a.mu.Lock(); a.s = s; a.mu.Unlock() }
func (a *atomicString) Load() string   { a.mu.Lock(); defer a.mu.Unlock(); return a.s }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
